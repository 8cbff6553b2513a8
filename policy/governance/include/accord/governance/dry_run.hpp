// Dry run (docs/agreements.md, "Dry run"): what a proposed agreement set would have shared
// with whom, tried on the recorded decisions of recent traffic, compared with what was
// actually shared. Pure: audit record bytes in (docs/audit-format.md §2), counts out.
//
// Each past submission is rebuilt from its `decision.inputs` record (paths present, headers,
// recorded condition facts, stored state when read) and decided by the proposed set as if
// every `status: active` version in it were co-signed and in force at `at`. The outcome per
// recipient is compared with the `decision.accepted` records of that submission (notice copies,
// which no agreement grants, are left out). Forms are compared by action (share, drop, mask,
// generalise, pseudonymise, encrypt): a change of parameters only shows in `agreements diff`.
// A submission whose proposed decision depends on a fact that was not recorded for it is
// counted as undecidable, never guessed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/decision_inputs.hpp"
#include "accord/agreements/time.hpp"
#include "accord/core/result.hpp"

namespace accord::governance {

// Builds past submissions from audit records fed in seq order.
class PastTraffic {
 public:
  // Reads decision.inputs, decision.accepted and decision.refused records; ignores others.
  // Error invalid_record for a malformed record of those kinds.
  Status add_record(std::string_view record);
  std::size_t submissions() const;

  struct Copy {
    std::string agreement;                       // id@version that granted it
    std::map<std::string, std::string> actions;  // path -> action, as recorded
  };
  struct Submission {
    std::int64_t at_ms = 0;
    std::string message_id, sender, event_type, case_urn, subject_role, subject_ref;
    agreements::DecisionInputs inputs;   // its decision.inputs record, read by inputs_from_record
    std::map<std::string, Copy> copies;  // recipient -> what it actually received
  };
  const std::vector<Submission>& all() const { return submissions_; }

 private:
  std::vector<Submission> submissions_;
  std::map<std::string, std::size_t, std::less<>> index_;  // sender + '\0' + message id
};

// One line of the exposure difference, counted over messages.
struct ExposureChange {
  std::string recipient;
  std::string sender;
  std::string event_type;
  // route_gained: the recipient would receive the event where it received nothing;
  // route_lost: would receive nothing where it received a copy;
  // field_gained: a field not shared (absent or dropped) would be shared in `to` form;
  // field_lost: a field shared in `from` form would be dropped;
  // form_changed: a field shared in `from` form would be shared in `to` form.
  std::string change;
  std::string path;  // field changes only ("data.victim.dob")
  std::string from;  // the action actually applied ("" for a route change or a field gained)
  std::string to;    // the action the proposed set would apply
  std::int64_t messages = 0;  // how many past submissions show this change
};

struct DryRunResult {
  std::int64_t submissions = 0;  // considered (with a decision.inputs record in the window)
  std::int64_t changed = 0;      // with at least one change
  std::int64_t undecidable = 0;  // whose proposed decision needed an unrecorded fact
  std::map<std::string, std::int64_t> undecidable_facts;  // fact -> submissions
  std::vector<ExposureChange> changes;  // sorted by recipient, sender, event, change, path
};

DryRunResult dry_run(const PastTraffic& traffic, const agreements::AgreementSet& proposed,
                     agreements::Instant at);

// The text report (docs/agreements.md shows it) and the JSON answer of
// POST /v1/admin/agreements/dry-run (docs/api.yaml).
std::string render_text(const DryRunResult& result);
std::string render_json(const DryRunResult& result);
// render_json's text back (what `accord agreements dry-run` prints from the gateway's answer).
// Error invalid_answer when it is not that shape.
Result<DryRunResult> parse_json(std::string_view text);

// The start of the window (`--since`, the API's "since"), Unix ms: "<N>d" or "<N>h" before
// `now_ms` (N 1 to 3660 days, 1 to 87840 hours), or a date / RFC 3339 time
// (agreements::parse_instant). nullopt for anything else.
std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms);

}  // namespace accord::governance
