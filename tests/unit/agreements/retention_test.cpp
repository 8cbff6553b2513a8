// Retention periods: the ISO 8601 duration grammar, the calendar arithmetic (end of month,
// leap day, year end) and the purge cutoff (docs/agreements.md "Retention").
#include "accord/agreements/retention.hpp"

#include <gtest/gtest.h>

#include "accord/agreements/loader.hpp"
#include "accord/agreements/retention_routes.hpp"
#include "accord/core/time_format.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

// "2026-01-31T00:00:00.001Z" in ms (parse_instant keeps whole seconds only).
std::int64_t ms(std::string_view rfc3339) {
  const auto dot = rfc3339.find('.');
  std::int64_t fraction = 0;
  std::string whole(rfc3339);
  if (dot != std::string_view::npos) {
    fraction = std::stoi(std::string(rfc3339.substr(dot + 1, 3)));
    whole = std::string(rfc3339.substr(0, dot)) + "Z";
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             testing::at(whole).time_since_epoch())
             .count() +
         fraction;
}

IsoDuration dur(std::string_view text) {
  const auto parsed = parse_duration(text);
  EXPECT_TRUE(parsed.duration.has_value()) << text;
  return parsed.duration.value_or(IsoDuration{});
}

struct GoodRow {
  const char* text;
  IsoDuration want;
};

TEST(Duration, ParsesTheDesignatorForm) {
  const GoodRow rows[] = {
      {"P2Y", {2, 0, 0, 0, 0, 0, 0}},
      {"P6M", {0, 6, 0, 0, 0, 0, 0}},
      {"P4W", {0, 0, 4, 0, 0, 0, 0}},
      {"P30D", {0, 0, 0, 30, 0, 0, 0}},
      {"P1Y6M", {1, 6, 0, 0, 0, 0, 0}},
      {"P1Y2M3W4DT5H6M7S", {1, 2, 3, 4, 5, 6, 7}},
      {"PT36H", {0, 0, 0, 0, 36, 0, 0}},
      {"PT90M", {0, 0, 0, 0, 0, 90, 0}},
      {"PT1S", {0, 0, 0, 0, 0, 0, 1}},
      {"P0Y1D", {0, 0, 0, 1, 0, 0, 0}},  // a zero component is fine when another is not
      {"P9999Y", {9999, 0, 0, 0, 0, 0, 0}},
  };
  for (const auto& row : rows) {
    const auto parsed = parse_duration(row.text);
    ASSERT_TRUE(parsed.duration.has_value()) << row.text << ": " << parsed.error->message;
    EXPECT_FALSE(parsed.error.has_value());
    EXPECT_EQ(*parsed.duration, row.want) << row.text;
  }
}

struct BadRow {
  const char* text;
  const char* why;  // a part of the message
};

TEST(Duration, RefusesEverythingElseWithAReason) {
  const BadRow rows[] = {
      {"", "start with P"},
      {"2Y", "start with P"},
      {"p2y", "start with P"},
      {"P", "no component"},
      {"PT", "T is not followed"},
      {"P1YT", "T is not followed"},
      {"P0D", "zero"},
      {"PT0S", "zero"},
      {"P1.5Y", "fractions"},
      {"PT0,5S", "fractions"},
      {"P-1Y", "no sign"},
      {"P+1Y", "no sign"},
      {"P1", "no designator"},
      {"P1M1Y", "not a designator here"},  // out of order
      {"P1Y1Y", "not a designator here"},  // twice
      {"P1H", "not a designator here"},    // H needs T
      {"PT1D", "not a designator here"},   // D after T
      {"PT1HT1M", "T appears twice"},
      {"PT1H1TM", "not a designator here"},
      {"P1y", "not a designator here"},
      {"P10000Y", "more than 4 digits"},
      {"P 1Y", "expected a number"},
      {"1 year", "start with P"},
      {"per MoPI review schedule", "start with P"},
  };
  for (const auto& row : rows) {
    const auto parsed = parse_duration(row.text);
    EXPECT_FALSE(parsed.duration.has_value()) << row.text;
    ASSERT_TRUE(parsed.error.has_value()) << row.text;
    EXPECT_NE(parsed.error->message.find(row.why), std::string::npos)
        << row.text << ": " << parsed.error->message;
    EXPECT_NE(parsed.error->message.find(std::string("`") + row.text + "`"), std::string::npos)
        << "the message names the text: " << parsed.error->message;
  }
}

