// Rule-set loader (docs/compliance.md §2): the strict YAML reader walks the file key by key;
// every finding becomes invalid_rules at file:line:col.
#include "accord/compliance/rules.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <utility>

#include "accord/yaml/document.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::compliance {
namespace {

// The agency kinds of the agency directory (docs/agreements.md) that can hold a duty.
constexpr std::array<std::string_view, 8> kAgencyKinds = {
    "police", "cps", "wcu", "court", "probation", "provider", "oversight", "gateway"};

// Types whose facts every clock reads, whatever the duties: who was told, enhanced rights,
// consent and contact preferences (docs/compliance.md §3).
constexpr std::array<std::string_view, 5> kAlwaysTracked = {
    "victim.informed", "consent.given", "consent.withdrawn", "enhanced_rights.changed",
    "contact.preferences_changed"};

Error in_file(Error error, std::string_view file_name) {
  error.code = "invalid_rules";
  error.path =
      error.path.empty() ? std::string(file_name) : std::string(file_name) + ":" + error.path;
  return error;
}

bool is_agency_kind(std::string_view text) {
  return std::find(kAgencyKinds.begin(), kAgencyKinds.end(), text) != kAgencyKinds.end();
}

std::string agency_kind_list() {
  std::string out;
  for (std::string_view kind : kAgencyKinds) out += (out.empty() ? "" : ", ") + std::string(kind);
  return out;
}

// Ids are written into reports, metrics labels and audit-derived figures: lower-case letters,
// digits, '-' and '.', starting with a letter or digit.
bool is_id(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.front() == '.') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

Status read_id(const YAML::Node& node, const std::string& name, std::string& out) {
  if (auto status = yaml::read_text(node, name, out); !status.ok()) return status;
  if (!is_id(out)) {
    return yaml::error_at(node,
                          name + " '" + out + "' must be lower-case letters, digits, '-' and '.'");
  }
  return Status::Ok();
}

Status read_date(const YAML::Node& node, const std::string& name, CivilDate& out) {
  std::string text;
  if (auto status = yaml::read_text(node, name, text); !status.ok()) return status;
  auto date = parse_civil_date(text);
  if (!date) return yaml::error_at(node, name + ": " + date.error().message);
  out = *date;
  return Status::Ok();
}

Status read_days(const YAML::Node& node, const std::string& name, int& out) {
  std::int64_t value = 0;
  if (auto status = yaml::read_scalar(node, name, value); !status.ok()) return status;
  if (value < 0) return yaml::error_at(node, name + " must not be negative");
  // A year of working days is far beyond any duty; larger is a typo.
  if (value > 260) return yaml::error_at(node, name + " must be at most 260 working days");
  out = static_cast<int>(value);
  return Status::Ok();
}

// A non-empty list of distinct event types, each in `known` when `known` is not empty.
Status read_event_list(const YAML::Node& node, const std::string& name,
                       const std::vector<std::string>& known, std::vector<std::string>& out) {
  if (!node.IsSequence() || node.size() == 0) {
    return yaml::error_at(node, name +
                                    " has the wrong type: expected a non-empty list of event "
                                    "types, got " +
                                    yaml::describe(node));
  }
  for (const auto& item : node) {
    std::string type;
    if (auto status = yaml::read_text(item, name + " entry", type); !status.ok()) return status;
    if (!known.empty() && std::find(known.begin(), known.end(), type) == known.end()) {
      return yaml::error_at(
          item, name + " names event type '" + type + "', which is not in the vocabulary");
    }
    if (std::find(out.begin(), out.end(), type) != out.end()) {
      return yaml::error_at(item, name + " lists event type '" + type + "' twice");
    }
    out.push_back(std::move(type));
  }
  return Status::Ok();
}

Status read_from(const YAML::Node& node, std::vector<std::string>& out) {
  if (!node.IsSequence()) {
    return yaml::error_at(node, "from has the wrong type: expected a list of agency kinds, got " +
                                    yaml::describe(node));
  }
  for (const auto& item : node) {
    std::string kind;
    if (auto status = yaml::read_text(item, "from entry", kind); !status.ok()) return status;
    if (!is_agency_kind(kind)) {
      return yaml::error_at(item, "from names unknown agency kind '" + kind +
                                      "' (known: " + agency_kind_list() + ")");
    }
    if (std::find(out.begin(), out.end(), kind) != out.end()) {
      return yaml::error_at(item, "from lists agency kind '" + kind + "' twice");
    }
    out.push_back(std::move(kind));
  }
  return Status::Ok();
}

Status read_stop(const YAML::Node& node, const std::vector<std::string>& known, Duty& duty) {
  if (node.IsMap()) {
    duty.stop = StopKind::follow_up;
    return yaml::read_mapping(node, "stop",
                              yaml::Handlers{{"follow_up",
                                              [&](const YAML::Node& value) {
                                                return read_event_list(value, "stop.follow_up",
                                                                       known,
                                                                       duty.follow_up_events);
                                              }}},
                              {"follow_up"});
  }
  std::string text;
  if (auto status = yaml::read_text(node, "stop", text); !status.ok()) return status;
  if (text == "informed") {
    duty.stop = StopKind::informed;
  } else if (text == "received") {
    duty.stop = StopKind::received;
  } else if (text == "follow_up") {
    return yaml::error_at(node, "stop follow_up names its event types: {follow_up: [types]}");
  } else {
    return yaml::error_at(
        node, "stop '" + text + "' is not one of informed, received or {follow_up: [types]}");
  }
  return Status::Ok();
}

Result<Duty> read_duty(const YAML::Node& node, const std::vector<std::string>& known) {
  Duty duty;
  yaml::Handlers handlers{
      {"id", [&](const YAML::Node& v) { return read_id(v, "id", duty.id); }},
      {"right",
       [&](const YAML::Node& v) -> Status {
         if (auto status = yaml::read_scalar(v, "right", duty.right); !status.ok()) return status;
         if (duty.right < 1 || duty.right > 12) {
           return yaml::error_at(v,
                                 "right must be a Victims' Code right from 1 to 12 (2020 "
                                 "numbering), got " +
                                     std::to_string(duty.right));
         }
         return Status::Ok();
       }},
      {"description",
       [&](const YAML::Node& v) { return yaml::read_text(v, "description", duty.description); }},
      {"events",
       [&](const YAML::Node& v) { return read_event_list(v, "events", known, duty.events); }},
      {"from", [&](const YAML::Node& v) { return read_from(v, duty.from_kinds); }},
      {"informer",
       [&](const YAML::Node& v) -> Status {
         if (auto status = yaml::read_text(v, "informer", duty.informer); !status.ok()) {
           return status;
         }
         if (duty.informer != "sender" && !is_agency_kind(duty.informer)) {
           return yaml::error_at(v, "informer '" + duty.informer +
                                        "' is neither 'sender' nor an agency kind (" +
                                        agency_kind_list() + ")");
         }
         return Status::Ok();
       }},
      {"start",
       [&](const YAML::Node& v) -> Status {
         std::string text;
         if (auto status = yaml::read_text(v, "start", text); !status.ok()) return status;
         if (text == "received") {
           duty.start = StartBasis::received;
         } else if (text == "occurred") {
           duty.start = StartBasis::occurred;
         } else {
           return yaml::error_at(v, "start '" + text + "' is not one of received or occurred");
         }
         return Status::Ok();
       }},
      {"stop", [&](const YAML::Node& v) { return read_stop(v, known, duty); }},
      {"deadline_working_days",
       [&](const YAML::Node& v) -> Status {
         return yaml::read_mapping(
             v, "deadline_working_days",
             yaml::Handlers{
                 {"standard",
                  [&](const YAML::Node& d) {
                    return read_days(d, "deadline_working_days.standard", duty.deadline_standard);
                  }},
                 {"enhanced",
                  [&](const YAML::Node& d) {
                    return read_days(d, "deadline_working_days.enhanced", duty.deadline_enhanced);
                  }}},
             {"standard", "enhanced"});
       }},
  };
  if (auto status = yaml::read_mapping(
          node, "a duty", handlers,
          {"id", "right", "description", "events", "informer", "deadline_working_days"});
      !status.ok()) {
    return status.error();
  }
  return duty;
}

struct ReadSet {
  RuleSet set;
  YAML::Node node;
};

Result<ReadSet> read_rule_set(const YAML::Node& node, const std::vector<std::string>& known) {
  ReadSet read{RuleSet{}, node};
  RuleSet& set = read.set;
  YAML::Node until_node;
  yaml::Handlers handlers{
      {"id", [&](const YAML::Node& v) { return read_id(v, "id", set.id); }},
      {"title", [&](const YAML::Node& v) { return yaml::read_text(v, "title", set.title); }},
      {"source", [&](const YAML::Node& v) { return yaml::read_text(v, "source", set.source); }},
      {"effective_from",
       [&](const YAML::Node& v) { return read_date(v, "effective_from", set.effective_from); }},
      {"effective_until",
       [&](const YAML::Node& v) -> Status {
         until_node = v;
         CivilDate until;
         if (auto status = read_date(v, "effective_until", until); !status.ok()) return status;
         set.effective_until = until;
         return Status::Ok();
       }},
      {"duties",
       [&](const YAML::Node& v) -> Status {
         if (!v.IsSequence() || v.size() == 0) {
           return yaml::error_at(
               v, "duties has the wrong type: expected a non-empty list, got " + yaml::describe(v));
         }
         std::set<std::string> ids;
         for (const auto& item : v) {
           auto duty = read_duty(item, known);
           if (!duty) return duty.error();
           if (!ids.insert(duty->id).second) {
             return yaml::error_at(item["id"], "duty id '" + duty->id + "' is used twice");
           }
           set.duties.push_back(std::move(*duty));
         }
         return Status::Ok();
       }},
  };
  if (auto status = yaml::read_mapping(node, "a rule set", handlers,
                                       {"id", "title", "source", "effective_from", "duties"});
      !status.ok()) {
    return status.error();
  }
  if (set.effective_until && *set.effective_until <= set.effective_from) {
    return yaml::error_at(until_node, "effective_until must be after effective_from");
  }
  return read;
}

}  // namespace

