#include "accord/pipeline/audit_records.hpp"

#include "accord/pipeline/content_hash.hpp"

namespace accord::pipeline {
namespace {

audit::Event decision_event(const DecisionFacts& facts, std::string_view kind) {
  audit::Event e;
  e.kind = kind;
  e.at_ms = facts.at_ms;
  e.message_id = facts.message_id;
  e.sender = facts.sender;
  e.event_type = facts.event_type;
  e.case_urn = facts.case_urn;
  e.subject_role = facts.subject_role;
  e.subject_ref = facts.subject_ref;
  e.content_hash = facts.content_hash;
  return e;
}

}  // namespace

DecisionFacts decision_facts(const envelope::Envelope& envelope, const std::string& sender,
                             const std::string& content_hash, std::int64_t now_ms) {
  return {now_ms,
          envelope.id,
          sender,
          envelope.type,
          envelope.case_ref.urn,
          envelope.subject.role,
          envelope.subject.ref,
          content_hash};
}

audit::Event inputs_record(const DecisionFacts& facts, agreements::DecisionInputs inputs) {
  audit::Event e = decision_event(facts, audit::kind::kDecisionInputs);
  e.content_hash.clear();  // the decision records carry it; this one names what decided them
  e.details = agreements::inputs_details(inputs);
  // agreements::inputs_fields' form, [path, "present"], with the paths moved, not copied.
  e.fields.reserve(inputs.paths.size());
  for (auto& path : inputs.paths) e.fields.push_back({std::move(path), "present"});
  return e;
}

audit::Event refusal_event(const DecisionFacts& facts, const PlannedRefusal& refusal) {
  audit::Event e = decision_event(facts, audit::kind::kDecisionRefused);
  e.recipient = refusal.recipient;
  e.agreement = refusal.agreement;
  e.code = refusal.code;
  e.reason = refusal.reason;
  return e;
}

std::vector<spool::SubmissionRecord> accepted_records(const DecisionFacts& facts,
                                                      const std::vector<SealedCopy>& copies,
                                                      const std::vector<PlannedRefusal>& withheld,
                                                      const std::vector<ShadowOutcome>& shadow) {
  std::vector<spool::SubmissionRecord> records;
  records.reserve(copies.size() + withheld.size() + shadow.size() + 1);  // + compliance.facts
  for (std::size_t i = 0; i < copies.size(); ++i) {
    audit::Event e = decision_event(facts, audit::kind::kDecisionAccepted);
    e.recipient = copies[i].recipient;
    e.agreement = copies[i].agreement;
    e.copy_hash = content_hash(copies[i].document);
    e.fields = copies[i].fields;
    e.reason = copies[i].reason;
    records.push_back({std::move(e), i});  // the writer fills in copy i's delivery id
  }
  for (const auto& refusal : withheld) records.push_back({refusal_event(facts, refusal)});
  for (auto& e : shadow_events(facts, shadow)) records.push_back({std::move(e)});
  return records;
}

std::vector<audit::Event> refused_records(const DecisionFacts& facts, const Refused& refused,
                                          const std::vector<ShadowOutcome>& shadow) {
  std::vector<audit::Event> events;
  if (refused.details.empty()) {
    // No agreement named any recipient: one record, the submission's own refusal.
    events.push_back(refusal_event(facts, {"", refused.error.code, refused.error.message}));
  }
  for (const auto& detail : refused.details) events.push_back(refusal_event(facts, detail));
  auto shadows = shadow_events(facts, shadow);
  events.insert(events.end(), std::make_move_iterator(shadows.begin()),
                std::make_move_iterator(shadows.end()));
  return events;
}

std::vector<audit::Event> shadow_events(const DecisionFacts& facts,
                                        const std::vector<ShadowOutcome>& shadow) {
  std::vector<audit::Event> events;
  events.reserve(shadow.size());
  for (const auto& s : shadow) {
    audit::Event e = decision_event(facts, audit::kind::kDecisionShadow);
    e.recipient = s.recipient;
    e.agreement = s.agreement;
    e.fields = s.fields;
    e.code = s.would_share ? "would_share" : "would_refuse";
    e.reason = s.reason;
    // Field by field, what was shared -> what the shadow agreement would share ("drop" when
    // not shared at all). Names and actions only.
    std::string changes;
    for (std::size_t i = 0; i < s.fields.size() && i < s.enforced_fields.size(); ++i) {
      if (s.fields[i].action == s.enforced_fields[i].action) continue;
      if (!changes.empty()) changes += ';';
      changes += s.fields[i].path + ':' + s.enforced_fields[i].action + '>' + s.fields[i].action;
    }
    const bool shared = !s.enforced.empty();
    const char* exposure = shared && s.would_share ? (changes.empty() ? "unchanged" : "changed")
                           : s.would_share         ? "added"
                           : shared                ? "removed"
                                                   : "none";
    e.details.emplace_back("enforced", shared ? s.enforced : "none");
    e.details.emplace_back("exposure", exposure);
    if (!changes.empty()) e.details.emplace_back("changes", std::move(changes));
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace accord::pipeline
