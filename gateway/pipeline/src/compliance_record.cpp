#include "accord/pipeline/compliance_record.hpp"

namespace accord::pipeline {

Result<compliance::ComplianceFacts> compliance_facts(const envelope::Envelope& envelope,
                                                     const std::string& sender, std::int64_t now_ms,
                                                     const envelope::Vocabulary& vocabulary) {
  return compliance::extract_facts(envelope, sender, now_ms, &vocabulary);
}

audit::Event compliance_facts_record(const DecisionFacts& facts,
                                     const compliance::ComplianceFacts& compliance) {
  audit::Event e;
  e.kind = audit::kind::kComplianceFacts;
  e.at_ms = facts.at_ms;
  e.message_id = facts.message_id;
  e.sender = facts.sender;
  e.event_type = facts.event_type;
  e.case_urn = facts.case_urn;
  e.subject_role = facts.subject_role;
  e.subject_ref = facts.subject_ref;
  e.details = compliance::facts_to_details(compliance);
  return e;
}

bool stored_without_recipients(const envelope::Envelope& envelope,
                               const envelope::Vocabulary& vocabulary) {
  const envelope::EventType* type = vocabulary.find(envelope.type);
  return type != nullptr && type->recorded_by_gateway();
}

}  // namespace accord::pipeline
