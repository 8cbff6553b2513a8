// Step 5 of a submission: its audit records (docs/audit-format.md §3), composed here and
// nowhere else. The spool stores them as given; of a record it fills in only the seq and,
// for a decision.accepted, the delivery id of its copy (spool::SubmissionRecord).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accord/agreements/decision_inputs.hpp"
#include "accord/audit/event.hpp"
#include "accord/envelope/envelope.hpp"
#include "accord/pipeline/outcome.hpp"
#include "accord/pipeline/policy.hpp"
#include "accord/pipeline/seal.hpp"
#include "accord/spool/spool.hpp"

namespace accord::pipeline {

// The facts every decision record of one submission carries.
struct DecisionFacts {
  std::int64_t at_ms = 0;  // the receipt time
  std::string message_id;
  std::string sender;
  std::string event_type;
  std::string case_urn;
  std::string subject_role;
  std::string subject_ref;
  std::string content_hash;  // of the submitted body
};
DecisionFacts decision_facts(const envelope::Envelope& envelope, const std::string& sender,
                             const std::string& content_hash, std::int64_t now_ms);

// The decision.inputs record of a decided submission (docs/audit-format.md §1): the first of
// its records, stored or refused. Names, headers and closed-list facts only (decision_inputs.hpp).
audit::Event inputs_record(const DecisionFacts& facts, agreements::DecisionInputs inputs);

// A stored submission, in this order (one transaction, consecutive seqs): decision.accepted
// per copy (copy order; each carries its copy's delivery id and copy_hash), decision.refused
// per recipient withheld, decision.shadow per shadow outcome.
std::vector<spool::SubmissionRecord> accepted_records(const DecisionFacts& facts,
                                                      const std::vector<SealedCopy>& copies,
                                                      const std::vector<PlannedRefusal>& withheld,
                                                      const std::vector<ShadowOutcome>& shadow);

// A refused submission: decision.refused per refused candidate (or one naming no recipient
// when no agreement named any), then decision.shadow per shadow outcome.
std::vector<audit::Event> refused_records(const DecisionFacts& facts, const Refused& refused,
                                          const std::vector<ShadowOutcome>& shadow);

// The decision.refused of one candidate: the one builder behind both lists above.
audit::Event refusal_event(const DecisionFacts& facts, const PlannedRefusal& refusal);

// The decision.shadow records (docs/audit-format.md §1): per recipient a shadow agreement
// covers, what it would have shared and in which form, against what was actually shared.
std::vector<audit::Event> shadow_events(const DecisionFacts& facts,
                                        const std::vector<ShadowOutcome>& shadow);

}  // namespace accord::pipeline
