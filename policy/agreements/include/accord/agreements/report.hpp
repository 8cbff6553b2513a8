// Text reports for administrators and auditors, behind `accord agreements list|explain|diff`.
// Pure formatting over the model; the CLI only reads files and prints.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/agreements/decision.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::agreements {

// One line per agreement: id, version, status, mode, provider → recipients, validity and
// review status ("REVIEW OVERDUE" once now >= review_by, "review due in N days" within
// `notice`), then for an active agreement the notice column: "(ends in N days)" when
// valid_until is within `notice`, "(ENDED date: no longer grants)" once it has passed.
std::string format_list(const std::vector<Agreement>& agreements, Instant now,
                        std::chrono::seconds notice = std::chrono::days{30});
// The same, each line followed by "  " and `notes[i]` (for agreements[i]) when not empty:
// `accord agreements list` puts the governance state there (policy/governance describe()).
std::string format_list(const std::vector<Agreement>& agreements, Instant now,
                        std::chrono::seconds notice, const std::vector<std::string>& notes);

// What `to` would receive of `envelope` from `from`, field by field, and why. Values are shown
// as they would be delivered (pseudonymised and encrypted values are described, not computed).
std::string format_explanation(const envelope::Envelope& envelope, std::string_view from,
                               std::string_view to, const Decision& decision);

// The exposure diff: who newly receives, or no longer receives, which events and fields.
// Exposure is the enforce-mode flows of agreements in force at `at`.
struct ExposureChange {
  enum class Kind { gained, lost, changed };
  Kind kind;
  std::string provider;
  std::string recipient;
  std::string event;
  std::string field;         // a field pattern; empty for a whole event gained or lost
  std::string before;        // action(s) / conditions before; empty when gained
  std::string after;         // after; empty when lost
  bool whole_route = false;  // part of a route (provider, recipient, event) gained or lost
};

std::vector<ExposureChange> exposure_diff(const std::vector<Agreement>& before,
                                          const std::vector<Agreement>& after, Instant at);
// "+ police.met -> provider.lvws referral.created data.victim.dob: generalise(year)" lines,
// grouped by recipient, then a summary line.
std::string format_exposure_diff(const std::vector<ExposureChange>& changes);

}  // namespace accord::agreements
