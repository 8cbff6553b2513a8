// Machine-readable retention (docs/agreements.md "Retention", docs/compliance.md §9): ISO 8601
// durations, the closed list of triggers, and the calendar arithmetic that turns a period into
// the gateway's purge cutoff. Pure: times are arguments (milliseconds since the Unix epoch, UTC).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accord::agreements {

// PnYnMnWnDTnHnMnS, every component a whole number (0..9999), at least one of them non-zero.
struct IsoDuration {
  int years = 0, months = 0, weeks = 0, days = 0;
  int hours = 0, minutes = 0, seconds = 0;
  friend bool operator==(const IsoDuration&, const IsoDuration&) = default;
};

struct DurationError {
  std::string message;  // what is wrong, naming the text
};

// Parses the designator form above: uppercase designators, in order, each once; `T` only
// before a time component; no sign, no fraction, no alternative (PYYYY-MM-DD) form.
// Either a duration or an error, never both.
struct ParsedDuration {
  std::optional<IsoDuration> duration;
  std::optional<DurationError> error;
};
ParsedDuration parse_duration(std::string_view text);

// t + d in UTC: years and months first on the calendar date, the day clamped to the target
// month's last day (2026-01-31 + P1M = 2026-02-28; 2024-02-29 + P1Y = 2025-02-28), the time of
// day kept; then weeks and days as 7 and 1 calendar days (UTC has no DST); then hours, minutes
// and seconds as elapsed time.
std::int64_t add_duration_ms(std::int64_t t_ms, const IsoDuration& d);

// Whether something received at `received_ms` is past a retention of `d` at `now_ms`:
// add_duration_ms(received_ms, d) <= now_ms. Judged per item, not by one cutoff time: with
// the day clamped, a later receipt can end earlier (2026-01-28T12:00 + P1M ends after
// 2026-01-29T00:00 + P1M = 2026-02-28T00:00).
inline bool past_retention(std::int64_t received_ms, const IsoDuration& d, std::int64_t now_ms) {
  return add_duration_ms(received_ms, d) <= now_ms;
}

// The closed list of retention triggers (what starts the recipient's clock).
inline constexpr std::array<std::string_view, 8> kRetentionTriggers = {
    "receipt",             // the recipient received the data
    "acknowledgement",     // the recipient acknowledged it
    "last_contact",        // the recipient's last contact with the person
    "case_closed",         // the criminal case finalised (no further appeal)
    "support_ended",       // the support case closed
    "sentence_completed",  // the sentence, licence included, ended
    "licence_ended",       // the licence period ended
    "record_review",       // the recipient's record review (e.g. MoPI) decided disposal
};
bool is_retention_trigger(std::string_view trigger);

}  // namespace accord::agreements
