// The oversight feed's content (docs/compliance.md §6): London calendar months and the
// compliance.summary envelope of one month, counts only. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/compliance/calendar.hpp"
#include "accord/compliance/report.hpp"

namespace accord::app {

// A London calendar month: year and month (day is always 1).
using Month = compliance::CivilDate;

std::string month_name(const Month& month);               // "2026-11"
std::optional<Month> parse_month(std::string_view text);  // "YYYY-MM", month 01..12
Month month_of(std::int64_t unix_ms);                     // the London month of an instant
Month previous_month(const Month& month);
Month next_month(const Month& month);
std::int64_t month_start_ms(const Month& month);  // 00:00 London time on its first day

// One row of the feed: the clocks of an informer agency and Code right, standard or enhanced,
// summed over duties.
struct FeedRow {
  std::string agency;
  int right = 0;
  bool enhanced = false;
  compliance::Tally tally;
};

// The report's rows summed per (agency, right, enhanced), sorted that way.
std::vector<FeedRow> feed_rows(const compliance::Report& report);

// The envelope id of a month's summary: "compliance-summary-2026-11".
std::string summary_id(const Month& month);

// The compliance.summary envelope (JSON text) for `month` from `sender`: occurred_at is the
// instant the month ended; data holds period, rule_sets and rows, and nothing else.
std::string summary_envelope(const Month& month, const std::string& sender,
                             const std::vector<std::string>& rule_sets,
                             const std::vector<FeedRow>& rows);

}  // namespace accord::app
