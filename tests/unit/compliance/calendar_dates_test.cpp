// Civil dates and the London calendar day (docs/compliance.md §1): the conversions against
// std::chrono's calendar, and the summer-time boundaries as a table.
#include <gtest/gtest.h>

#include <chrono>

#include "accord/compliance/calendar.hpp"
#include "test_calendar.hpp"

namespace accord::compliance {
namespace {

using testing::utc_ms;

TEST(CivilDates, DaysAndWeekdaysAgreeWithStdChronoFrom1900To2100) {
  using namespace std::chrono;
  const sys_days first = sys_days{year{1900} / January / 1};
  const sys_days last = sys_days{year{2100} / December / 31};
  for (sys_days day = first; day <= last; day += days{1}) {
    const year_month_day ymd{day};
    const CivilDate date{static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                         static_cast<int>(unsigned(ymd.day()))};
    ASSERT_EQ(days_from_civil(date), day.time_since_epoch().count()) << to_string(date);
    ASSERT_EQ(civil_from_days(day.time_since_epoch().count()), date) << to_string(date);
    ASSERT_EQ(weekday(date), static_cast<int>(std::chrono::weekday{day}.iso_encoding()) - 1)
        << to_string(date);
  }
}

TEST(CivilDates, ParseAcceptsRealDatesAndPrintsThemBack) {
  for (const char* text : {"2026-12-25", "2024-02-29", "2000-02-29", "1970-01-01", "9999-12-31"}) {
    auto date = parse_civil_date(text);
    ASSERT_TRUE(date.ok()) << text;
    EXPECT_EQ(to_string(*date), text);
  }
}

TEST(CivilDates, ParseRefusesWhatIsNotARealDate) {
  for (const char* text : {"", "2026-1-05", "2026/01/05", "26-01-05", "2026-13-01", "2026-00-10",
                           "2026-02-29", "1900-02-29", "2026-04-31", "2026-01-00", "2026-01-32",
                           "+026-01-05", "2026-01-05T00", "2026-0a-05", " 2026-01-05"}) {
    auto date = parse_civil_date(text);
    ASSERT_FALSE(date.ok()) << "'" << text << "'";
    EXPECT_EQ(date.error().code, "invalid_value") << text;
    EXPECT_NE(date.error().message.find("is not a date"), std::string::npos) << text;
  }
}

struct LondonCase {
  const char* what;
  std::int64_t unix_ms;
  CivilDate london;
};

TEST(LondonDate, FollowsGmtAndBritishSummerTime) {
  const LondonCase cases[] = {
      {"summer 22:59:59.999 UTC is 23:59 London",
       utc_ms(2026, 7, 1, 22, 59, 59, 999),
       {2026, 7, 1}},
      {"summer 23:00 UTC is midnight London", utc_ms(2026, 7, 1, 23), {2026, 7, 2}},
      {"summer 23:30 UTC is the next London day", utc_ms(2026, 7, 1, 23, 30), {2026, 7, 2}},
      {"winter 23:30 UTC is the same day", utc_ms(2026, 1, 15, 23, 30), {2026, 1, 15}},
      {"winter midnight UTC is midnight London", utc_ms(2026, 1, 16), {2026, 1, 16}},
      {"Saturday before summer time: still GMT", utc_ms(2026, 3, 28, 23, 30), {2026, 3, 28}},
      {"last Sunday of March 00:59 UTC: GMT", utc_ms(2026, 3, 29, 0, 59, 59, 999), {2026, 3, 29}},
      {"last Sunday of March 01:00 UTC: BST begins", utc_ms(2026, 3, 29, 1), {2026, 3, 29}},
      {"first BST evening 23:00 UTC is the next day", utc_ms(2026, 3, 29, 23), {2026, 3, 30}},
      {"2025: BST began 30 March", utc_ms(2025, 3, 30, 23), {2025, 3, 31}},
      {"2025: 29 March 23:00 UTC still GMT", utc_ms(2025, 3, 29, 23), {2025, 3, 29}},
      {"eve of October change 22:59 UTC", utc_ms(2026, 10, 24, 22, 59, 59, 999), {2026, 10, 24}},
      {"eve of October change 23:00 UTC is midnight BST", utc_ms(2026, 10, 24, 23), {2026, 10, 25}},
      {"last Sunday of October 00:59 UTC: still BST",
       utc_ms(2026, 10, 25, 0, 59, 59, 999),
       {2026, 10, 25}},
      {"last Sunday of October 01:00 UTC: GMT again", utc_ms(2026, 10, 25, 1), {2026, 10, 25}},
      {"after the change 23:30 UTC is the same day", utc_ms(2026, 10, 25, 23, 30), {2026, 10, 25}},
      {"2024: BST ended 27 October", utc_ms(2024, 10, 26, 23, 30), {2024, 10, 27}},
      {"new year, winter", utc_ms(2026, 12, 31, 23, 59, 59, 999), {2026, 12, 31}},
      {"new year's first millisecond", utc_ms(2027, 1, 1), {2027, 1, 1}},
      {"before 1970 rounds down, not towards zero", -1, {1969, 12, 31}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(london_date(c.unix_ms), c.london)
        << c.what << ": got " << to_string(london_date(c.unix_ms));
  }
}

struct EndOfDayCase {
  CivilDate date;
  std::int64_t end_ms;
};

TEST(EndOfLondonDay, IsTheNextLondonMidnightInUtc) {
  const EndOfDayCase cases[] = {
      {{2026, 7, 1}, utc_ms(2026, 7, 1, 23)},      // BST: midnight is 23:00 UTC
      {{2026, 1, 15}, utc_ms(2026, 1, 16)},        // GMT
      {{2026, 3, 28}, utc_ms(2026, 3, 29)},        // the night the clocks go forward: GMT
      {{2026, 3, 29}, utc_ms(2026, 3, 29, 23)},    // the 23-hour day ends in BST
      {{2026, 10, 24}, utc_ms(2026, 10, 24, 23)},  // the night the clocks go back: BST
      {{2026, 10, 25}, utc_ms(2026, 10, 26)},      // the 25-hour day ends in GMT
      {{2026, 12, 31}, utc_ms(2027, 1, 1)},        // year end
  };
  for (const auto& c : cases) {
    EXPECT_EQ(end_of_london_day_ms(c.date), c.end_ms) << to_string(c.date);
  }
}

TEST(EndOfLondonDay, IsTheFirstMillisecondOfTheNextLondonDayEveryDay) {
  for (std::int64_t days = days_from_civil({2015, 1, 1}); days <= days_from_civil({2035, 12, 31});
       ++days) {
    const CivilDate date = civil_from_days(days);
    const std::int64_t end = end_of_london_day_ms(date);
    ASSERT_EQ(london_date(end - 1), date) << to_string(date);
    ASSERT_EQ(london_date(end), civil_from_days(days + 1)) << to_string(date);
  }
}

}  // namespace
}  // namespace accord::compliance
