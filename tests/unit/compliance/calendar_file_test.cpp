// The shipped England and Wales calendar, cross-checked year by year against the statutory
// rules computed here independently (std::chrono's calendar and the anonymous Gregorian
// Easter algorithm), with the one-off changes made by royal proclamation listed explicitly.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <vector>

#include "accord/compliance/calendar.hpp"
#include "test_calendar.hpp"

namespace accord::compliance {
namespace {

using namespace std::chrono;

CivilDate civil(sys_days day) {
  const year_month_day ymd{day};
  return CivilDate{static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                   static_cast<int>(unsigned(ymd.day()))};
}

// Easter Sunday: the "anonymous Gregorian algorithm" (Meeus/Jones/Butcher).
sys_days easter_sunday(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
  const int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return sys_days{year{y} / month / day};
}

bool weekend(sys_days day) {
  return std::chrono::weekday{day} == Saturday || std::chrono::weekday{day} == Sunday;
}

// Banking and Financial Dealings Act 1971, schedule 1, and the yearly proclamations' usual
// substitutes: a day on a weekend moves to the next weekday not already a holiday.
std::set<CivilDate> statutory(int y) {
  std::vector<sys_days> fixed = {sys_days{year{y} / January / 1}, sys_days{year{y} / December / 25},
                                 sys_days{year{y} / December / 26}};
  std::set<sys_days> holidays = {
      easter_sunday(y) - days{2},
      easter_sunday(y) + days{1},
      sys_days{year{y} / May / Monday[1]},
      sys_days{year{y} / May / Monday[last]},
      sys_days{year{y} / August / Monday[last]},
  };
  for (sys_days day : fixed) {
    while (weekend(day) || holidays.contains(day)) day += days{1};
    holidays.insert(day);
  }
  std::set<CivilDate> out;
  for (sys_days day : holidays) out.insert(civil(day));
  return out;
}

struct Exception {
  CivilDate date;
  bool added;  // false: a statutory day that was moved away
  const char* why;
};

// The one-off changes since 2015, from gov.uk/bank-holidays.
const Exception kExceptions[] = {
    {{2020, 5, 4}, false, "Early May bank holiday moved to Friday 8 May (VE Day 75)"},
    {{2020, 5, 8}, true, "VE Day 75"},
    {{2022, 5, 30}, false, "Spring bank holiday moved to Thursday 2 June"},
    {{2022, 6, 2}, true, "Spring bank holiday (moved)"},
    {{2022, 6, 3}, true, "Platinum Jubilee"},
    {{2022, 9, 19}, true, "State Funeral of Queen Elizabeth II"},
    {{2023, 5, 8}, true, "Coronation of King Charles III"},
};

TEST(CalendarFile, EveryYearMatchesTheStatutoryRulesAndTheListedExceptions) {
  const std::string text = testing::read_source_file(testing::kCalendarFile);
  ASSERT_FALSE(text.empty());
  auto calendar = WorkingCalendar::load(text, "bank-holidays-england-and-wales.yaml");
  ASSERT_TRUE(calendar.ok()) << calendar.error().path << ": " << calendar.error().message;
  EXPECT_LE(calendar->first_year(), 2020);
  EXPECT_GE(calendar->last_year(), 2030);
  EXPECT_NE(calendar->source().find("gov.uk/bank-holidays"), std::string::npos);

  for (int y = calendar->first_year(); y <= calendar->last_year(); ++y) {
    std::set<CivilDate> expected = statutory(y);
    for (const auto& exception : kExceptions) {
      if (exception.date.year != y) continue;
      if (exception.added) {
        expected.insert(exception.date);
      } else {
        expected.erase(exception.date);
      }
    }
    std::set<CivilDate> listed;
    for (sys_days day = sys_days{year{y} / January / 1}; day <= sys_days{year{y} / December / 31};
         day += days{1}) {
      if (calendar->is_bank_holiday(civil(day))) listed.insert(civil(day));
    }
    for (const CivilDate& date : expected) {
      EXPECT_TRUE(listed.contains(date)) << "missing from the file: " << to_string(date);
    }
    for (const CivilDate& date : listed) {
      EXPECT_TRUE(expected.contains(date))
          << "not a bank holiday by the rules: " << to_string(date);
    }
  }
}

TEST(CalendarFile, ComputedYearsAreMarkedProvisionalWholeYearsAtTheEnd) {
  auto calendar = WorkingCalendar::load(testing::read_source_file(testing::kCalendarFile),
                                        "bank-holidays-england-and-wales.yaml");
  ASSERT_TRUE(calendar.ok()) << calendar.error().message;
  bool seen_provisional_year = false;
  for (int y = calendar->first_year(); y <= calendar->last_year(); ++y) {
    int holidays = 0;
    int provisional = 0;
    for (sys_days day = sys_days{year{y} / January / 1}; day <= sys_days{year{y} / December / 31};
         day += days{1}) {
      holidays += calendar->is_bank_holiday(civil(day)) ? 1 : 0;
      provisional += calendar->is_provisional(civil(day)) ? 1 : 0;
    }
    // A year is published or computed as a whole, and once one is computed so is every later
    // one; the years whose one-off days are known are published.
    EXPECT_TRUE(provisional == 0 || provisional == holidays) << y;
    if (seen_provisional_year) {
      EXPECT_EQ(provisional, holidays) << y;
    }
    seen_provisional_year = seen_provisional_year || provisional > 0;
    if (y <= 2026) {
      EXPECT_EQ(provisional, 0) << y;
    }
  }
  EXPECT_TRUE(seen_provisional_year);
  EXPECT_TRUE(calendar->is_provisional({2030, 12, 25}));
}

TEST(CalendarFile, TheIndependentRulesKnowTheirEaster) {
  // Known Easter Sundays, so the cross-check above cannot pass with a wrong algorithm.
  EXPECT_EQ(civil(easter_sunday(2019)), (CivilDate{2019, 4, 21}));
  EXPECT_EQ(civil(easter_sunday(2024)), (CivilDate{2024, 3, 31}));
  EXPECT_EQ(civil(easter_sunday(2026)), (CivilDate{2026, 4, 5}));
  EXPECT_EQ(civil(easter_sunday(2038)), (CivilDate{2038, 4, 25}));
  EXPECT_EQ(statutory(2021).size(), 8u);
  EXPECT_TRUE(statutory(2021).contains(CivilDate{2021, 12, 27}));  // Christmas on a Saturday
  EXPECT_TRUE(statutory(2021).contains(CivilDate{2021, 12, 28}));  // Boxing Day on a Sunday
  EXPECT_TRUE(statutory(2022).contains(CivilDate{2022, 12, 27}));  // Christmas on a Sunday
  EXPECT_TRUE(statutory(2026).contains(CivilDate{2026, 12, 28}));  // Boxing Day on a Saturday
}

}  // namespace
}  // namespace accord::compliance
