#include "accord/agreements/agency.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "accord/yaml/document.hpp"
#include "accord/yaml/keys.hpp"

namespace accord::agreements {
namespace {

Error at(const YAML::Mark& m, std::string message) {
  return make_error("invalid_agencies", std::move(message), yaml::position_of(m).to_string());
}

Error at(const yaml::Problem& problem) {
  return make_error("invalid_agencies", problem.text(), problem.at.to_string());
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
    const yaml::Document document = yaml::parse(yaml_text);  // syntax, duplicate keys
    if (!document.ok()) return at(document.problems.front());
    const YAML::Node& root = document.root;
    if (auto problems = yaml::check_mapping(root, "the agencies file", {{"agencies"}, {}});
        !problems.empty()) {
      return at(problems.front());
    }
    if (!root["agencies"].IsSequence()) {
      return at(root["agencies"].Mark(), "`agencies` must be a list of agencies");
    }
    AgencyDirectory dir;
    for (const YAML::Node& item : root["agencies"]) {
      if (auto problems = yaml::check_mapping(item, "an agency",
                                              {{"id", "name", "kind"}, {"competent_authority"}});
          !problems.empty()) {
        return at(problems.front());
      }
      Agency a;
      for (const auto& kv : item) {
        const std::string& key = kv.first.Scalar();
        if (!kv.second.IsScalar()) return at(kv.second.Mark(), "`" + key + "` must be a scalar");
        const std::string& value = kv.second.Scalar();
        if (key == "id") {
          a.id = value;
        } else if (key == "name") {
          a.name = value;
        } else if (key == "kind") {
          a.kind = value;
        } else {  // competent_authority: check_mapping allowed no other key
          if (value != "true" && value != "false") {
            return at(kv.second.Mark(), "competent_authority must be true or false");
          }
          a.competent_authority = value == "true";
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
                                           "oversight, gateway)");
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
