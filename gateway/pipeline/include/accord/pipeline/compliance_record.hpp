// Step 2b of a submission: its compliance facts (docs/compliance.md §3), read from the decoded
// envelope before any planning, so a bad fact (a victim.informed naming no message, a
// channel outside its list) is refused with its code and path and nothing is stored; and the
// one compliance.facts audit record that carries them, written with the decision records.
#pragma once

#include <cstdint>
#include <string>

#include "accord/audit/event.hpp"
#include "accord/compliance/facts.hpp"
#include "accord/envelope/envelope.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/pipeline/audit_records.hpp"

namespace accord::pipeline {

// The facts of `envelope` submitted by `sender` at `now_ms`; refusals are invalid_value or
// missing_field with the `data.` path (answered 422 like a decode error, not audited).
Result<compliance::ComplianceFacts> compliance_facts(const envelope::Envelope& envelope,
                                                     const std::string& sender, std::int64_t now_ms,
                                                     const envelope::Vocabulary& vocabulary);

// The compliance.facts record of a stored submission: the decision facts but the content
// hash, and the facts as details (compliance::facts_to_details, the one encoder).
audit::Event compliance_facts_record(const DecisionFacts& facts,
                                     const compliance::ComplianceFacts& compliance);

// Whether a submission no agreement routes to anyone is still stored: its type is recorded by
// the gateway itself (`gateway` in the vocabulary's `to`, docs/envelope.md §5).
bool stored_without_recipients(const envelope::Envelope& envelope,
                               const envelope::Vocabulary& vocabulary);

}  // namespace accord::pipeline
