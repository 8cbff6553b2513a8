#include "row_mapper.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>

namespace accord::adapters::detail {
namespace {

using nlohmann::json;

// Sets `value` at dotted `path`, creating objects on the way.
void put(json& root, const std::string& path, json value) {
  json* node = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (dot == std::string::npos) {
      (*node)[key] = std::move(value);
      return;
    }
    node = &(*node)[key];
    start = dot + 1;
  }
}

Result<json> typed(const std::string& cell, CellType type) {
  switch (type) {
    case CellType::string:
      return json(cell);
    case CellType::integer: {
      std::int64_t v = 0;
      const auto* end = cell.data() + cell.size();
      const auto [ptr, ec] = std::from_chars(cell.data(), end, v);
      if (ec != std::errc() || ptr != end) return make_error("invalid_cell", "not an integer");
      return json(v);
    }
    case CellType::boolean:
      if (cell == "true") return json(true);
      if (cell == "false") return json(false);
      return make_error("invalid_cell", "not true or false");
  }
  return make_error("invalid_cell", "unknown type");
}

}  // namespace

bool plausible_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

Result<RowMapper> RowMapper::from_header(const FiledropInboundSettings& settings,
                                         const csv::Record& header) {
  const std::string where = "header (line " + std::to_string(header.line) + ")";
  if (!header.error.empty()) return make_error("malformed_header", where + ": " + header.error);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < header.cells.size(); ++i) {
    const auto& name = header.cells[i];
    if (name.empty()) {
      return make_error("malformed_header",
                        where + ": column " + std::to_string(i + 1) + " has no name");
    }
    if (!index.emplace(name, i).second) {
      return make_error("malformed_header", where + ": column '" + name + "' appears twice");
    }
  }
  auto column = [&](const std::string& name, const std::string& purpose) -> Result<std::size_t> {
    const auto it = index.find(name);
    if (it == index.end()) {
      return make_error("missing_column", where + ": mapped column '" + name + "' (for " + purpose +
                                              ") is not in it");
    }
    return it->second;
  };
  RowMapper mapper;
  mapper.settings_ = &settings;
  mapper.width_ = header.cells.size();
  mapper.column_names_ = header.cells;
  if (!settings.event_type_column.empty()) {
    auto c = column(settings.event_type_column, "type");
    if (!c.ok()) return c.error();
    mapper.event_type_column_ = *c;
  }
  for (const auto& [path, name] : settings.mapping) {
    auto c = column(name, path);
    if (!c.ok()) return c.error();
    const auto type = settings.types.find(path);
    mapper.fields_.push_back(
        {path, *c, type == settings.types.end() ? CellType::string : type->second});
    if (path == "id") mapper.id_column_ = *c;
  }
  return mapper;
}

Result<std::string> RowMapper::envelope(const csv::Record& row) const {
  if (!row.error.empty()) return make_error("malformed_row", row.error);
  if (row.cells.size() != width_) {
    return make_error("wrong_cell_count", "row has " + std::to_string(row.cells.size()) +
                                              " cells, the header has " + std::to_string(width_));
  }
  json envelope = json::object();
  envelope["data"] = json::object();
  envelope["type"] =
      settings_->event_type_column.empty() ? settings_->event_type : row.cells[event_type_column_];
  for (const auto& [path, value] : settings_->constants) {
    const auto type = settings_->types.find(path);
    auto v = typed(value, type == settings_->types.end() ? CellType::string : type->second);
    if (!v.ok()) return make_error("invalid_cell", "constant " + path + ": " + v.error().message);
    put(envelope, path, std::move(*v));
  }
  for (const auto& field : fields_) {
    const auto& cell = row.cells[field.column];
    // An empty cell is "no value" for a data field; envelope fields stay "" and the
    // pipeline refuses the row with its own code.
    if (cell.empty() && field.path.starts_with("data.")) continue;
    auto v = typed(cell, field.type);
    if (!v.ok()) {
      return make_error("invalid_cell", "column '" + column_names_[field.column] + "' (" +
                                            field.path + "): " + v.error().message);
    }
    put(envelope, field.path, std::move(*v));
  }
  try {
    return envelope.dump();
  } catch (const json::exception&) {
    // dump() refuses invalid UTF-8; altering the text silently would change what is shared.
    return make_error("invalid_utf8", "a cell is not valid UTF-8");
  }
}

std::string RowMapper::id(const csv::Record& row) const {
  if (id_column_ >= row.cells.size()) return {};
  const auto& id = row.cells[id_column_];
  return plausible_id(id) ? id : std::string();
}

}  // namespace accord::adapters::detail
