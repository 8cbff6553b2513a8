// Set-level validation: what no single file can show. Pure; `now` is an argument. Run at load
// and reload, never while a message waits: the gateway refuses an invalid set and keeps the
// last good one.
//
// Error codes: unknown_agency, unknown_event_type, recipient_is_provider, party_missing,
// retention_missing,
// special_category_without_article9, duplicate_version, overlapping_versions,
// contradictory_field_action (within one agreement, or across agreements in force for one
// route), part3_without_competent_authority.
// Warning codes: review_overdue, drop_leaf_only, expired (an active agreement whose valid_until
// has passed: it no longer grants, but the set still loads, so its end date never becomes an
// outage).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "accord/agreements/agency.hpp"
#include "accord/agreements/agreement.hpp"
#include "accord/agreements/diagnostic.hpp"
#include "accord/envelope/vocabulary.hpp"

namespace accord::agreements {

struct ValidatorOptions {
  // Data paths that are special category (UK GDPR Art 9) wherever they appear, in addition to
  // each agreement's own `special_category` list. A path without a wildcard covers everything
  // below it (data.needs.health covers data.needs.health.conditions). Health, sexual life /
  // orientation, ethnicity, religion, biometrics, trade-union membership.
  std::vector<std::string> special_category = {
      "data.needs.health",       "data.needs.mental_health", "data.needs.disability",
      "data.victim.health",      "data.victim.ethnicity",    "data.victim.sexual_orientation",
      "data.victim.sexual_life", "data.victim.religion",     "data.victim.biometrics",
      "data.victim.trade_union"};
};

std::vector<Diagnostic> validate(const std::vector<Agreement>& agreements,
                                 const AgencyDirectory& directory,
                                 const envelope::Vocabulary& vocabulary, Instant now,
                                 const ValidatorOptions& options = {});

// Advance notice for active agreements (warnings, never errors): `expiry_due` when valid_until
// is within `notice` of `now` (and not yet reached), `review_due` when review_by is (and not
// yet reached; `validate` reports review_overdue after). Logged by the gateway at load and
// reload; `accord agreements list` shows the same.
inline constexpr std::chrono::seconds kDefaultNotice = std::chrono::days{30};
std::vector<Diagnostic> notices(const std::vector<Agreement>& agreements, Instant now,
                                std::chrono::seconds notice = kDefaultNotice);

}  // namespace accord::agreements
