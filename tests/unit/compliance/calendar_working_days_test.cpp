// Working-day arithmetic on the shipped England and Wales calendar (docs/compliance.md §1),
// on published (not provisional) years so the expectations are facts, not predictions.
#include <gtest/gtest.h>

#include "accord/compliance/calendar.hpp"
#include "test_calendar.hpp"

namespace accord::compliance {
namespace {

using testing::utc_ms;

const WorkingCalendar& shipped() {
  static const WorkingCalendar calendar = [] {
    auto loaded = WorkingCalendar::load(testing::read_source_file(testing::kCalendarFile),
                                        "bank-holidays-england-and-wales.yaml");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error().path << ": " << loaded.error().message;
      return WorkingCalendar();
    }
    return *loaded;
  }();
  return calendar;
}

struct AddCase {
  const char* what;
  CivilDate from;
  int n;
  CivilDate expected;
};

TEST(WorkingDays, AddSkipsWeekendsAndBankHolidays) {
  const AddCase cases[] = {
      {"Monday + 1", {2026, 12, 7}, 1, {2026, 12, 8}},
      {"Monday + 5 is the next Monday", {2026, 12, 7}, 5, {2026, 12, 14}},
      {"Friday + 1 skips the weekend", {2026, 12, 4}, 1, {2026, 12, 7}},
      {"start on a Saturday: day 1 is Monday", {2026, 12, 5}, 1, {2026, 12, 7}},
      {"start on a Sunday: day 1 is Monday", {2026, 12, 6}, 1, {2026, 12, 7}},
      {"same day (n = 0) on a working day", {2026, 12, 7}, 0, {2026, 12, 7}},
      {"same day (n = 0) on a Saturday stays there", {2026, 12, 5}, 0, {2026, 12, 5}},
      {"Christmas Eve 2026 + 1: 25th, weekend, 28th substitute", {2026, 12, 24}, 1, {2026, 12, 29}},
      {"Christmas Eve 2021 + 1: both substitutes 27th and 28th", {2021, 12, 24}, 1, {2021, 12, 29}},
      {"31 Dec 2025 + 1 is 2 Jan across New Year", {2025, 12, 31}, 1, {2026, 1, 2}},
      {"31 Dec 2026 + 1: New Year's Day Friday, weekend", {2026, 12, 31}, 1, {2027, 1, 4}},
      {"30 Dec 2022 + 1: New Year substitute Monday 2 Jan", {2022, 12, 30}, 1, {2023, 1, 3}},
      {"Maundy Thursday 2026 + 1 skips Good Friday to Easter Monday",
       {2026, 4, 2},
       1,
       {2026, 4, 7}},
      {"Maundy Thursday 2026 + 5", {2026, 4, 2}, 5, {2026, 4, 13}},
      {"start on Good Friday (a holiday) + 1", {2026, 4, 3}, 1, {2026, 4, 7}},
      {"Easter 2024 in March", {2024, 3, 28}, 1, {2024, 4, 2}},
      {"2020: VE Day Friday 8 May", {2020, 5, 7}, 1, {2020, 5, 11}},
      {"2020: Monday 4 May was a working day", {2020, 5, 1}, 1, {2020, 5, 4}},
      {"2022: Jubilee Thursday and Friday", {2022, 6, 1}, 1, {2022, 6, 6}},
      {"2022: last Monday of May was a working day", {2022, 5, 27}, 1, {2022, 5, 30}},
      {"2022: the State Funeral", {2022, 9, 16}, 1, {2022, 9, 20}},
      {"2023: the coronation", {2023, 5, 5}, 1, {2023, 5, 9}},
      {"summer bank holiday 2026", {2026, 8, 28}, 1, {2026, 9, 1}},
      {"ten working days over Christmas 2026", {2026, 12, 18}, 10, {2027, 1, 6}},
  };
  for (const auto& c : cases) {
    auto day = shipped().add_working_days(c.from, c.n);
    ASSERT_TRUE(day.ok()) << c.what << ": " << day.error().message;
    EXPECT_EQ(*day, c.expected) << c.what << ": got " << to_string(*day);
  }
}

struct BetweenCase {
  const char* what;
  CivilDate from;
  CivilDate to;
  int expected;
};

TEST(WorkingDays, BetweenCountsWorkingDaysAfterFromUpToAndIncludingTo) {
  const BetweenCase cases[] = {
      {"Monday to next Monday", {2026, 12, 7}, {2026, 12, 14}, 5},
      {"same day", {2026, 12, 7}, {2026, 12, 7}, 0},
      {"backwards is 0", {2026, 12, 14}, {2026, 12, 7}, 0},
      {"Friday to Sunday", {2026, 12, 4}, {2026, 12, 6}, 0},
      {"Friday to Monday", {2026, 12, 4}, {2026, 12, 7}, 1},
      {"over Christmas 2026", {2026, 12, 24}, {2026, 12, 29}, 1},
      {"over New Year 2026", {2025, 12, 31}, {2026, 1, 2}, 1},
      {"over Easter 2026", {2026, 4, 2}, {2026, 4, 7}, 1},
      {"a whole non-leap year 2026 (261 weekdays less 8 holidays)",
       {2025, 12, 31},
       {2026, 12, 31},
       253},
      {"2022: 260 weekdays less 10 holidays", {2021, 12, 31}, {2022, 12, 31}, 250},
  };
  for (const auto& c : cases) {
    auto count = shipped().working_days_between(c.from, c.to);
    ASSERT_TRUE(count.ok()) << c.what << ": " << count.error().message;
    EXPECT_EQ(*count, c.expected) << c.what;
  }
}

TEST(WorkingDays, BetweenUndoesAddForEveryStartIn2026) {
  for (std::int64_t days = days_from_civil({2026, 1, 1}); days <= days_from_civil({2026, 12, 31});
       ++days) {
    const CivilDate from = civil_from_days(days);
    for (int n : {0, 1, 2, 5, 10}) {
      auto to = shipped().add_working_days(from, n);
      ASSERT_TRUE(to.ok());
      auto count = shipped().working_days_between(from, *to);
      ASSERT_TRUE(count.ok());
      ASSERT_EQ(*count, n) << to_string(from) << " + " << n;
      // The n-th working day is a working day, and nothing earlier reaches n.
      if (n > 0) {
        ASSERT_TRUE(shipped().is_working_day(*to)) << to_string(*to);
      }
    }
  }
}

struct DeadlineCase {
  const char* what;
  std::int64_t start_ms;
  int n;
  std::int64_t deadline_ms;
};

TEST(WorkingDays, DeadlineIsTheEndOfTheNthWorkingDayInLondon) {
  const DeadlineCase cases[] = {
      {"winter Monday + 5", utc_ms(2026, 12, 7, 10), 5, utc_ms(2026, 12, 15)},
      {"same day (n = 0) in summer ends 23:00 UTC", utc_ms(2026, 7, 1, 12), 0,
       utc_ms(2026, 7, 1, 23)},
      {"23:30 UTC in summer starts on the next London day", utc_ms(2026, 7, 1, 23, 30), 1,
       utc_ms(2026, 7, 3, 23)},
      {"22:59 UTC in summer is still the same London day", utc_ms(2026, 7, 1, 22, 59), 1,
       utc_ms(2026, 7, 2, 23)},
      {"start on a Saturday", utc_ms(2026, 12, 5, 9), 1, utc_ms(2026, 12, 8)},
      {"start on Christmas Day", utc_ms(2026, 12, 25, 9), 1, utc_ms(2026, 12, 30)},
      {"over the October change: ends in GMT", utc_ms(2026, 10, 23, 12), 1, utc_ms(2026, 10, 27)},
      {"over the March change: ends in BST", utc_ms(2026, 3, 27, 12), 1, utc_ms(2026, 3, 30, 23)},
      {"start 00:30 UTC on the last Sunday of October (01:30 BST)", utc_ms(2026, 10, 25, 0, 30), 0,
       utc_ms(2026, 10, 26)},
      {"start 23:30 UTC on Saturday 24 October (00:30 BST Sunday)", utc_ms(2026, 10, 24, 23, 30), 1,
       utc_ms(2026, 10, 27)},
  };
  for (const auto& c : cases) {
    auto deadline = shipped().deadline_ms(c.start_ms, c.n);
    ASSERT_TRUE(deadline.ok()) << c.what << ": " << deadline.error().message;
    EXPECT_EQ(*deadline, c.deadline_ms) << c.what;
  }
}

TEST(WorkingDays, DaysTheFileDoesNotCoverAreOutsideCalendar) {
  const WorkingCalendar& calendar = shipped();
  ASSERT_EQ(calendar.last_year(), 2035);
  ASSERT_EQ(calendar.first_year(), 2015);

  auto past_end = calendar.add_working_days({2035, 12, 31}, 1);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.error().code, "outside_calendar");
  EXPECT_EQ(past_end.error().path, "2036-01-01");
  EXPECT_NE(past_end.error().message.find("2015 to 2035"), std::string::npos)
      << past_end.error().message;

  auto before_start = calendar.working_days_between({2014, 12, 30}, {2015, 1, 5});
  ASSERT_FALSE(before_start.ok());
  EXPECT_EQ(before_start.error().code, "outside_calendar");
  EXPECT_EQ(before_start.error().path, "2014-12-31");

  auto deadline = calendar.deadline_ms(utc_ms(2035, 12, 28, 12), 2);
  ASSERT_FALSE(deadline.ok());
  EXPECT_EQ(deadline.error().code, "outside_calendar");

  // Counting stops at the last day it needs: the last covered day itself is fine.
  auto last = calendar.add_working_days({2035, 12, 28}, 1);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, (CivilDate{2035, 12, 31}));
  // n = 0 judges no day, so it needs no coverage.
  auto same = calendar.add_working_days({2040, 6, 1}, 0);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, (CivilDate{2040, 6, 1}));
}

TEST(WorkingDays, NegativeCountIsRefused) {
  auto day = shipped().add_working_days({2026, 12, 7}, -1);
  ASSERT_FALSE(day.ok());
  EXPECT_EQ(day.error().code, "invalid_value");
}

}  // namespace
}  // namespace accord::compliance
