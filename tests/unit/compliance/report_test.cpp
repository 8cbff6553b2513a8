// build_report and render_report (docs/compliance.md §5): the window, the filters, rows and
// totals counted by hand, and the three renderings.
#include "accord/compliance/report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace accord::compliance {
namespace {

constexpr std::int64_t kNov1 = 1'793'491'200'000;  // 2026-11-01T00:00:00Z (GMT)
constexpr std::int64_t kDec1 = 1'796'083'200'000;  // 2026-12-01T00:00:00Z
constexpr std::int64_t kHour = 3'600'000;

Clock clock(std::string informer, int right, std::string duty, std::int64_t start, bool enhanced,
            ClockStatus status) {
  Clock c;
  c.rule_set = "vcop-2020";
  c.duty = std::move(duty);
  c.right = right;
  c.informer = std::move(informer);
  c.sender = "court.x";
  c.message_id = "m" + std::to_string(start);
  c.event_type = "hearing.listed";
  c.case_urn = "urn:accord:case:1";
  c.subject_ref = "S-1";
  c.started_at_ms = start;
  c.start_basis = "submitted";
  c.enhanced = enhanced;
  c.deadline_working_days = 1;
  c.deadline_ms = start + 48 * kHour;
  c.status = status;
  if (status == ClockStatus::on_time || status == ClockStatus::late) {
    c.stopped_at_ms = start + kHour;
    c.stopped_by = "wcu.london/i1";
  }
  return c;
}

using S = ClockStatus;

// Eleven clocks; the window [Nov 1, Dec 1) holds nine of them.
const std::vector<Clock> kClocks = {
    clock("wcu.london", 8, "wcu-hearings", kNov1, false, S::on_time),
    clock("wcu.london", 8, "wcu-hearings", kNov1 + 24 * kHour, false, S::on_time),
    clock("wcu.london", 8, "wcu-hearings", kNov1 + 48 * kHour, false, S::late),
    clock("wcu.london", 8, "wcu-hearings", kNov1 + 50 * kHour, true, S::missing),
    clock("wcu.london", 9, "wcu-outcomes", kNov1 + 60 * kHour, false, S::open),
    clock("police.met", 6, "police-updates", kNov1 + 70 * kHour, false, S::late),
    clock("police.met", 6, "police-updates", kNov1 + 71 * kHour, false, S::missing),
    clock("police.met", 6, "police-updates", kNov1 + 72 * kHour, true, S::on_time),
    clock("cps.london", 6, "cps-decisions", kDec1 - 1, false, S::open),
    clock("police.met", 6, "police-updates", kNov1 - 1, false, S::late),  // before the window
    clock("cps.london", 6, "cps-decisions", kDec1, false, S::on_time),    // at its end: out
};

ReportFilter november() {
  ReportFilter f;
  f.from_ms = kNov1;
  f.to_ms = kDec1;
  f.as_of_ms = kDec1;
  return f;
}

TEST(ReportTest, RowsAndTotalsCountedByHand) {
  const Report r = build_report(kClocks, november());
  ASSERT_EQ(r.rows.size(), 6u);
  // Sorted by agency, right, rule, month, enhanced (standard first).
  EXPECT_EQ(r.rows[0].agency, "cps.london");
  EXPECT_EQ(r.rows[0].tally, (Tally{0, 0, 0, 1}));
  EXPECT_EQ(r.rows[1].agency, "police.met");
  EXPECT_FALSE(r.rows[1].enhanced);
  EXPECT_EQ(r.rows[1].duty, "vcop-2020/police-updates");
  EXPECT_EQ(r.rows[1].month, "2026-11");
  EXPECT_EQ(r.rows[1].tally, (Tally{0, 1, 1, 0}));
  EXPECT_TRUE(r.rows[2].enhanced);
  EXPECT_EQ(r.rows[2].tally, (Tally{1, 0, 0, 0}));
  EXPECT_EQ(r.rows[3].agency, "wcu.london");
  EXPECT_EQ(r.rows[3].right, 8);
  EXPECT_EQ(r.rows[3].tally, (Tally{2, 1, 0, 0}));
  EXPECT_EQ(r.rows[4].tally, (Tally{0, 0, 1, 0}));
  EXPECT_TRUE(r.rows[4].enhanced);
  EXPECT_EQ(r.rows[5].right, 9);
  EXPECT_EQ(r.rows[5].tally, (Tally{0, 0, 0, 1}));

  EXPECT_EQ(r.by_agency.at("wcu.london"), (Tally{2, 1, 1, 1}));
  EXPECT_EQ(r.by_agency.at("police.met"), (Tally{1, 1, 1, 0}));
  EXPECT_EQ(r.by_agency.at("cps.london"), (Tally{0, 0, 0, 1}));
  EXPECT_EQ(r.by_right.at(6), (Tally{1, 1, 1, 1}));
  EXPECT_EQ(r.by_right.at(8), (Tally{2, 1, 1, 0}));
  EXPECT_EQ(r.by_right.at(9), (Tally{0, 0, 0, 1}));
  EXPECT_EQ(r.total, (Tally{3, 2, 2, 2}));
  EXPECT_EQ(r.clocks.size(), 9u);
}

TEST(ReportTest, FiltersByAgencyAndRight) {
  struct Row {
    std::string agency;
    std::optional<int> right;
    Tally total;
    std::size_t rows;
  };
  const std::vector<Row> table = {
      {"", std::nullopt, {3, 2, 2, 2}, 6},
      {"police.met", std::nullopt, {1, 1, 1, 0}, 2},
      {"", 6, {1, 1, 1, 1}, 3},
      {"wcu.london", 9, {0, 0, 0, 1}, 1},
      {"wcu.london", 6, {0, 0, 0, 0}, 0},
      {"police", std::nullopt, {0, 0, 0, 0}, 0},  // an agency id, never a kind or prefix
  };
  for (const auto& row : table) {
    SCOPED_TRACE(row.agency + " " + (row.right ? std::to_string(*row.right) : "-"));
    ReportFilter f = november();
    f.agency = row.agency;
    f.right = row.right;
    const Report r = build_report(kClocks, f);
    EXPECT_EQ(r.total, row.total);
    EXPECT_EQ(r.rows.size(), row.rows);
  }
}

TEST(ReportTest, MonthIsTheLondonMonthOfTheStart) {
  // 2026-06-30T23:30Z is 1 July 00:30 in London (BST).
  const std::int64_t june30 = 1'782'862'200'000;
  ReportFilter f;
  f.from_ms = june30 - kHour;
  f.to_ms = june30 + kHour;
  f.as_of_ms = june30 + kHour;
  const Report r =
      build_report({clock("police.met", 6, "police-updates", june30, false, S::open)}, f);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].month, "2026-07");
}

