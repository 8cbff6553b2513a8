#include "accord/governance/dry_run.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "accord/agreements/decision.hpp"
#include "accord/agreements/subject_state.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::governance {
namespace {

namespace ag = accord::agreements;
using nlohmann::json;

constexpr std::string_view kInputs = "decision.inputs";
constexpr std::string_view kAccepted = "decision.accepted";
constexpr std::string_view kRefused = "decision.refused";
constexpr std::string_view kDataPrefix = "data.";

Error bad_record(std::string message, std::string path = {}) {
  return make_error("invalid_record", std::move(message), std::move(path));
}

// A required string member; "" (absent) is allowed only where the format omits empty members.
Result<std::string> string_member(const json& record, const char* name, bool required) {
  const auto it = record.find(name);
  if (it == record.end()) {
    if (required) return bad_record(std::string("missing member `") + name + "`", name);
    return std::string();
  }
  if (!it->is_string()) return bad_record(std::string("`") + name + "` is not a string", name);
  return it->get<std::string>();
}

// `[[a,b],...]` of strings (fields), or {"k":"v",...} of strings (details) in record order.
Result<std::vector<std::pair<std::string, std::string>>> pairs_member(const json& record,
                                                                      const char* name) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto it = record.find(name);
  if (it == record.end()) return out;
  if (it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return bad_record("`" + key + "` is not a string", name);
      out.emplace_back(key, value.get<std::string>());
    }
    return out;
  }
  if (!it->is_array()) return bad_record(std::string("`") + name + "` is malformed", name);
  for (const auto& pair : *it) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return bad_record(std::string("`") + name + "` holds an item that is not [text, text]", name);
    }
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

// "data.victim.dob" -> "victim.dob", as envelope fields and rules name paths.
std::string relative_path(std::string_view path) {
  if (path.starts_with(kDataPrefix)) path.remove_prefix(kDataPrefix.size());
  return std::string(path);
}

std::string with_data_prefix(std::string_view relative) {
  return std::string(kDataPrefix) + std::string(relative);
}

}  // namespace

