// The oversight feed's months and content (docs/compliance.md §6): London months across the
// clock changes and year ends, the rows summed per agency, right and enhanced, and the
// compliance.summary envelope byte for byte (counts only: no case, subject or message id).
#include "accord/app/compliance_feed.hpp"

#include <gtest/gtest.h>

namespace accord::app {
namespace {

// Unix ms worked out by hand (date -u -d ... +%s).
constexpr std::int64_t k2026_11_01 = 1'793'491'200'000;  // 2026-11-01T00:00:00Z, GMT
constexpr std::int64_t k2026_12_01 = 1'796'083'200'000;  // 2026-12-01T00:00:00Z, GMT
constexpr std::int64_t k2026_07_01 = 1'782'864'000'000;  // 2026-07-01T00:00:00Z, BST
constexpr std::int64_t kHour = 3'600'000;

struct MonthRow {
  std::string name;
  std::int64_t at_ms;
  std::string month;     // month_of(at_ms)
  std::string previous;  // previous_month
  std::string next;      // next_month
};

class MonthRows : public ::testing::TestWithParam<MonthRow> {};

TEST_P(MonthRows, LondonMonthOfAnInstant) {
  const auto& row = GetParam();
  const Month month = month_of(row.at_ms);
  EXPECT_EQ(month_name(month), row.month);
  EXPECT_EQ(month_name(previous_month(month)), row.previous);
  EXPECT_EQ(month_name(next_month(month)), row.next);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MonthRows,
    ::testing::Values(
        MonthRow{"first_ms_of_november_gmt", k2026_11_01, "2026-11", "2026-10", "2026-12"},
        MonthRow{"last_ms_of_october_gmt", k2026_11_01 - 1, "2026-10", "2026-09", "2026-11"},
        // 2026-06-30T23:30Z is 00:30 BST on 1 July.
        MonthRow{"july_starts_an_hour_early_in_bst", k2026_07_01 - kHour / 2, "2026-07", "2026-06",
                 "2026-08"},
        MonthRow{"june_before_that", k2026_07_01 - kHour - 1, "2026-06", "2026-05", "2026-07"},
        MonthRow{"december_wraps_forward", k2026_12_01, "2026-12", "2026-11", "2027-01"},
        MonthRow{"january_wraps_back", 1'798'761'600'000 /* 2027-01-01Z */, "2027-01", "2026-12",
                 "2027-02"}),
    [](const auto& info) { return info.param.name; });

TEST(MonthStart, IsMidnightLondonTime) {
  EXPECT_EQ(month_start_ms(Month{2026, 11, 1}), k2026_11_01);
  EXPECT_EQ(month_start_ms(Month{2026, 12, 1}), k2026_12_01);
  EXPECT_EQ(month_start_ms(Month{2026, 7, 1}), k2026_07_01 - kHour);
}

TEST(ParseMonth, TakesYyyyMm) {
  ASSERT_TRUE(parse_month("2026-11").has_value());
  EXPECT_EQ(*parse_month("2026-11"), (Month{2026, 11, 1}));
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", ""}) {
    EXPECT_FALSE(parse_month(bad).has_value()) << bad;
  }
}

compliance::ReportRow row(std::string agency, int right, std::string duty, bool enhanced,
                          compliance::Tally tally) {
  compliance::ReportRow r;
  r.agency = std::move(agency);
  r.right = right;
  r.duty = std::move(duty);
  r.enhanced = enhanced;
  r.month = "2026-11";
  r.tally = tally;
  return r;
}

TEST(FeedRows, SumDutiesPerAgencyRightAndEnhanced) {
  compliance::Report report;
  report.rows = {row("cps.london", 6, "vcop-2020/cps-decisions", false, {1, 2, 3, 4}),
                 row("police.met", 6, "vcop-2020/police-updates", false, {1, 0, 0, 0}),
                 row("wcu.met", 9, "vcop-2020/court-to-wcu-results", false, {0, 1, 0, 0}),
                 row("wcu.met", 9, "vcop-2020/wcu-outcomes", false, {2, 0, 1, 0}),
                 row("wcu.met", 9, "vcop-2020/wcu-outcomes", true, {0, 0, 0, 5})};
  const auto rows = feed_rows(report);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].agency, "cps.london");
  EXPECT_EQ(rows[0].tally, (compliance::Tally{1, 2, 3, 4}));
  EXPECT_EQ(rows[1].agency, "police.met");
  EXPECT_EQ(rows[2].agency, "wcu.met");
  EXPECT_EQ(rows[2].right, 9);
  EXPECT_FALSE(rows[2].enhanced);
  EXPECT_EQ(rows[2].tally, (compliance::Tally{2, 1, 1, 0}));
  EXPECT_TRUE(rows[3].enhanced);
  EXPECT_EQ(rows[3].tally, (compliance::Tally{0, 0, 0, 5}));
}

TEST(SummaryEnvelope, CountsOnlyByteForByte) {
  const std::vector<FeedRow> rows{{"wcu.met", 8, true, {1, 0, 2, 3}}};
  EXPECT_EQ(summary_id(Month{2026, 11, 1}), "compliance-summary-2026-11");
  EXPECT_EQ(
      summary_envelope(Month{2026, 11, 1}, "gateway.london", {"vcop-2020"}, rows),
      R"({"id":"compliance-summary-2026-11","type":"compliance.summary",)"
      R"("case":{"urn":"accord-compliance-2026-11","owner":"gateway.london"},)"
      R"("subject":{"role":"victim","ref":"aggregate"},"occurred_at":"2026-12-01T00:00:00.000Z",)"
      R"("classification":"OFFICIAL","data":{"period":"2026-11","rule_sets":["vcop-2020"],)"
      R"("rows":[{"agency":"wcu.met","right":8,"enhanced":true,"on_time":1,"late":0,)"
      R"("missing":2,"open":3}]}})");
}

}  // namespace
}  // namespace accord::app
