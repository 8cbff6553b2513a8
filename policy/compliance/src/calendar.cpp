// Civil dates, London's calendar day and working days (docs/compliance.md §1).
#include "accord/compliance/calendar.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdio>
#include <map>
#include <vector>

#include "accord/yaml/document.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::compliance {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kMsPerHour = 3'600'000;

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Floor division: a Unix time before 1970 still falls on the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

CivilDate last_sunday(int year, int month) {
  CivilDate date{year, month, days_in_month(year, month)};
  std::int64_t days = days_from_civil(date);
  return civil_from_days(days - (weekday(date) + 1) % 7);
}

// British Summer Time (Summer Time Act 1972 as amended by the Summer Time Order 2002): from
// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
bool is_summer_time(std::int64_t unix_ms) {
  const CivilDate utc = civil_from_days(floor_div(unix_ms, kMsPerDay));
  const std::int64_t begins = days_from_civil(last_sunday(utc.year, 3)) * kMsPerDay + kMsPerHour;
  const std::int64_t ends = days_from_civil(last_sunday(utc.year, 10)) * kMsPerDay + kMsPerHour;
  return unix_ms >= begins && unix_ms < ends;
}

Error outside(const CivilDate& date, const WorkingCalendar& calendar) {
  return make_error("outside_calendar",
                    "working days on " + to_string(date) + " are not known: the calendar covers " +
                        std::to_string(calendar.first_year()) + " to " +
                        std::to_string(calendar.last_year()),
                    to_string(date));
}

// The loader's findings come from the strict reader as invalid_config at "line:col"; this
// file's own code and the file name in front make them say which file to fix.
Error in_file(Error error, std::string_view file_name) {
  error.code = "invalid_calendar";
  error.path =
      error.path.empty() ? std::string(file_name) : std::string(file_name) + ":" + error.path;
  return error;
}

struct HolidayEntry {
  CivilDate date;
  YAML::Node date_node;
  bool provisional = false;
};

Status read_year(const YAML::Node& node, const std::string& name, int& out) {
  if (auto status = yaml::read_scalar(node, name, out); !status.ok()) return status;
  // Four digits: the date grammar "YYYY-MM-DD" cannot name any other year.
  if (out < 1000 || out > 9999) return yaml::error_at(node, name + " must be a four-digit year");
  return Status::Ok();
}

Status read_holiday(const YAML::Node& node, std::vector<HolidayEntry>& out) {
  HolidayEntry entry;
  std::string name;
  yaml::Handlers handlers{
      {"date",
       [&](const YAML::Node& value) -> Status {
         std::string text;
         if (auto status = yaml::read_text(value, "date", text); !status.ok()) return status;
         auto date = parse_civil_date(text);
         if (!date) return yaml::error_at(value, date.error().message);
         entry.date = *date;
         entry.date_node = value;
         return Status::Ok();
       }},
      {"name", [&](const YAML::Node& value) { return yaml::read_text(value, "name", name); }},
      {"provisional",
       [&](const YAML::Node& value) {
         return yaml::read_scalar(value, "provisional", entry.provisional);
       }},
  };
  if (auto status = yaml::read_mapping(node, "a holiday", handlers, {"date", "name"});
      !status.ok()) {
    return status;
  }
  out.push_back(std::move(entry));
  return Status::Ok();
}

}  // namespace

std::string to_string(const CivilDate& date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year, date.month, date.day);
  return text;
}

