#include "accord/audit/record_text.hpp"

#include <algorithm>
#include <sstream>

namespace accord::audit::record_text {

using nlohmann::json;

json parse(std::string_view record) {
  json doc = json::parse(record, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc : json::object();
}

std::string str(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

std::int64_t num(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::vector<std::pair<std::string, std::string>> fields(const json& doc) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = doc.find("fields");
  if (it == doc.end() || !it->is_array()) return out;
  for (const auto& f : *it) {
    if (f.is_array() && f.size() == 2 && f[0].is_string() && f[1].is_string()) {
      out.emplace_back(f[0].get<std::string>(), f[1].get<std::string>());
    }
  }
  return out;
}

std::string fields_text(const json& doc) {
  std::string out;
  for (const auto& [path, action] : fields(doc)) {
    if (!out.empty()) out += ';';
    out += path + ":" + action;
  }
  return out;
}

std::string format_rows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
  return out.str();
}

}  // namespace accord::audit::record_text
