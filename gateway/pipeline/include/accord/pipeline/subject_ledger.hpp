// The subject-state ledger on the path of one submission (docs/compliance.md §7, §8): what the
// pipeline reads from it before planning (the stored state and the holders to tell), and what
// it writes into it with the append (consent, contact preferences, holdings). Pure functions
// over values; the one read is Spool::subject_state in pipeline.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/subject_state.hpp"
#include "accord/envelope/envelope.hpp"
#include "accord/pipeline/policy.hpp"
#include "accord/pipeline/seal.hpp"
#include "accord/spool/spool.hpp"

namespace accord::pipeline {

// The event types propagated to the subject's holders: consent.withdrawn (to consent-based
// holders) and subject.erasure_requested (to every holder).
bool is_propagated(std::string_view event_type);

struct SubjectLedger {
  agreements::SubjectState state;
  // Who must be told of a propagated event, sorted, the sender left out: for
  // consent.withdrawn the agencies with a holds.consent_based row, for
  // subject.erasure_requested those with a holds row; empty for other types.
  std::vector<std::string> holders;
};

// Folds the ledger rows of one subject. Consent: the row named `consent` with the latest at_ms
// from any agency (a tie: withdrawn wins). Contact: per key the latest `contact.<key>` row
// (a tie: the greatest agency id).
SubjectLedger fold_ledger(const std::vector<spool::SubjectStateRow>& rows,
                          std::string_view event_type, std::string_view sender);

// A NOTICE for every holder with no sealed copy (no agreement granted one, or it could not be
// sealed): the envelope's header with `data: {}`, no agreement, every field `drop`, the reason
// naming the propagation. Sealed (signed) by the caller like any planned copy.
std::vector<PlannedCopy> notices_for(const std::vector<SealedCopy>& sealed,
                                     const envelope::Envelope& envelope,
                                     const std::vector<std::string>& holders);

// The compliance.notified record of a propagated message: the decision facts, and `details`
// `holders` (every holder told, comma-separated, sorted) and `notices` (those told by a
// notice copy, comma-separated; absent when none).
audit::Event notified_record(const audit::Event& decision_facts,
                             const std::vector<std::string>& holders,
                             const std::vector<SealedCopy>& copies);

// What the append writes into the ledger: `consent` from consent.given / consent.withdrawn
// (agency: the sender), `contact.<key>` from contact.preferences_changed (closed lists only),
// `holds` for every copy (its agreement, or `notice`) and `holds.consent_based` for copies
// of consent_based flows.
std::vector<spool::SubjectFact> ledger_facts(const envelope::Envelope& envelope,
                                             const std::string& sender,
                                             const std::vector<SealedCopy>& copies);

}  // namespace accord::pipeline
