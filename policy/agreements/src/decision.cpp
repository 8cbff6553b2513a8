#include "accord/agreements/decision.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "accord/agreements/condition_values.hpp"

namespace accord::agreements {
namespace {

using envelope::Envelope;
using envelope::Field;

// The field at a data path, by binary search (Envelope::data is sorted by path).
const Field* find_field(const Envelope& e, std::string_view path) {
  const auto it = std::lower_bound(e.data.begin(), e.data.end(), path,
                                   [](const Field& f, std::string_view p) { return f.path < p; });
  return it != e.data.end() && it->path == path ? &*it : nullptr;
}

bool has_descendant(const Envelope& e, std::string_view path) {
  std::string prefix(path);
  prefix.push_back('.');
  const auto it = std::lower_bound(e.data.begin(), e.data.end(), prefix,
                                   [](const Field& f, const std::string& p) { return f.path < p; });
  return it != e.data.end() && it->path.compare(0, prefix.size(), prefix) == 0;
}

std::string json_quote(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A state.* condition: like a data field, absent when the state holds no such fact.
std::string state_failure(const Condition& c, const SubjectState& state) {
  const auto actual = state_fact_json(state, c.fact);
  if (c.op == Op::present) {
    if (actual.has_value() == (c.values[0] == "true")) return {};
    return c.describe() + " not met (state " + (actual ? "recorded" : "not recorded") + ")";
  }
  if (!actual) {
    if (c.op == Op::not_equals) return {};
    return c.describe() + " not met (state not recorded)";
  }
  const bool in = std::find(c.values.begin(), c.values.end(), *actual) != c.values.end();
  if (c.op == Op::not_equals ? !in : in) return {};
  return c.describe() + " not met (state differs)";
}

// Returns an empty string when the condition holds, else why not (never the value itself).
std::string failure(const Condition& c, const Envelope& e, const SubjectState& state) {
  std::optional<std::string> actual;  // canonical JSON of a header fact
  if (is_state_fact(c.fact)) return state_failure(c, state);
  if (c.fact == "classification") {
    // One rule for every test: the marking alone, handling caveats ignored (as for
    // max_classification). An unrecognised marking satisfies no classification test.
    const auto cls = parse_classification(e.classification);
    if (c.op == Op::present) {
      actual = json_quote(e.classification);
    } else if (!cls) {
      return c.describe() + " not met (classification is unrecognised)";
    } else if (c.op == Op::at_most) {
      if (*cls <= c.at_most) return {};
      return c.describe() + " not met (classification is " + std::string(to_string(*cls)) + ")";
    } else {
      actual = json_quote(to_string(*cls));
    }
  } else if (c.fact == "subject.role") {
    actual = json_quote(e.subject.role);
  } else if (c.fact == "case.owner") {
    actual = json_quote(e.case_ref.owner);
  } else if (c.fact == "type") {
    actual = json_quote(e.type);
  } else {
    const std::string_view path = std::string_view(c.fact).substr(5);  // after "data."
    if (c.op == Op::present) {
      const bool present = find_field(e, path) || has_descendant(e, path);
      if (present == (c.values[0] == "true")) return {};
      return c.describe() + " not met (field " + (present ? "present" : "absent") + ")";
    }
    const Field* f = find_field(e, path);
    if (!f) {
      if (c.op == Op::not_equals) return {};
      return c.describe() + " not met (field absent)";
    }
    const bool in = value_in(c.values, f->json);
    if (c.op == Op::not_equals ? !in : in) return {};
    return c.describe() + " not met (value differs)";
  }
  if (c.op == Op::present) {
    // Header facts are always present; an empty string counts as absent.
    const bool present = actual && *actual != "\"\"";
    if (present == (c.values[0] == "true")) return {};
    return c.describe() + " not met";
  }
  const bool in = std::find(c.values.begin(), c.values.end(), *actual) != c.values.end();
  if (c.op == Op::not_equals ? !in : in) return {};
  return c.describe() + " not met (value differs)";
}

// Why a candidate does not grant, or empty if it does.
std::string refusal(const Agreement& a, const Flow& f, const Envelope& e, Instant now,
                    const SubjectState& state) {
  // Governance held a version its file declares active: say why, once per agreement.
  if (a.status != Status::active && !a.held_reason.empty()) {
    return a.label() + " is not active: " + a.held_reason;
  }
  const std::string who = a.label() + " flow `" + f.name + "`: ";
  if (a.status != Status::active) return who + "agreement is " + std::string(to_string(a.status));
  if (now < a.valid_from)
    return who + "not yet in force (valid_from " + format_instant(a.valid_from) + ")";
  if (now >= a.valid_until)
    return who + "validity ended (valid_until " + format_instant(a.valid_until) + ")";
  const auto cls = parse_classification(e.classification);
  if (!cls || *cls > a.max_classification) {
    return who + "classification " + (cls ? std::string(to_string(*cls)) : "unrecognised") +
           " exceeds the agreement's maximum " + std::string(to_string(a.max_classification));
  }
  for (const Condition& c : f.when) {
    std::string why = failure(c, e, state);
    if (!why.empty()) return who + "condition " + why;
  }
  if (f.consent_based && state.consent == "withdrawn") {
    return who + "consent_based flow: the subject's consent is withdrawn";
  }
  return {};
}

void grant(Decision& d, const AgreementSet& set, AgreementSet::Candidate c) {
  const Agreement& a = set.agreements()[c.agreement];
  const Flow& f = a.flows[c.flow];
  const AgreementSet::FlowIndex& index = set.flow_index(c);
  d.allowed = true;
  d.agreement = &a;
  d.agreement_id = a.id;
  d.agreement_version = a.version;
  d.flow = f.name;
  d.consent_based = f.consent_based;
  d.receipts_required = f.receipts_required;
  d.reasons.insert(d.reasons.begin(), "allowed by " + a.label() + " flow `" + f.name + "`");
  for (FieldDecision& fd : d.fields) {
    fd.rule = index.resolve(fd.path);
    fd.action = fd.rule ? fd.rule->action : Action::drop;
    if (fd.action == Action::encrypt) d.requires_encryption = true;
  }
}

Decision evaluate(const Envelope& e, const std::vector<AgreementSet::Candidate>& candidates,
                  const AgreementSet& set, Instant now, Mode mode, const SubjectState& state) {
  Decision d;
  d.fields.reserve(e.data.size());
  for (const Field& f : e.data) d.fields.push_back(FieldDecision{f.path, Action::drop, nullptr});
  const Agreement* deciding = nullptr;  // the refusal that names the decision (decision.hpp)
  bool deciding_started = false;
  for (const AgreementSet::Candidate& c : candidates) {
    const Agreement& a = set.agreements()[c.agreement];
    if (a.mode != mode) continue;
    std::string why = refusal(a, a.flows[c.flow], e, now, state);
    if (why.empty()) {
      grant(d, set, c);
      d.refused_by.clear();
      d.code.clear();
      return d;
    }
    const bool started = a.status == Status::active && a.valid_from <= now;
    if (!deciding || (started && !deciding_started)) {
      deciding = &a;
      deciding_started = started;
    }
    // A held agreement's reason names no flow: one line for all its flows.
    if (a.held_reason.empty() ||
        std::find(d.reasons.begin(), d.reasons.end(), why) == d.reasons.end()) {
      d.reasons.push_back(std::move(why));
    }
  }
  if (deciding) {
    d.refused_by = deciding->id + "@" + std::to_string(deciding->version);
    d.code =
        deciding_started && now >= deciding->valid_until ? "agreement_expired" : "not_permitted";
  }
  return d;
}

}  // namespace

std::size_t Decision::count(Action action) const {
  return static_cast<std::size_t>(std::count_if(
      fields.begin(), fields.end(), [&](const FieldDecision& f) { return f.action == action; }));
}

Decision decide(const Envelope& envelope, std::string_view sender, std::string_view recipient,
                const AgreementSet& set, Instant now, const SubjectState& state) {
  const auto* candidates = set.candidates(sender, recipient, envelope.type);
  if (!candidates) {
    Decision d;
    for (const Field& f : envelope.data)
      d.fields.push_back(FieldDecision{f.path, Action::drop, nullptr});
    d.reasons.push_back("no agreement has a flow from " + std::string(sender) + " to " +
                        std::string(recipient) + " for " + envelope.type);
    return d;
  }
  Decision d = evaluate(envelope, *candidates, set, now, Mode::enforce, state);
  if (!d.allowed && d.reasons.empty()) {
    d.reasons.push_back("only shadow-mode agreements cover " + std::string(sender) + " to " +
                        std::string(recipient) + " for " + envelope.type);
  }
  // Only a shadow agreement that is active and in force is on trial (and audited).
  const bool any_shadow = std::any_of(candidates->begin(), candidates->end(), [&](auto c) {
    const Agreement& a = set.agreements()[c.agreement];
    return a.mode == Mode::shadow && a.in_force(now);
  });
  if (any_shadow) {
    d.shadow.push_back(evaluate(envelope, *candidates, set, now, Mode::shadow, state));
  }
  return d;
}

namespace {

// The recipients of the routes for the envelope's type whose agreement `keep` accepts,
// sorted and unique.
template <typename Keep>
std::vector<std::string> route_recipients(const Envelope& envelope, std::string_view sender,
                                          const AgreementSet& set, Keep keep) {
  std::vector<std::string> out;
  const auto* routes = set.routes(sender, envelope.type);
  if (!routes) return out;
  for (const AgreementSet::Route& r : *routes) {
    if (keep(set.agreements()[r.candidate.agreement])) out.push_back(r.recipient);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

bool reads_subject_state(const AgreementSet& set, std::string_view sender,
                         std::string_view event_type) {
  const auto* routes = set.routes(sender, event_type);
  if (!routes) return false;
  for (const AgreementSet::Route& r : *routes) {
    const Flow& f = set.agreements()[r.candidate.agreement].flows[r.candidate.flow];
    if (f.consent_based) return true;
    for (const Condition& c : f.when) {
      if (is_state_fact(c.fact)) return true;
    }
  }
  return false;
}

std::vector<std::string> recipients_for(const Envelope& envelope, std::string_view sender,
                                        const AgreementSet& set, Instant now) {
  return route_recipients(envelope, sender, set, [now](const Agreement& a) {
    // An active agreement whose validity ended stays a candidate: decide() refuses it with
    // agreement_expired, so the sender hears of it and the refusal is audited.
    const bool ended = a.status == Status::active && now >= a.valid_until;
    return a.mode == Mode::enforce && (a.in_force(now) || ended);
  });
}

std::vector<std::string> shadow_recipients_for(const Envelope& envelope, std::string_view sender,
                                               const AgreementSet& set, Instant now) {
  return route_recipients(envelope, sender, set, [now](const Agreement& a) {
    return a.mode == Mode::shadow && a.in_force(now);
  });
}

}  // namespace accord::agreements