Result<CivilDate> parse_civil_date(std::string_view text) {
  const auto refuse = [&](const std::string& why) {
    return make_error("invalid_value", "'" + std::string(text) + "' is not a date: " + why);
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return refuse("expected YYYY-MM-DD");
  const auto number = [&](std::size_t at, std::size_t length, int& out) {
    for (std::size_t i = at; i < at + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
    }
    return std::from_chars(text.data() + at, text.data() + at + length, out).ec == std::errc();
  };
  CivilDate date;
  if (!number(0, 4, date.year) || !number(5, 2, date.month) || !number(8, 2, date.day)) {
    return refuse("expected YYYY-MM-DD");
  }
  if (date.month < 1 || date.month > 12) return refuse("no such month");
  if (date.day < 1 || date.day > days_in_month(date.year, date.month)) {
    return refuse("no such day in that month");
  }
  return date;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
std::int64_t days_from_civil(const CivilDate& date) {
  const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (date.month + 9) % 12;  // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return CivilDate{year, month, day};
}

int weekday(const CivilDate& date) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return static_cast<int>(((days_from_civil(date) + 3) % 7 + 7) % 7);
}

CivilDate london_date(std::int64_t unix_ms) {
  const std::int64_t utc_day = floor_div(unix_ms, kMsPerDay);
  const std::int64_t ms_of_day = unix_ms - utc_day * kMsPerDay;
  const bool next_day = is_summer_time(unix_ms) && ms_of_day >= kMsPerDay - kMsPerHour;
  return civil_from_days(utc_day + (next_day ? 1 : 0));
}

std::int64_t end_of_london_day_ms(const CivilDate& date) {
  const std::int64_t next_day = days_from_civil(date) + 1;
  // London midnight is never inside a change of the clocks (they change at 01:00 UTC), so it
  // is 00:00 UTC in winter and 23:00 UTC the evening before in summer.
  const std::int64_t summer_midnight = next_day * kMsPerDay - kMsPerHour;
  return is_summer_time(summer_midnight) ? summer_midnight : next_day * kMsPerDay;
}

Result<WorkingCalendar> WorkingCalendar::load(std::string_view yaml_text,
                                              std::string_view file_name) {
  yaml::Document document = yaml::parse(yaml_text);
  if (!document.ok()) return in_file(yaml::error_from(document.problems.front()), file_name);
  if (!document.root || document.root.IsNull()) {
    return in_file(make_error("invalid_config", "the calendar file is empty", "1:1"), file_name);
  }

  WorkingCalendar calendar;
  YAML::Node years_node;
  std::vector<HolidayEntry> entries;
  yaml::Handlers handlers{
      {"version",
       [&](const YAML::Node& value) -> Status {
         int version = 0;
         if (auto status = yaml::read_scalar(value, "version", version); !status.ok()) {
           return status;
         }
         if (version != 1)
           return yaml::error_at(value, "unsupported calendar version (expected 1)");
         return Status::Ok();
       }},
      {"source",
       [&](const YAML::Node& value) { return yaml::read_text(value, "source", calendar.source_); }},
      {"years",
       [&](const YAML::Node& value) -> Status {
         years_node = value;
         return yaml::read_mapping(
             value, "years",
             yaml::Handlers{{"first",
                             [&](const YAML::Node& v) {
                               return read_year(v, "years.first", calendar.first_year_);
                             }},
                            {"last",
                             [&](const YAML::Node& v) {
                               return read_year(v, "years.last", calendar.last_year_);
                             }}},
             {"first", "last"});
       }},
      {"holidays",
       [&](const YAML::Node& value) -> Status {
         if (!value.IsSequence()) {
           return yaml::error_at(
               value, "holidays has the wrong type: expected a list, got " + yaml::describe(value));
         }
         for (const auto& item : value) {
           if (auto status = read_holiday(item, entries); !status.ok()) return status;
         }
         return Status::Ok();
       }},
  };
  if (auto status = yaml::read_mapping(document.root, "the calendar", handlers,
                                       {"version", "source", "years", "holidays"});
      !status.ok()) {
    return in_file(status.error(), file_name);
  }
  if (calendar.first_year_ > calendar.last_year_) {
    return in_file(yaml::error_at(years_node["last"], "years.last must not be before years.first"),
                   file_name);
  }

  // Ascending order makes a duplicate or a typo in a year visible to a reviewer of the file.
  std::map<int, int> per_year;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const HolidayEntry& entry = entries[i];
    const std::string date = to_string(entry.date);
    if (!calendar.covers(entry.date)) {
      return in_file(
          yaml::error_at(entry.date_node, "holiday " + date + " is outside years " +
                                              std::to_string(calendar.first_year_) + " to " +
                                              std::to_string(calendar.last_year_)),
          file_name);
    }
    if (weekday(entry.date) >= 5) {
      return in_file(yaml::error_at(entry.date_node,
                                    "holiday " + date +
                                        " falls on a weekend; list the substitute weekday instead"),
                     file_name);
    }
    if (i > 0 && entry.date == entries[i - 1].date) {
      return in_file(yaml::error_at(entry.date_node, "holiday " + date + " is listed twice"),
                     file_name);
    }
    if (i > 0 && entry.date < entries[i - 1].date) {
      return in_file(yaml::error_at(entry.date_node, "holiday " + date + " comes after " +
                                                         to_string(entries[i - 1].date) +
                                                         "; list holidays in date order"),
                     file_name);
    }
    ++per_year[entry.date.year];
    calendar.holidays_.insert(entry.date);
    if (entry.provisional) calendar.provisional_.insert(entry.date);
  }
  // England and Wales have at least eight bank holidays every year: a covered year with none
  // is a year someone forgot, and every working-day figure in it would be wrong.
  for (int year = calendar.first_year_; year <= calendar.last_year_; ++year) {
    if (!per_year.contains(year)) {
      return in_file(yaml::error_at(years_node, "year " + std::to_string(year) +
                                                    " is covered but has no holidays listed"),
                     file_name);
    }
  }
  return calendar;
}

bool WorkingCalendar::is_working_day(const CivilDate& date) const {
  return weekday(date) < 5 && !is_bank_holiday(date);
}

Result<CivilDate> WorkingCalendar::add_working_days(const CivilDate& from, int n) const {
  if (n < 0) {
    return make_error("invalid_value",
                      "a number of working days must not be negative, got " + std::to_string(n));
  }
  std::int64_t days = days_from_civil(from);
  CivilDate date = from;
  for (int counted = 0; counted < n;) {
    date = civil_from_days(++days);
    if (!covers(date)) return outside(date, *this);
    if (is_working_day(date)) ++counted;
  }
  return date;
}

Result<int> WorkingCalendar::working_days_between(const CivilDate& from,
                                                  const CivilDate& to) const {
  int count = 0;
  const std::int64_t last = days_from_civil(to);
  for (std::int64_t days = days_from_civil(from) + 1; days <= last; ++days) {
    const CivilDate date = civil_from_days(days);
    if (!covers(date)) return outside(date, *this);
    if (is_working_day(date)) ++count;
  }
  return count;
}

Result<std::int64_t> WorkingCalendar::deadline_ms(std::int64_t start_ms, int n) const {
  auto last_day = add_working_days(london_date(start_ms), n);
  if (!last_day) return last_day.error();
  return end_of_london_day_ms(*last_day);
}

}  // namespace accord::compliance