Result<RuleBook> RuleBook::load(std::string_view yaml_text, std::string_view file_name,
                                const std::vector<std::string>& known_events) {
  yaml::Document document = yaml::parse(yaml_text);
  if (!document.ok()) return in_file(yaml::error_from(document.problems.front()), file_name);
  if (!document.root || document.root.IsNull()) {
    return in_file(make_error("invalid_config", "the rules file is empty", "1:1"), file_name);
  }
  std::vector<ReadSet> read;
  yaml::Handlers handlers{
      {"version",
       [&](const YAML::Node& v) -> Status {
         int version = 0;
         if (auto status = yaml::read_scalar(v, "version", version); !status.ok()) return status;
         if (version != 1) return yaml::error_at(v, "unsupported rules version (expected 1)");
         return Status::Ok();
       }},
      {"rule_sets",
       [&](const YAML::Node& v) -> Status {
         if (!v.IsSequence() || v.size() == 0) {
           return yaml::error_at(
               v,
               "rule_sets has the wrong type: expected a non-empty list, got " + yaml::describe(v));
         }
         for (const auto& item : v) {
           auto set = read_rule_set(item, known_events);
           if (!set) return set.error();
           read.push_back(std::move(*set));
         }
         return Status::Ok();
       }},
  };
  if (auto status =
          yaml::read_mapping(document.root, "the rules file", handlers, {"version", "rule_sets"});
      !status.ok()) {
    return in_file(status.error(), file_name);
  }

  // Listed oldest first, each ending before the next begins: which set applies to a date is
  // then never a matter of interpretation.
  std::set<std::string> ids;
  for (std::size_t i = 0; i < read.size(); ++i) {
    const RuleSet& set = read[i].set;
    if (!ids.insert(set.id).second) {
      return in_file(
          yaml::error_at(read[i].node["id"], "rule set id '" + set.id + "' is used twice"),
          file_name);
    }
    if (i == 0) continue;
    const RuleSet& previous = read[i - 1].set;
    if (set.effective_from <= previous.effective_from) {
      return in_file(
          yaml::error_at(read[i].node["effective_from"],
                         "rule set '" + set.id + "' takes effect on " +
                             to_string(set.effective_from) + ", not after '" + previous.id + "' (" +
                             to_string(previous.effective_from) + "); list rule sets oldest first"),
          file_name);
    }
    if (!previous.effective_until || set.effective_from < *previous.effective_until) {
      return in_file(yaml::error_at(read[i].node["effective_from"],
                                    "rule set '" + set.id + "' takes effect on " +
                                        to_string(set.effective_from) + " while '" + previous.id +
                                        "' is still in force; give '" + previous.id +
                                        "' an effective_until on or before that date"),
                     file_name);
    }
  }

  RuleBook book;
  std::set<std::string> tracked(kAlwaysTracked.begin(), kAlwaysTracked.end());
  for (auto& entry : read) {
    for (const Duty& duty : entry.set.duties) {
      tracked.insert(duty.events.begin(), duty.events.end());
      tracked.insert(duty.follow_up_events.begin(), duty.follow_up_events.end());
    }
    book.sets_.push_back(std::move(entry.set));
  }
  book.tracked_.assign(tracked.begin(), tracked.end());
  return book;
}

const RuleSet* RuleBook::in_force(const CivilDate& date) const {
  for (const RuleSet& set : sets_) {
    if (set.effective_from <= date && (!set.effective_until || date < *set.effective_until)) {
      return &set;
    }
  }
  return nullptr;
}

}  // namespace accord::compliance
