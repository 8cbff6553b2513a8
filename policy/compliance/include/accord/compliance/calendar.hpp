// Working days in England and Wales, as data: weekends and the bank holidays of a data file
// (config/compliance/bank-holidays-england-and-wales.yaml, format in docs/compliance.md §1).
// Pure: the caller reads the file; no clock, no time-zone database (the United Kingdom's
// civil time rule is written out in london_date(), see docs/compliance.md §1).
#pragma once

#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::compliance {

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

std::string to_string(const CivilDate& date);               // "2026-12-25"
Result<CivilDate> parse_civil_date(std::string_view text);  // "YYYY-MM-DD", a real date
int weekday(const CivilDate& date);                         // 0 = Monday ... 6 = Sunday
std::int64_t days_from_civil(const CivilDate& date);        // days since 1970-01-01
CivilDate civil_from_days(std::int64_t days);

// The calendar date in London (GMT, or BST from 01:00 UTC on the last Sunday of March to
// 01:00 UTC on the last Sunday of October) of a Unix time in milliseconds.
CivilDate london_date(std::int64_t unix_ms);
// The first millisecond of the next London day after `date`, in Unix ms: "by the end of
// `date`" means strictly before this instant.
std::int64_t end_of_london_day_ms(const CivilDate& date);

// Immutable after load(): safe to share between threads.
class WorkingCalendar {
 public:
  // Errors: code `invalid_calendar`, path "file:line:col" (`file_name` in front).
  static Result<WorkingCalendar> load(std::string_view yaml_text, std::string_view file_name);

  const std::string& source() const { return source_; }
  int first_year() const { return first_year_; }  // years the file covers, inclusive
  int last_year() const { return last_year_; }
  bool covers(const CivilDate& date) const {
    return date.year >= first_year_ && date.year <= last_year_;
  }
  bool is_bank_holiday(const CivilDate& date) const { return holidays_.contains(date); }
  // A holiday the file marks `provisional: true`: computed from the statutory rules, not yet
  // published, so a figure that depends on it may change when the year is published.
  bool is_provisional(const CivilDate& date) const { return provisional_.contains(date); }
  bool is_working_day(const CivilDate& date) const;

  // The n-th working day strictly after `from` (n >= 1); n == 0 gives `from` itself.
  // Error `outside_calendar` when a day it must judge is not covered by the file.
  Result<CivilDate> add_working_days(const CivilDate& from, int n) const;
  // Working days in (from, to]: 0 when to <= from.
  Result<int> working_days_between(const CivilDate& from, const CivilDate& to) const;
  // The deadline of an n-working-day duty that started at `start_ms`: the end of the n-th
  // working day after the London date of `start_ms` (n == 0: the end of that day).
  Result<std::int64_t> deadline_ms(std::int64_t start_ms, int n) const;

 private:
  std::string source_;
  int first_year_ = 0;
  int last_year_ = -1;
  std::set<CivilDate> holidays_;
  std::set<CivilDate> provisional_;
};

}  // namespace accord::compliance
