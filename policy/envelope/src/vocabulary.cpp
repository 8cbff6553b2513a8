// Vocabulary loader. yaml-cpp throws; every exception is caught here and becomes an Error
// whose path is the 1-based "line:col" of the offending node.
#include "accord/envelope/vocabulary.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <utility>

#include "accord/yaml/document.hpp"
#include "accord/yaml/keys.hpp"
#include "text_rules.hpp"

namespace accord::envelope {
namespace {

constexpr std::array<std::string_view, 9> kAgencyKinds = {
    "police", "cps", "wcu", "court", "probation", "provider", "oversight", "gateway", "any"};

// Deadlines moved to the versioned rule sets (docs/compliance.md §2): the Code changes by
// date, and one vocabulary cannot say which version applied to a message received last year.
constexpr std::string_view kRuleFile = "config/compliance/victims-code.yaml";

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "0:0";
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Error fail(std::string code, std::string message, const YAML::Node& node) {
  return make_error(std::move(code), std::move(message), where(node.Mark()));
}

// Rejects duplicate and unknown keys of a mapping (yaml-cpp itself keeps duplicates silently)
// through the one strict YAML reader: the codes stay this reader's own (docs/envelope.md).
Status check_keys(const YAML::Node& map, std::string_view what,
                  std::initializer_list<std::string_view> allowed) {
  const auto problems =
      yaml::check_mapping(map, what, yaml::Keys{{}, std::vector<std::string_view>(allowed)});
  if (problems.empty()) return Status::Ok();
  const yaml::Problem& first = problems.front();
  return make_error(first.code, first.text(), first.at.known() ? first.at.to_string() : "0:0");
}

Result<std::string> required_string(const YAML::Node& map, const char* key, std::string_view what) {
  YAML::Node node = map[key];
  if (!node) {
    return fail("missing_field", std::string(what) + " needs '" + key + "'", map);
  }
  if (!node.IsScalar() || node.Scalar().empty()) {
    return fail("wrong_type", std::string("'") + key + "' must be a non-empty string", node);
  }
  return node.Scalar();
}

Result<std::vector<std::string>> kinds(const YAML::Node& map, const char* key,
                                       std::string_view what) {
  YAML::Node node = map[key];
  if (!node) return fail("missing_field", std::string(what) + " needs '" + key + "'", map);
  if (!node.IsSequence() || node.size() == 0) {
    return fail("wrong_type", std::string("'") + key + "' must be a non-empty list of agency kinds",
                node);
  }
  std::vector<std::string> out;
  for (const auto& item : node) {
    if (!item.IsScalar() ||
        std::find(kAgencyKinds.begin(), kAgencyKinds.end(), item.Scalar()) == kAgencyKinds.end()) {
      return fail("invalid_value",
                  std::string("'") + key +
                      "' holds an unknown agency kind (police, cps, wcu, court, probation, "
                      "provider, oversight, gateway, any)",
                  item);
    }
    if (std::find(out.begin(), out.end(), item.Scalar()) != out.end()) {
      return fail("invalid_value", "agency kind '" + item.Scalar() + "' listed twice", item);
    }
    out.push_back(item.Scalar());
  }
  return out;
}

// A key the vocabulary once held and no longer accepts: refused with the file that holds it now.
Status refuse_moved_keys(const YAML::Node& node) {
  if (!node.IsMap()) return Status::Ok();
  for (const auto& entry : node) {
    if (entry.first.IsScalar() && entry.first.Scalar() == "deadline_working_days") {
      return fail("unknown_key",
                  "'deadline_working_days' is no longer part of the vocabulary: deadlines are "
                  "rule-set data in " +
                      std::string(kRuleFile),
                  entry.first);
    }
  }
  return Status::Ok();
}

Result<EventType> event_type(const YAML::Node& node) {
  if (Status s = refuse_moved_keys(node); !s) return s.error();
  if (Status s = check_keys(node, "an event type", {"name", "description", "from", "to"}); !s) {
    return s.error();
  }
  EventType type;
  auto name = required_string(node, "name", "an event type");
  if (!name) return name.error();
  if (!rules::is_event_type_name(*name)) {
    return fail("invalid_name", "event type name '" + *name + "' must match ^[a-z_]+(\\.[a-z_]+)+$",
                node["name"]);
  }
  type.name = std::move(*name);
  auto description = required_string(node, "description", "event type " + type.name);
  if (!description) return description.error();
  type.description = std::move(*description);
  auto from = kinds(node, "from", "event type " + type.name);
  if (!from) return from.error();
  type.from_kinds = std::move(*from);
  auto to = kinds(node, "to", "event type " + type.name);
  if (!to) return to.error();
  type.to_kinds = std::move(*to);

  return type;
}

}  // namespace

bool EventType::recorded_by_gateway() const {
  return std::find(to_kinds.begin(), to_kinds.end(), "gateway") != to_kinds.end();
}

Result<Vocabulary> Vocabulary::parse(std::string_view yaml_text) {
  if (const auto alias = yaml::first_alias(yaml_text)) {
    const yaml::Problem problem = yaml::alias_problem(*alias);
    return make_error(problem.code, problem.text(), alias->to_string());
  }
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root || root.IsNull()) return make_error("missing_field", "empty vocabulary", "1:1");
    if (Status s = check_keys(root, "the vocabulary", {"version", "event_types"}); !s) {
      return s.error();
    }
    YAML::Node version = root["version"];
    if (!version) return fail("missing_field", "the vocabulary needs 'version'", root);
    if (!version.IsScalar() || version.Scalar() != "1") {
      return fail("invalid_value", "unsupported vocabulary version (expected 1)", version);
    }
    YAML::Node list = root["event_types"];
    if (!list) return fail("missing_field", "the vocabulary needs 'event_types'", root);
    if (!list.IsSequence() || list.size() == 0) {
      return fail("wrong_type", "'event_types' must be a non-empty list", list);
    }
    Vocabulary vocabulary;
    for (const auto& item : list) {
      auto type = event_type(item);
      if (!type) return type.error();
      std::string name = type->name;
      if (!vocabulary.types_.emplace(name, std::move(*type)).second) {
        return fail("duplicate_name", "event type '" + name + "' defined twice", item["name"]);
      }
    }
    return vocabulary;
  } catch (const YAML::Exception& e) {
    return make_error("yaml_syntax", e.msg, where(e.mark));
  } catch (const std::exception& e) {
    return make_error("yaml_syntax", e.what(), "0:0");
  }
}

const EventType* Vocabulary::find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

}  // namespace accord::envelope
