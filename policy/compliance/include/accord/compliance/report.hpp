// The compliance report: clocks counted per agency and per Code right (docs/compliance.md §5).
// Pure; `accord compliance report`, the admin API and the oversight feed all use it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/compliance/clocks.hpp"

namespace accord::compliance {

struct ReportFilter {
  std::int64_t from_ms = 0;  // clocks that started in [from_ms, to_ms)
  std::int64_t to_ms = 0;
  std::string agency;         // informer agency id; "" = all
  std::optional<int> right;   // Code right; none = all
  std::int64_t as_of_ms = 0;  // statuses judged at this time
};

struct Tally {
  std::int64_t on_time = 0;
  std::int64_t late = 0;
  std::int64_t missing = 0;
  std::int64_t open = 0;
  friend bool operator==(const Tally&, const Tally&) = default;
};

struct ReportRow {
  std::string agency;  // informer
  int right = 0;
  std::string duty;  // "<rule set>/<duty id>": the rule applied
  bool enhanced = false;
  std::string month;  // "2026-11": London month of the clock's start
  Tally tally;
};

struct Report {
  ReportFilter filter;
  std::vector<ReportRow> rows;  // sorted by agency, right, duty, month, enhanced
  std::map<std::string, Tally> by_agency;
  std::map<int, Tally> by_right;
  Tally total;
  std::vector<Clock> clocks;  // the clocks counted (for --format json and drill-down)
  std::vector<std::string> problems;
};

Report build_report(const std::vector<Clock>& clocks, const ReportFilter& filter);

enum class ReportFormat { table, csv, json };
// `with_clocks`: json only, adds the "clocks" array (case and subject references included,
// so only for auditors); table and csv never list clocks.
std::string render_report(const Report& report, ReportFormat format, bool with_clocks = false);
// "table" | "csv" | "json"; nullopt otherwise.
std::optional<ReportFormat> parse_report_format(std::string_view text);

}  // namespace accord::compliance
