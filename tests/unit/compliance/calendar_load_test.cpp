// WorkingCalendar::load (docs/compliance.md §1): a good file, and every refusal with its code
// and file:line:col.
#include <gtest/gtest.h>

#include <string>

#include "accord/compliance/calendar.hpp"

namespace accord::compliance {
namespace {

constexpr const char* kGood = R"(version: 1
source: "test data"
years: {first: 2026, last: 2027}
holidays:
  - {date: 2026-12-25, name: Christmas Day}
  - {date: 2026-12-28, name: Boxing Day (substitute day)}
  - date: 2027-01-01
    name: New Year's Day
    provisional: true
)";

TEST(CalendarLoad, ReadsAGoodFile) {
  auto calendar = WorkingCalendar::load(kGood, "good.yaml");
  ASSERT_TRUE(calendar.ok()) << calendar.error().path << ": " << calendar.error().message;
  EXPECT_EQ(calendar->source(), "test data");
  EXPECT_EQ(calendar->first_year(), 2026);
  EXPECT_EQ(calendar->last_year(), 2027);
  EXPECT_TRUE(calendar->covers({2026, 1, 1}));
  EXPECT_TRUE(calendar->covers({2027, 12, 31}));
  EXPECT_FALSE(calendar->covers({2025, 12, 31}));
  EXPECT_FALSE(calendar->covers({2028, 1, 1}));
  EXPECT_TRUE(calendar->is_bank_holiday({2026, 12, 25}));
  EXPECT_TRUE(calendar->is_bank_holiday({2027, 1, 1}));
  EXPECT_FALSE(calendar->is_bank_holiday({2026, 12, 26}));  // Saturday: not listed
  EXPECT_FALSE(calendar->is_working_day({2026, 12, 25}));   // holiday
  EXPECT_FALSE(calendar->is_working_day({2026, 12, 26}));   // Saturday
  EXPECT_FALSE(calendar->is_working_day({2026, 12, 27}));   // Sunday
  EXPECT_FALSE(calendar->is_working_day({2026, 12, 28}));   // substitute day
  EXPECT_TRUE(calendar->is_working_day({2026, 12, 29}));
  EXPECT_TRUE(calendar->is_provisional({2027, 1, 1}));
  EXPECT_FALSE(calendar->is_provisional({2026, 12, 25}));
  EXPECT_FALSE(calendar->is_provisional({2027, 1, 4}));  // not a holiday at all
}

struct Refusal {
  const char* what;
  std::string text;
  std::string path;     // exact, file name included
  std::string message;  // a fragment of the message
};

std::string with_holidays(const std::string& years, const std::string& holidays) {
  return "version: 1\nsource: s\nyears: " + years + "\nholidays:\n" + holidays;
}

TEST(CalendarLoad, RefusesBadFilesAtTheirPosition) {
  const Refusal cases[] = {
      {"empty file", "", "bad.yaml:1:1", "empty"},
      {"yaml syntax", "version: [1\n", "bad.yaml:2:1", ""},
      {"not a mapping", "- 1\n", "bad.yaml:1:1", "mapping"},
      {"unknown top-level key", "version: 1\nsorce: s\n", "bad.yaml:2:1", "unknown key 'sorce'"},
      {"missing source", "version: 1\nyears: {first: 2026, last: 2026}\nholidays: []\n",
       "bad.yaml:1:1", "missing required key 'source'"},
      {"duplicate key", "version: 1\nversion: 1\n", "bad.yaml:2:1", "duplicate key 'version'"},
      {"version 2", "version: 2\n", "bad.yaml:1:10", "unsupported calendar version"},
      {"version not a number", "version: one\n", "bad.yaml:1:10", "wrong type"},
      {"empty source", "version: 1\nsource: ''\n", "bad.yaml:2:9", "source must not be empty"},
      {"years not a mapping", with_holidays("2026", ""), "bad.yaml:3:8", "mapping"},
      {"years missing last", with_holidays("{first: 2026}", ""), "bad.yaml:3:8",
       "missing required key 'last'"},
      {"years not four digits", with_holidays("{first: 26, last: 2026}", ""), "bad.yaml:3:16",
       "four-digit year"},
      {"years backwards", with_holidays("{first: 2027, last: 2026}", "  []\n"), "bad.yaml:3:28",
       "must not be before"},
      {"holidays not a list", with_holidays("{first: 2026, last: 2026}", "  x: 1\n"),
       "bad.yaml:5:3", "expected a list"},
      {"holiday not a mapping", with_holidays("{first: 2026, last: 2026}", "  - 2026-12-25\n"),
       "bad.yaml:5:5", "mapping"},
      {"holiday without a name",
       with_holidays("{first: 2026, last: 2026}", "  - {date: 2026-12-25}\n"), "bad.yaml:5:5",
       "missing required key 'name'"},
      {"holiday with an unknown key",
       with_holidays("{first: 2026, last: 2026}", "  - {date: 2026-12-25, name: x, note: y}\n"),
       "bad.yaml:5:33", "unknown key 'note'"},
      {"provisional not a boolean",
       with_holidays("{first: 2026, last: 2026}",
                     "  - {date: 2026-12-25, name: x, provisional: maybe}\n"),
       "bad.yaml:5:46", "expected true or false"},
      {"date not a real date",
       with_holidays("{first: 2026, last: 2026}", "  - {date: 2026-02-30, name: x}\n"),
       "bad.yaml:5:12", "is not a date"},
      {"date in the wrong form",
       with_holidays("{first: 2026, last: 2026}", "  - {date: 25/12/2026, name: x}\n"),
       "bad.yaml:5:12", "is not a date"},
      {"date outside the years",
       with_holidays("{first: 2026, last: 2026}",
                     "  - {date: 2026-12-25, name: x}\n  - {date: 2027-01-01, name: y}\n"),
       "bad.yaml:6:12", "outside years 2026 to 2026"},
      {"holiday on a Saturday",
       with_holidays("{first: 2026, last: 2026}", "  - {date: 2026-12-26, name: Boxing Day}\n"),
       "bad.yaml:5:12", "falls on a weekend"},
      {"holiday listed twice",
       with_holidays("{first: 2026, last: 2026}",
                     "  - {date: 2026-12-25, name: x}\n  - {date: 2026-12-25, name: y}\n"),
       "bad.yaml:6:12", "listed twice"},
      {"holidays out of order",
       with_holidays("{first: 2026, last: 2026}",
                     "  - {date: 2026-12-25, name: x}\n  - {date: 2026-01-01, name: y}\n"),
       "bad.yaml:6:12", "date order"},
      {"a covered year without holidays",
       with_holidays("{first: 2026, last: 2027}", "  - {date: 2026-12-25, name: x}\n"),
       "bad.yaml:3:8", "year 2027 is covered but has no holidays"},
  };
  for (const auto& c : cases) {
    auto calendar = WorkingCalendar::load(c.text, "bad.yaml");
    ASSERT_FALSE(calendar.ok()) << c.what;
    EXPECT_EQ(calendar.error().code, "invalid_calendar") << c.what;
    EXPECT_EQ(calendar.error().path, c.path) << c.what << ": " << calendar.error().message;
    EXPECT_NE(calendar.error().message.find(c.message), std::string::npos)
        << c.what << ": " << calendar.error().message;
  }
}

}  // namespace
}  // namespace accord::compliance
