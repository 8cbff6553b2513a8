#include "accord/app/compliance_feed.hpp"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "accord/compliance/facts.hpp"
#include "accord/core/time_format.hpp"

namespace accord::app {

std::string month_name(const Month& month) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d", month.year, month.month);
  return text;
}

std::optional<Month> parse_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  int year = 0, month = 0;
  for (std::size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    const int digit = text[i] - '0';
    if (i < 4) {
      year = year * 10 + digit;
    } else {
      month = month * 10 + digit;
    }
  }
  if (month < 1 || month > 12 || year < 1970) return std::nullopt;
  return Month{year, month, 1};
}

Month month_of(std::int64_t unix_ms) {
  const auto date = compliance::london_date(unix_ms);
  return Month{date.year, date.month, 1};
}

Month previous_month(const Month& month) {
  return month.month == 1 ? Month{month.year - 1, 12, 1} : Month{month.year, month.month - 1, 1};
}

Month next_month(const Month& month) {
  return month.month == 12 ? Month{month.year + 1, 1, 1} : Month{month.year, month.month + 1, 1};
}

std::int64_t month_start_ms(const Month& month) {
  // The first instant of the first day is the end of the day before it.
  const auto day_before = compliance::civil_from_days(compliance::days_from_civil(month) - 1);
  return compliance::end_of_london_day_ms(day_before);
}

std::vector<FeedRow> feed_rows(const compliance::Report& report) {
  std::map<std::tuple<std::string, int, bool>, compliance::Tally> sums;
  for (const auto& row : report.rows) {
    auto& sum = sums[{row.agency, row.right, row.enhanced}];
    sum.on_time += row.tally.on_time;
    sum.late += row.tally.late;
    sum.missing += row.tally.missing;
    sum.open += row.tally.open;
  }
  std::vector<FeedRow> rows;
  for (const auto& [key, tally] : sums) {
    rows.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), tally});
  }
  return rows;
}

std::string summary_id(const Month& month) {
  return "compliance-summary-" + month_name(month);
}

std::string summary_envelope(const Month& month, const std::string& sender,
                             const std::vector<std::string>& rule_sets,
                             const std::vector<FeedRow>& rows) {
  using nlohmann::ordered_json;
  ordered_json row_list = ordered_json::array();
  for (const auto& row : rows) {
    row_list.push_back({{"agency", row.agency},
                        {"right", row.right},
                        {"enhanced", row.enhanced},
                        {"on_time", row.tally.on_time},
                        {"late", row.tally.late},
                        {"missing", row.tally.missing},
                        {"open", row.tally.open}});
  }
  const ordered_json envelope = {
      {"id", summary_id(month)},
      {"type", std::string(compliance::event::kComplianceSummary)},
      {"case", {{"urn", "accord-compliance-" + month_name(month)}, {"owner", sender}}},
      {"subject", {{"role", "victim"}, {"ref", "aggregate"}}},
      {"occurred_at", format_time_ms(month_start_ms(next_month(month)))},
      {"classification", "OFFICIAL"},
      {"data",
       {{"period", month_name(month)}, {"rule_sets", rule_sets}, {"rows", std::move(row_list)}}}};
  return envelope.dump();
}

}  // namespace accord::app
