// The compliance report's query string and the feed's month: each key once, unknown keys
// refused, times read as the audit routes and `accord compliance report --db` read them (a
// date is midnight UTC). Every refusal is invalid_query with the key at fault in `path`.
#include "accord/api/compliance_query.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace accord::api {
namespace {

// Unix ms of instants worked out by hand (date -u -d ... +%s).
constexpr std::int64_t k2026_11_01_utc = 1'793'491'200'000;  // 2026-11-01T00:00:00Z (GMT)
constexpr std::int64_t k2026_07_01_utc = 1'782'864'000'000;  // 2026-07-01T00:00:00Z
constexpr std::int64_t kHour = 3'600'000;

struct Row {
  std::string name;
  std::string query;
  std::function<void(ComplianceQuery&)> expect;  // edits a default query into the expected one
  std::string refused_key = "-";                 // "-": accepted
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

Row ok(std::string name, std::string query, std::function<void(ComplianceQuery&)> expect) {
  return {std::move(name), std::move(query), std::move(expect), "-"};
}
Row refused(std::string name, std::string query, std::string key) {
  return {std::move(name), std::move(query), {}, std::move(key)};
}

class ComplianceQueryRows : public ::testing::TestWithParam<Row> {};

TEST_P(ComplianceQueryRows, ParsesOrRefusesAtTheKey) {
  const Row& row = GetParam();
  const auto got = parse_compliance_query(row.query);
  if (row.refused_key != "-") {
    ASSERT_FALSE(got.ok()) << row.query;
    EXPECT_EQ(got.error().code, "invalid_query");
    EXPECT_EQ(got.error().path, row.refused_key) << got.error().message;
    return;
  }
  ASSERT_TRUE(got.ok()) << got.error().message << " at " << got.error().path;
  ComplianceQuery want;
  row.expect(want);
  EXPECT_EQ(got->from_ms, want.from_ms);
  EXPECT_EQ(got->to_ms, want.to_ms);
  EXPECT_EQ(got->as_of_ms, want.as_of_ms);
  EXPECT_EQ(got->agency, want.agency);
  EXPECT_EQ(got->right, want.right);
  EXPECT_EQ(got->format, want.format);
  EXPECT_EQ(got->clocks, want.clocks);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ComplianceQueryRows,
    ::testing::Values(
        ok("empty", "", [](auto&) {}),
        ok("date_is_utc_midnight", "from=2026-11-01", [](auto& q) { q.from_ms = k2026_11_01_utc; }),
        ok("summer_date_is_utc_midnight_too", "to=2026-07-01",
           [](auto& q) { q.to_ms = k2026_07_01_utc; }),
        ok("rfc3339_instant", "as_of=2026-11-01T01:30:00%2B01:00",
           [](auto& q) { q.as_of_ms = k2026_11_01_utc + kHour / 2; }),
        ok("every_key",
           "from=2026-07-01&to=2026-11-01&as_of=2026-11-01T00:00:00Z&agency=wcu.met&right=8"
           "&format=csv",
           [](auto& q) {
             q.from_ms = k2026_07_01_utc;
             q.to_ms = k2026_11_01_utc;
             q.as_of_ms = k2026_11_01_utc;
             q.agency = "wcu.met";
             q.right = 8;
             q.format = "csv";
           }),
        ok("format_table", "format=table", [](auto& q) { q.format = "table"; }),
        ok("right_12", "right=12", [](auto& q) { q.right = 12; }),
        ok("clocks_listed", "clocks=true", [](auto& q) { q.clocks = true; }),
        ok("clocks_not_listed", "clocks=false&format=json", [](auto&) {}),
        refused("clocks_need_json", "clocks=true&format=csv", "clocks"),
        refused("clocks_yes", "clocks=yes", "clocks"), refused("right_0", "right=0", "right"),
        refused("right_13", "right=13", "right"), refused("right_word", "right=eight", "right"),
        refused("right_long_digits", "right=18102659810", "right"),
        refused("right_three_digits", "right=001", "right"),
        refused("right_sign", "right=+1", "right"), refused("right_empty", "right=", "right"),
        refused("format_xml", "format=xml", "format"),
        refused("impossible_date", "from=2026-02-30", "from"),
        refused("time_without_zone", "as_of=2026-11-01T00:00:00", "as_of"),
        refused("to_before_from", "from=2026-11-02&to=2026-11-01", "to"),
        refused("to_equals_from", "from=2026-11-01&to=2026-11-01", "to"),
        refused("twice", "agency=a.b&agency=c.d", "agency"),
        refused("empty_agency", "agency=", "agency"),
        refused("unknown_key", "case_urn=01AB", "case_urn"),
        refused("bad_escape", "agency=%zz", "agency")),
    [](const auto& info) { return info.param.name; });

TEST(ComplianceQueryJson, NamesTheSetMembersOnly) {
  auto q = parse_compliance_query("from=2026-11-01&right=6");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(compliance_query_json(*q),
            R"({"from":"2026-11-01T00:00:00.000Z","right":"6","format":"json"})");
}

TEST(ComplianceQueryJson, AnAgencyThatIsNotUtf8IsReplacedNotThrownOn) {
  auto q = parse_compliance_query("agency=poli%3Bce%CF");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(compliance_query_json(*q), "{\"agency\":\"poli;ce\xEF\xBF\xBD\",\"format\":\"json\"}");
}

TEST(FeedQuery, TakesOneCalendarMonth) {
  auto good = parse_feed_query("month=2026-11");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "2026-11");
  for (const std::string bad : {"", "month=2026-13", "month=2026-00", "month=2026-1",
                                "month=-026-11", "month=2026/11", "month=2026-11-01"}) {
    auto refused = parse_feed_query(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, "invalid_query");
    EXPECT_EQ(refused.error().path, "month") << bad;
  }
  auto unknown = parse_feed_query("month=2026-11&year=2026");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().path, "year");
}

}  // namespace
}  // namespace accord::api