TEST(ReportTest, CsvHasAHeaderAndQuotesPerRfc4180) {
  std::vector<Clock> clocks = {clock("wcu.london", 8, "wcu-hearings", kNov1, false, S::late)};
  clocks.push_back(clock("wcu.london", 8, "odd,\"duty\"", kNov1, true, S::open));
  const Report r = build_report(clocks, november());
  EXPECT_EQ(render_report(r, ReportFormat::csv),
            "agency,right,rule,month,enhanced,on_time,late,missing,open\r\n"
            "wcu.london,8,\"vcop-2020/odd,\"\"duty\"\"\",2026-11,true,0,0,0,1\r\n"
            "wcu.london,8,vcop-2020/wcu-hearings,2026-11,false,0,1,0,0\r\n");
}

TEST(ReportTest, JsonHasFilterRowsTotalsAndClocksOnlyWhenAsked) {
  ReportFilter f = november();
  f.agency = "police.met";
  Report r = build_report(kClocks, f);
  r.problems = {"a problem"};
  const auto doc = nlohmann::json::parse(render_report(r, ReportFormat::json));
  EXPECT_EQ(doc["filter"]["from"], "2026-11-01T00:00:00.000Z");
  EXPECT_EQ(doc["filter"]["to"], "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(doc["filter"]["as_of"], "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(doc["filter"]["agency"], "police.met");
  EXPECT_FALSE(doc["filter"].contains("right"));
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][0], nlohmann::json::parse(R"({"agency":"police.met","right":6,
      "rule":"vcop-2020/police-updates","month":"2026-11","enhanced":false,"on_time":0,
      "late":1,"missing":1,"open":0})"));
  EXPECT_EQ(doc["by_agency"], nlohmann::json::parse(
                                  R"([{"agency":"police.met","on_time":1,"late":1,"missing":1,
                                      "open":0}])"));
  EXPECT_EQ(doc["by_right"],
            nlohmann::json::parse(R"([{"right":6,"on_time":1,"late":1,"missing":1,"open":0}])"));
  EXPECT_EQ(doc["total"], nlohmann::json::parse(R"({"on_time":1,"late":1,"missing":1,"open":0})"));
  EXPECT_EQ(doc["problems"], nlohmann::json::parse(R"(["a problem"])"));
  EXPECT_FALSE(doc.contains("clocks"));

  const auto full = nlohmann::json::parse(render_report(r, ReportFormat::json, true));
  ASSERT_EQ(full["clocks"].size(), 3u);
  const auto& c = full["clocks"][0];
  EXPECT_EQ(c["informer"], "police.met");
  EXPECT_EQ(c["started_at"], "2026-11-03T22:00:00.000Z");
  EXPECT_EQ(c["stopped_at"], "2026-11-03T23:00:00.000Z");
  EXPECT_EQ(c["status"], "late");
  EXPECT_EQ(c["subject_ref"], "S-1");
  EXPECT_FALSE(full["clocks"][1].contains("stopped_at"));
}

TEST(ReportTest, TableShowsRowsTotalsAndProblems) {
  Report r = build_report(kClocks, november());
  r.problems = {"clock x is not counted"};
  const std::string text = render_report(r, ReportFormat::table);
  EXPECT_NE(text.find("AGENCY"), std::string::npos);
  EXPECT_NE(text.find("wcu.london  8      vcop-2020/wcu-hearings    2026-11  standard  2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("total"), std::string::npos);
  EXPECT_NE(text.find("problem: clock x is not counted"), std::string::npos);
  const Report empty = build_report({}, november());
  EXPECT_NE(render_report(empty, ReportFormat::table).find("(no clocks started in the window)"),
            std::string::npos);
}

TEST(ReportTest, FormatNames) {
  EXPECT_EQ(parse_report_format("table"), ReportFormat::table);
  EXPECT_EQ(parse_report_format("csv"), ReportFormat::csv);
  EXPECT_EQ(parse_report_format("json"), ReportFormat::json);
  EXPECT_EQ(parse_report_format("xml"), std::nullopt);
}

}  // namespace
}  // namespace accord::compliance