Status PastTraffic::add_record(std::string_view record) {
  const json parsed = json::parse(record, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return bad_record("not a JSON object");
  const auto kind_member = parsed.find("kind");
  if (kind_member == parsed.end() || !kind_member->is_string()) {
    return bad_record("missing member `kind`", "kind");
  }
  const std::string kind = kind_member->get<std::string>();
  if (kind != kInputs && kind != kAccepted && kind != kRefused) return {};

  auto message_id = string_member(parsed, "message_id", true);
  if (!message_id) return message_id.error();
  auto sender = string_member(parsed, "sender", true);
  if (!sender) return sender.error();
  const std::string key = *sender + '\0' + *message_id;

  if (kind == kInputs) {
    Submission s;
    s.message_id = *message_id;
    s.sender = *sender;
    auto at = string_member(parsed, "at", true);
    if (!at) return at.error();
    const auto instant = ag::parse_instant(*at);
    if (!instant) return bad_record("`at` is not an RFC 3339 time", "at");
    s.at_ms = instant->time_since_epoch().count() * 1000;
    for (auto [member, target] :
         {std::pair{"event_type", &s.event_type}, std::pair{"case_urn", &s.case_urn},
          std::pair{"subject_role", &s.subject_role}, std::pair{"subject_ref", &s.subject_ref}}) {
      auto value = string_member(parsed, member, false);
      if (!value) return value.error();
      *target = std::move(*value);
    }
    auto details = pairs_member(parsed, "details");
    if (!details) return details.error();
    auto fields = pairs_member(parsed, "fields");
    if (!fields) return fields.error();
    // One reader of the record's details for the dry run and the pipeline's own tests.
    auto inputs = ag::inputs_from_record(*details, *fields);
    if (!inputs) return bad_record(inputs.error().message, inputs.error().path);
    s.inputs = std::move(*inputs);
    // A submission is decided once; should its id come back (a later submission under an
    // id whose dedup row has gone), the later decision replaces the earlier.
    if (const auto it = index_.find(key); it != index_.end()) {
      submissions_[it->second] = std::move(s);
    } else {
      index_.emplace(key, submissions_.size());
      submissions_.push_back(std::move(s));
    }
    return {};
  }

  auto recipient = string_member(parsed, "recipient", false);
  if (!recipient) return recipient.error();
  auto agreement = string_member(parsed, "agreement", false);
  if (!agreement) return agreement.error();
  auto fields = pairs_member(parsed, "fields");
  if (!fields) return fields.error();
  // Only copies count, and only copies an agreement granted: a notice copy names none.
  if (kind == kRefused || agreement->empty()) return {};
  if (recipient->empty()) return bad_record("a decision.accepted names no recipient", "recipient");
  const auto it = index_.find(key);
  if (it == index_.end()) return {};  // decided before decision.inputs existed, or outside
  Copy copy;
  copy.agreement = std::move(*agreement);
  for (auto& [path, action] : *fields) copy.actions[with_data_prefix(path)] = std::move(action);
  submissions_[it->second].copies[*recipient] = std::move(copy);
  return {};
}

std::size_t PastTraffic::submissions() const {
  return submissions_.size();
}

namespace {

// What the decision.inputs record says about one submission, ready to decide on.
struct Rebuilt {
  envelope::Envelope envelope;
  ag::SubjectState state;
  bool state_read = false;
  std::map<std::string, std::string, std::less<>> facts;  // data path ("x.y") -> fact JSON
};

// A value that equals no condition value (an object never does): for fields whose value
// is known only not to equal the literals a condition names, or matters to no condition.
constexpr std::string_view kUnequalValue = "{}";

Rebuilt rebuild(const PastTraffic::Submission& s) {
  Rebuilt r;
  r.envelope.id = s.message_id;
  r.envelope.type = s.event_type;
  r.envelope.case_ref.urn = s.case_urn;
  r.envelope.subject.role = s.subject_role;
  r.envelope.subject.ref = s.subject_ref;
  const ag::DecisionInputs& in = s.inputs;
  r.envelope.classification = in.classification;
  r.envelope.case_ref.owner = in.case_owner;
  r.state_read = in.state_read;
  r.state = in.state;
  for (const auto& [path, value] : in.facts) r.facts[relative_path(path)] = value;
  for (const auto& path : in.paths) {
    std::string relative = relative_path(path);
    std::string value(kUnequalValue);
    // A recorded literal is the value as far as any condition can tell.
    if (const auto f = r.facts.find(relative); f != r.facts.end() && !f->second.starts_with('{')) {
      value = f->second;
    }
    r.envelope.data.push_back({std::move(relative), std::move(value)});
  }
  std::sort(r.envelope.data.begin(), r.envelope.data.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return r;
}

// The literals a {"not":[...]} fact says the field does not equal; nullopt for a literal fact.
std::optional<std::set<std::string>> excluded_literals(const std::string& fact) {
  if (!fact.starts_with('{')) return std::nullopt;
  std::set<std::string> out;
  const json parsed = json::parse(fact, nullptr, false);
  if (parsed.is_object() && parsed.contains("not") && parsed["not"].is_array()) {
    for (const auto& v : parsed["not"]) out.insert(v.dump());
  }
  return out;
}

// The fact a condition needs that the record does not hold, or "" when it is decidable.
std::string unrecorded_fact(const ag::Condition& c, const Rebuilt& r) {
  if (ag::is_state_fact(c.fact)) return r.state_read ? "" : c.fact;
  if (!c.fact.starts_with(kDataPrefix) || c.op == ag::Op::present) return {};
  const std::string_view path = std::string_view(c.fact).substr(kDataPrefix.size());
  if (r.envelope.find(path) == nullptr) return {};  // absent: decide() knows what that means
  const auto fact = r.facts.find(path);
  if (fact == r.facts.end()) return c.fact;  // present, but nothing kept about its value
  const auto excluded = excluded_literals(fact->second);
  if (!excluded) return {};  // the literal itself: compared as the gateway would
  for (const std::string& value : c.values) {
    if (!excluded->contains(value)) return c.fact;  // could equal it: unknown
  }
  return {};
}

// Every fact the proposed decision for this submission could need but was not recorded:
// the conditions (and consent) of each enforce-mode flow of an active agreement for the
// route that could grant at `at`.
std::set<std::string> unrecorded_facts(const Rebuilt& r, const std::string& sender,
                                       const ag::AgreementSet& set, ag::Instant at) {
  std::set<std::string> missing;
  const auto cls = ag::parse_classification(r.envelope.classification);
  for (const ag::Agreement& a : set.agreements()) {
    if (a.provider != sender || a.mode != ag::Mode::enforce || !a.in_force(at)) continue;
    if (!cls || *cls > a.max_classification) continue;  // refused before any condition
    for (const ag::Flow& f : a.flows) {
      if (std::find(f.events.begin(), f.events.end(), r.envelope.type) == f.events.end()) {
        continue;
      }
      for (const ag::Condition& c : f.when) {
        if (auto fact = unrecorded_fact(c, r); !fact.empty()) missing.insert(std::move(fact));
      }
      if (f.consent_based && !r.state_read) missing.insert("state.consent");
    }
  }
  return missing;
}

using ChangeKey = std::tuple<std::string, std::string, std::string, std::string, std::string,
                             std::string, std::string>;  // recipient..to, the sort order

void compare(const std::string& recipient, const PastTraffic::Submission& s,
             const PastTraffic::Copy* actual, const ag::Decision& proposed,
             std::set<ChangeKey>& out) {
  auto add = [&](std::string change, std::string path, std::string from, std::string to) {
    out.emplace(recipient, s.sender, s.event_type, std::move(change), std::move(path),
                std::move(from), std::move(to));
  };
  std::map<std::string, std::string> would;  // path -> action under the proposed set
  if (proposed.allowed) {
    for (const auto& f : proposed.fields) {
      would[with_data_prefix(f.path)] = std::string(ag::to_string(f.action));
    }
  }
  if (!actual && !proposed.allowed) return;
  if (!actual) {
    add("route_gained", "", "", "");
    for (const auto& [path, action] : would) {
      if (action != "drop") add("field_gained", path, "", action);
    }
    return;
  }
  if (!proposed.allowed) {
    add("route_lost", "", "", "");
    for (const auto& [path, action] : actual->actions) {
      if (action != "drop") add("field_lost", path, action, "drop");
    }
    return;
  }
  std::set<std::string> paths;
  for (const auto& [path, action] : actual->actions) paths.insert(path);
  for (const auto& [path, action] : would) paths.insert(path);
  for (const std::string& path : paths) {
    const auto a = actual->actions.find(path);
    const auto w = would.find(path);
    const std::string from = a == actual->actions.end() ? "drop" : a->second;
    const std::string to = w == would.end() ? "drop" : w->second;
    if (from == to) continue;
    if (from == "drop") {
      add("field_gained", path, "", to);
    } else if (to == "drop") {
      add("field_lost", path, from, "drop");
    } else {
      add("form_changed", path, from, to);
    }
  }
}

}  // namespace

DryRunResult dry_run(const PastTraffic& traffic, const ag::AgreementSet& proposed, ag::Instant at) {
  DryRunResult result;
  std::map<ChangeKey, std::int64_t> counts;
  for (const PastTraffic::Submission& s : traffic.all()) {
    ++result.submissions;
    const Rebuilt r = rebuild(s);
    const auto missing = unrecorded_facts(r, s.sender, proposed, at);
    if (!missing.empty()) {
      ++result.undecidable;
      for (const auto& fact : missing) ++result.undecidable_facts[fact];
      continue;
    }
    std::set<std::string> recipients;
    for (auto& recipient : ag::recipients_for(r.envelope, s.sender, proposed, at)) {
      recipients.insert(std::move(recipient));
    }
    for (const auto& [recipient, copy] : s.copies) recipients.insert(recipient);
    std::set<ChangeKey> changes;
    for (const std::string& recipient : recipients) {
      const auto copy = s.copies.find(recipient);
      const ag::Decision d = ag::decide(r.envelope, s.sender, recipient, proposed, at, r.state);
      compare(recipient, s, copy == s.copies.end() ? nullptr : &copy->second, d, changes);
    }
    if (!changes.empty()) ++result.changed;
    for (const auto& key : changes) ++counts[key];
  }
  for (const auto& [key, n] : counts) {
    auto [recipient, sender, event, change, path, from, to] = key;
    result.changes.push_back({std::move(recipient), std::move(sender), std::move(event),
                              std::move(change), std::move(path), std::move(from), std::move(to),
                              n});
  }
  return result;
}

namespace {

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "route gained", "field lost data.victim.dob (share -> drop)", ...
std::string describe(const ExposureChange& c) {
  if (c.change == "route_gained") return "route gained (would receive the event)";
  if (c.change == "route_lost") return "route lost (would receive nothing)";
  if (c.change == "field_gained") return "field gained " + c.path + " (" + c.to + ")";
  if (c.change == "field_lost") return "field lost " + c.path + " (" + c.from + " -> drop)";
  return "form changed " + c.path + " (" + c.from + " -> " + c.to + ")";
}

}  // namespace

std::string render_text(const DryRunResult& result) {
  std::string out = "dry run: " + plural(result.submissions, "submission", "submissions") +
                    " considered, " + std::to_string(result.changed) + " with changes, " +
                    std::to_string(result.undecidable) + " undecidable\n";
  for (const auto& [fact, n] : result.undecidable_facts) {
    out +=
        "undecidable: " + fact + " not recorded: " + plural(n, "submission", "submissions") + "\n";
  }
  for (const ExposureChange& c : result.changes) {
    out += c.recipient + " <- " + c.sender + " " + c.event_type + ": " + describe(c) + ": " +
           plural(c.messages, "message", "messages") + "\n";
  }
  if (result.changes.empty()) out += "no exposure change\n";
  return out;
}

std::string render_json(const DryRunResult& result) {
  json facts = json::object();
  for (const auto& [fact, n] : result.undecidable_facts) facts[fact] = n;
  json changes = json::array();
  for (const ExposureChange& c : result.changes) {
    changes.push_back({{"recipient", c.recipient},
                       {"sender", c.sender},
                       {"event_type", c.event_type},
                       {"change", c.change},
                       {"path", c.path},
                       {"from", c.from},
                       {"to", c.to},
                       {"messages", c.messages}});
  }
  json out = {{"submissions", result.submissions},
              {"changed", result.changed},
              {"undecidable", result.undecidable},
              {"undecidable_facts", std::move(facts)},
              {"changes", std::move(changes)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace accord::governance

namespace accord::governance {

Result<DryRunResult> parse_json(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [](std::string what) {
    return make_error("invalid_answer", "not a dry-run answer: " + std::move(what));
  };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  DryRunResult r;
  try {
    r.submissions = j.at("submissions").get<std::int64_t>();
    r.changed = j.at("changed").get<std::int64_t>();
    r.undecidable = j.at("undecidable").get<std::int64_t>();
    for (const auto& [fact, n] : j.at("undecidable_facts").items()) {
      r.undecidable_facts[fact] = n.get<std::int64_t>();
    }
    for (const auto& c : j.at("changes")) {
      r.changes.push_back({c.at("recipient").get<std::string>(), c.at("sender").get<std::string>(),
                           c.at("event_type").get<std::string>(), c.at("change").get<std::string>(),
                           c.at("path").get<std::string>(), c.at("from").get<std::string>(),
                           c.at("to").get<std::string>(), c.at("messages").get<std::int64_t>()});
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
  return r;
}

std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms) {
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'h')) {
    const std::string_view digits = text.substr(0, text.size() - 1);
    if (digits.size() > 5 || digits.front() == '0') return std::nullopt;
    std::int64_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    const bool days = text.back() == 'd';
    if (n > (days ? 3660 : 87840)) return std::nullopt;
    return now_ms - n * (days ? 86'400'000 : 3'600'000);
  }
  const auto instant = agreements::parse_instant(text);
  if (!instant) return std::nullopt;
  return std::int64_t{instant->time_since_epoch().count()} * 1000;
}

}  // namespace accord::governance
