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

// Adds a copy for every holder the plan has none for: a NOTICE, the envelope's header with
// `data: {}` (no agreement; reason names the propagation). Returns every holder told, sorted
// (those with an agreement's copy too).
std::vector<std::string> add_notices(Plan& plan, const envelope::Envelope& envelope,
                                     const std::vector<std::string>& holders);

// What the append writes into the ledger: `consent` from consent.given / consent.withdrawn
// (agency: the sender), `contact.<key>` from contact.preferences_changed (closed lists only),
// `holds` for every copy (its agreement, or `notice`) and `holds.consent_based` for copies
// of consent_based flows.
std::vector<spool::SubjectFact> ledger_facts(const envelope::Envelope& envelope,
                                             const std::string& sender,
                                             const std::vector<SealedCopy>& copies);

}  // namespace accord::pipeline
