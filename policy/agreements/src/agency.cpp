#include "accord/agreements/agency.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace accord::agreements {
namespace {

Error at(const YAML::Mark& m, std::string message) {
  return make_error("invalid_agencies", std::move(message),
                    std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1));
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '.' || id.back() == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

}  // namespace

Result<AgencyDirectory> AgencyDirectory::parse(std::string_view yaml_text) {
  // yaml-cpp reports syntax errors by exception; they stop here and become values.
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap() || !root["agencies"] || !root["agencies"].IsSequence()) {
      return at(root.Mark(), "expected a map with an `agencies:` list");
    }
    for (const auto& kv : root) {
      if (kv.first.as<std::string>() != "agencies") {
        return at(kv.first.Mark(), "unknown key `" + kv.first.as<std::string>() +
                                       "` (the only top-level key is `agencies`)");
      }
    }
    AgencyDirectory dir;
    for (const YAML::Node& item : root["agencies"]) {
      if (!item.IsMap()) return at(item.Mark(), "each agency is a map with id, name and kind");
      Agency a;
      for (const auto& kv : item) {
        const std::string key = kv.first.as<std::string>();
        if (!kv.second.IsScalar()) return at(kv.second.Mark(), "`" + key + "` must be a scalar");
        const std::string value = kv.second.as<std::string>();
        if (key == "id") {
          a.id = value;
        } else if (key == "name") {
          a.name = value;
        } else if (key == "kind") {
          a.kind = value;
        } else if (key == "competent_authority") {
          if (value != "true" && value != "false") {
            return at(kv.second.Mark(), "competent_authority must be true or false");
          }
          a.competent_authority = value == "true";
        } else {
          return at(kv.first.Mark(),
                    "unknown key `" + key + "` (allowed: id, name, kind, competent_authority)");
        }
      }
      if (a.id.empty() || a.name.empty() || a.kind.empty()) {
        return at(item.Mark(), "an agency needs id, name and kind");
      }
      if (!valid_id(a.id)) {
        return at(item["id"].Mark(),
                  "agency id `" + a.id + "` must be lowercase letters, digits, '-' and '.'");
      }
      if (std::find(std::begin(kKinds), std::end(kKinds), a.kind) == std::end(kKinds)) {
        return at(item["kind"].Mark(), "unknown kind `" + a.kind +
                                           "` (police, cps, wcu, court, probation, provider, "
                                           "oversight)");
      }
      if (a.id.rfind(a.kind + ".", 0) != 0) {
        return at(item["id"].Mark(),
                  "agency id `" + a.id + "` must start with its kind: `" + a.kind + ".`");
      }
      if (dir.contains(a.id)) return at(item["id"].Mark(), "duplicate agency id `" + a.id + "`");
      dir.add(std::move(a));
    }
    return dir;
  } catch (const YAML::Exception& e) {
    return at(e.mark, "YAML syntax: " + e.msg);
  }
}

AgencyDirectory AgencyDirectory::from(std::initializer_list<Agency> agencies) {
  AgencyDirectory dir;
  for (const Agency& a : agencies) dir.add(a);
  return dir;
}

void AgencyDirectory::add(Agency agency) {
  std::string id = agency.id;
  agencies_.insert_or_assign(std::move(id), std::move(agency));
}

const Agency* AgencyDirectory::find(std::string_view id) const {
  const auto it = agencies_.find(id);
  return it == agencies_.end() ? nullptr : &it->second;
}

}  // namespace accord::agreements