struct AddRow {
  const char* from;
  const char* period;
  const char* want;
};

TEST(Duration, AddsOnTheCalendarClampingTheDay) {
  const AddRow rows[] = {
      {"2026-01-31T10:00:00Z", "P1M", "2026-02-28T10:00:00Z"},  // clamped to February's end
      {"2024-01-31T10:00:00Z", "P1M", "2024-02-29T10:00:00Z"},  // leap year
      {"2024-02-29T00:00:00Z", "P1Y", "2025-02-28T00:00:00Z"},  // leap day, plain year
      {"2024-02-29T00:00:00Z", "P4Y", "2028-02-29T00:00:00Z"},
      {"2026-03-31T23:59:59Z", "P1M", "2026-04-30T23:59:59Z"},
      {"2026-11-30T08:00:00Z", "P2M", "2027-01-30T08:00:00Z"},  // across the year end
      {"2026-12-31T08:00:00Z", "P1Y", "2027-12-31T08:00:00Z"},
      {"2026-01-31T00:00:00Z", "P1M1D", "2026-03-01T00:00:00Z"},  // months first, then days
      {"2026-12-25T12:00:00Z", "P2W", "2027-01-08T12:00:00Z"},
      {"2026-03-28T12:00:00Z", "P1D", "2026-03-29T12:00:00Z"},  // UTC: no DST change
      {"2026-06-01T23:30:00Z", "PT1H", "2026-06-02T00:30:00Z"},
      {"2026-06-01T00:00:00Z", "PT36H", "2026-06-02T12:00:00Z"},
      {"2026-06-01T00:00:00Z", "P1Y6M", "2027-12-01T00:00:00Z"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(format_time_ms(add_duration_ms(ms(row.from), dur(row.period))),
              format_time_ms(ms(row.want)))
        << row.from << " + " << row.period;
  }
  // Milliseconds are kept.
  EXPECT_EQ(add_duration_ms(ms("2026-01-31T10:00:00Z") + 123, dur("P1M")),
            ms("2026-02-28T10:00:00Z") + 123);
}

// Past retention is judged per item: with the day clamped, a later receipt can end earlier,
// so no single cutoff time would do.
TEST(Duration, PastRetentionIsJudgedPerReceipt) {
  struct Row {
    const char* received;
    const char* period;
    const char* now;
    bool past;
  };
  const Row rows[] = {
      {"2025-06-01T12:00:00Z", "P1Y", "2026-06-01T12:00:00Z", true},  // exactly at the end
      {"2025-06-01T12:00:00.001Z", "P1Y", "2026-06-01T12:00:00Z", false},
      {"2026-01-28T12:00:00Z", "P1M", "2026-02-28T00:00:00Z", false},  // ends 02-28 12:00
      {"2026-01-29T00:00:00Z", "P1M", "2026-02-28T00:00:00Z", true},   // later, ends earlier
      {"2026-01-31T00:00:00Z", "P1M", "2026-02-28T00:00:00Z", true},
      {"2026-01-31T00:00:00.001Z", "P1M", "2026-02-28T00:00:00Z", false},
      {"2024-02-29T00:00:00Z", "P1Y", "2025-02-28T00:00:00Z", true},
      {"2026-05-02T12:00:00Z", "P30D", "2026-06-01T12:00:00Z", true},
      {"2026-06-01T11:59:59Z", "PT1S", "2026-06-01T12:00:00Z", true},
      {"2026-06-01T11:59:59.001Z", "PT1S", "2026-06-01T12:00:00Z", false},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(past_retention(ms(row.received), dur(row.period), ms(row.now)), row.past)
        << row.received << " + " << row.period << " at " << row.now;
  }
}

TEST(Retention, TriggersAreAClosedList) {
  for (const auto t : kRetentionTriggers) EXPECT_TRUE(is_retention_trigger(t)) << t;
  EXPECT_FALSE(is_retention_trigger("case finalised"));
  EXPECT_FALSE(is_retention_trigger(""));
  EXPECT_FALSE(is_retention_trigger("Receipt"));
}

TEST(Retention, LoaderKeepsTheParsedPeriod) {
  const Agreement a = testing::load(testing::base_yaml());
  ASSERT_FALSE(a.retention.empty());
  EXPECT_EQ(a.retention[0].period, "P1Y");
  EXPECT_EQ(a.retention[0].duration, (IsoDuration{1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(a.retention[0].trigger, "case_closed");
}

// The invalid_retention diagnostic points at the value, line:col.
TEST(Retention, InvalidPeriodPointsAtTheValue) {
  const std::string text = testing::replace(testing::base_yaml(), "period: P1Y", "period: 2 years");
  const LoadResult r = parse(text, "bad.yaml");
  ASSERT_FALSE(r.ok());
  bool found = false;
  for (const auto& d : r.diagnostics) {
    if (d.code != "invalid_retention") continue;
    found = true;
    EXPECT_EQ(d.pos, testing::pos_of(text, "2 years"));
    EXPECT_NE(d.message.find("`2 years`"), std::string::npos) << d.message;
    EXPECT_NE(d.hint.find("P2Y"), std::string::npos) << d.hint;
  }
  EXPECT_TRUE(found);
}

// The table of routes: agreements in force in enforce mode only, the recipient's shortest
// entry per agreement, one period per covering agreement; past() is true once the first runs
// out; an uncovered route falls back to the default.
TEST(Retention, TableCoversRoutesOfAgreementsInForce) {
  using testing::base_yaml;
  using testing::replace;
  // base: police.met -> provider.lvws (P1Y), provider.survivors-uk (P1Y); referral.created.
  std::vector<Agreement> set;
  set.push_back(testing::load(
      replace(base_yaml(), "provider.lvws, period: P1Y", "provider.lvws, period: P6M")));
  set.push_back(testing::load(
      replace(replace(replace(base_yaml(), "id: test-agreement", "id: z-longer"),
                      "provider.lvws, period: P1Y", "provider.lvws, period: P2Y"),
              "provider.survivors-uk, period: P1Y", "provider.survivors-uk, period: P3M")));
  set.push_back(
      testing::load(replace(replace(replace(base_yaml(), "id: test-agreement", "id: a-shadow"),
                                    "status: active", "status: active\nmode: shadow"),
                            "provider.lvws, period: P1Y", "provider.lvws, period: P1D")));
  set.push_back(testing::load(replace(replace(base_yaml(), "id: test-agreement", "id: b-ended"),
                                      "valid_until: 2027-01-01", "valid_until: 2026-02-01")));
  const std::int64_t now = ms("2026-06-01T00:00:00Z");
  const RetentionTable table(set, now);
  const auto* lvws = table.periods("police.met", "provider.lvws", "referral.created");
  ASSERT_NE(lvws, nullptr);
  ASSERT_EQ(lvws->size(), 2u);  // not the shadow one, not the ended one
  EXPECT_EQ((*lvws)[0].agreement, "test-agreement@1");
  EXPECT_EQ((*lvws)[0].period, "P6M");
  EXPECT_EQ((*lvws)[1].agreement, "z-longer@1");
  EXPECT_EQ(table.periods("police.met", "provider.lvws", "hearing.listed"), nullptr);
  const IsoDuration year = dur("P1Y");
  // lvws: the shorter P6M decides.
  EXPECT_TRUE(table.past("police.met", "provider.lvws", "referral.created",
                         ms("2025-12-01T00:00:00Z"), now, year));
  EXPECT_FALSE(table.past("police.met", "provider.lvws", "referral.created",
                          ms("2025-12-01T00:00:00.001Z"), now, year));
  // survivors-uk: P1Y in one, P3M in the other.
  EXPECT_TRUE(table.past("police.met", "provider.survivors-uk", "referral.created",
                         ms("2026-03-01T00:00:00Z"), now, year));
  // Uncovered: the default.
  EXPECT_FALSE(table.past("police.met", "provider.lvws", "hearing.listed",
                          ms("2025-06-01T00:00:00.001Z"), now, year));
  EXPECT_TRUE(table.past("police.met", "provider.lvws", "hearing.listed",
                         ms("2025-06-01T00:00:00Z"), now, year));
}

}  // namespace
}  // namespace accord::agreements
