// The decision: may this envelope go from sender to recipient, and in what form? A pure
// function of its arguments (no I/O, no clock, no globals); thread-safe on a shared set.
//
// Rules, in order (docs/agreements.md "How a decision is made"):
//  1. Default deny. Only flows of agreements naming sender as provider, recipient among the
//     recipients (and the flow's `to`, if any) and the event type among the flow's events are
//     candidates.
//  2. A candidate grants only if its agreement is active, in force at `now`
//     (valid_from <= now < valid_until), in mode enforce, the envelope's classification is at
//     most the agreement's max_classification, every condition of the flow holds (state.*
//     facts read `state`), and, for a consent_based flow, `state.consent` is not withdrawn.
//  3. The first granting candidate wins (agreement id ascending, version descending, flow
//     order); its field rules decide every field. The reasons list why other candidates failed.
//  4. Per field: an exact path rule beats any wildcard; among wildcards the longest prefix
//     wins (data.victim.contact.* beats data.victim.* beats data.*); a field no rule names is
//     dropped.
// Reasons never contain field values (they go to the audit log).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/subject_state.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::agreements {

struct FieldDecision {
  std::string path;                 // envelope data path, relative to data ("victim.dob")
  Action action = Action::drop;     // drop when denied or not named
  const FieldRule* rule = nullptr;  // the deciding rule; nullptr when not named. Borrowed
                                    // from the AgreementSet.
};

struct Decision {
  bool allowed = false;
  const Agreement* agreement = nullptr;  // the granting agreement (borrowed from the set)
  std::string agreement_id;
  int agreement_version = 0;
  std::string flow;                   // granting flow's name
  bool consent_based = false;         // the granting flow is consent_based
  bool receipts_required = false;     // the granting flow says `receipts: required`
  std::vector<FieldDecision> fields;  // one per envelope data field, same order
  std::vector<std::string> reasons;   // human-readable: why allowed, why others failed
  // Some granted field must be encrypted for the recipient. Until field encryption is
  // available, such a copy must not be delivered (transform() refuses without an encryptor).
  bool requires_encryption = false;
  // What shadow-mode agreements for this route would have decided (at most one element, present
  // when a shadow-mode agreement for the route is active and in force); reported and audited,
  // never enforced.
  std::vector<Decision> shadow;
  // When refused by an agreement (empty when allowed, or when no agreement covers the route):
  // the agreement ("id@version") whose status, validity, classification or condition refused,
  // and a stable code. The deciding refusal is the first candidate (in the order of rule 3)
  // that is active and whose valid_from has passed, else the first candidate. Its code is
  // `agreement_expired` when its valid_until has passed, else `not_permitted`.
  std::string refused_by = {};
  std::string code = {};

  std::size_t count(Action action) const;
};

// `state`: the subject's stored state; empty when the caller did not read it (then no
// consent is recorded and every state.* fact is absent).
Decision decide(const envelope::Envelope& envelope, std::string_view sender,
                std::string_view recipient, const AgreementSet& set, Instant now,
                const SubjectState& state = SubjectState{});

// Whether deciding an envelope of `event_type` from `sender` can depend on the subject's
// stored state: some flow of a route for it is consent_based or has a state.* condition.
bool reads_subject_state(const AgreementSet& set, std::string_view sender,
                         std::string_view event_type);

// Candidate recipients for an envelope from `sender`: every recipient of an enforce-mode flow
// for the envelope's type whose agreement is in force at `now`, or is active but its
// valid_until has passed (decide() refuses those with `agreement_expired`, so the sender is
// told instead of the recipient silently dropping out), sorted, unique. Conditions are not
// evaluated here: call decide() per recipient (its denials are audited).
std::vector<std::string> recipients_for(const envelope::Envelope& envelope, std::string_view sender,
                                        const AgreementSet& set, Instant now);

// Recipients of shadow-mode flows for the envelope's type whose agreement is active and in
// force at `now`, sorted, unique: decide() for each reports in Decision::shadow what the
// shadow agreement would have done (it is audited, never enforced).
std::vector<std::string> shadow_recipients_for(const envelope::Envelope& envelope,
                                               std::string_view sender, const AgreementSet& set,
                                               Instant now);

}  // namespace accord::agreements
