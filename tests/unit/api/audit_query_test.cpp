// The auditor routes' query string: filters and paging, percent-decoded, each key once,
// unknown keys refused (a typo must not widen a query to the whole log). Every refusal is
// invalid_query with the key at fault in `path`.
#include "accord/api/audit_query.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace accord::api {
namespace {

using Accepts = AuditQueryAccepts;

struct Row {
  std::string name;
  std::string query;
  Accepts accepts = Accepts::filters_and_paging;
  std::function<void(AuditQuery&)> expect;  // edits a default AuditQuery into the expected one
  std::string refused_key = "-";            // "-": accepted
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

Row ok(std::string name, std::string query, std::function<void(AuditQuery&)> expect,
       Accepts accepts = Accepts::filters_and_paging) {
  return {std::move(name), std::move(query), accepts, std::move(expect), "-"};
}
Row refused(std::string name, std::string query, std::string key,
            Accepts accepts = Accepts::filters_and_paging) {
  return {std::move(name), std::move(query), accepts, {}, std::move(key)};
}

void expect_same(const AuditQuery& got, const AuditQuery& want) {
  const auto& g = got.filter;
  const auto& w = want.filter;
  EXPECT_EQ(g.case_urn, w.case_urn);
  EXPECT_EQ(g.subject_ref, w.subject_ref);
  EXPECT_EQ(g.agency, w.agency);
  EXPECT_EQ(g.sender, w.sender);
  EXPECT_EQ(g.recipient, w.recipient);
  EXPECT_EQ(g.agreement, w.agreement);
  EXPECT_EQ(g.kind, w.kind);
  EXPECT_EQ(g.decision, w.decision);
  EXPECT_EQ(g.from_ms, w.from_ms);
  EXPECT_EQ(g.to_ms, w.to_ms);
  EXPECT_EQ(got.after_seq, want.after_seq);
  EXPECT_EQ(got.limit, want.limit);
  EXPECT_EQ(got.through_seq, want.through_seq);
}

class AuditQueryTest : public ::testing::TestWithParam<Row> {};

TEST_P(AuditQueryTest, ParsesOrRefuses) {
  const auto& row = GetParam();
  const auto parsed = parse_audit_query(row.query, row.accepts);
  if (row.refused_key == "-") {
    ASSERT_TRUE(parsed.ok()) << parsed.error().code << ": " << parsed.error().message;
    AuditQuery want;
    row.expect(want);
    expect_same(parsed.value(), want);
    return;
  }
  ASSERT_FALSE(parsed.ok()) << row.query;
  EXPECT_EQ(parsed.error().code, "invalid_query");
  EXPECT_EQ(parsed.error().path, row.refused_key);
  EXPECT_FALSE(parsed.error().message.empty());
}

constexpr std::int64_t kJan2026 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kFeb2026 = 1'769'904'000'000;  // 2026-02-01T00:00:00Z

INSTANTIATE_TEST_SUITE_P(
    Rows, AuditQueryTest,
    ::testing::Values(
        ok("empty", "", [](AuditQuery&) {}),
        ok("every_text_filter",
           "case_urn=c&subject_ref=s&agency=a&sender=p&recipient=r&agreement=isa%401&kind=k&"
           "decision=refused",
           [](AuditQuery& q) {
             q.filter = {"c", "s", "a", "p", "r", "isa@1", "k", "refused", {}, {}};
           }),
        ok("percent_decoded_value", "case_urn=urn%3Aaccord%3Acase%3A01AB",
           [](AuditQuery& q) { q.filter.case_urn = "urn:accord:case:01AB"; }),
        ok("percent_decoded_key", "case%5Furn=x", [](AuditQuery& q) { q.filter.case_urn = "x"; }),
        ok("lower_case_hex", "kind=a%2eb", [](AuditQuery& q) { q.filter.kind = "a.b"; }),
        ok("plus_stays_plus", "subject_ref=a+b",
           [](AuditQuery& q) { q.filter.subject_ref = "a+b"; }),
        ok("kind_prefix", "kind=delivery.", [](AuditQuery& q) { q.filter.kind = "delivery."; }),
        ok("empty_value", "case_urn=", [](AuditQuery&) {}),
        ok("empty_pairs_skipped", "&&limit=5&", [](AuditQuery& q) { q.limit = 5; }),
        ok("paging", "after_seq=5&limit=10&through_seq=20",
           [](AuditQuery& q) {
             q.after_seq = 5;
             q.limit = 10;
             q.through_seq = 20;
           }),
        ok("limit_at_page_cap", "limit=10000", [](AuditQuery& q) { q.limit = 10'000; }),
        ok("after_seq_zero", "after_seq=0", [](AuditQuery&) {}),
        ok("from_date", "from=2026-01-01", [](AuditQuery& q) { q.filter.from_ms = kJan2026; }),
        ok("range", "from=2026-01-01T00:00:00Z&to=2026-02-01",
           [](AuditQuery& q) {
             q.filter.from_ms = kJan2026;
             q.filter.to_ms = kFeb2026;
           }),
        ok("offset_time", "from=2026-01-01T01:00:00%2B01:00",
           [](AuditQuery& q) { q.filter.from_ms = kJan2026; }),
        ok(
            "paging_only_route", "after_seq=3&limit=2",
            [](AuditQuery& q) {
              q.after_seq = 3;
              q.limit = 2;
            },
            Accepts::paging),
        // Refusals.
        refused("unknown_key", "caseurn=x", "caseurn"),
        refused("key_case", "Case_Urn=x", "Case_Urn"),
        refused("given_twice", "case_urn=a&case_urn=b", "case_urn"),
        refused("given_twice_once_encoded", "case_urn=a&case%5Furn=b", "case_urn"),
        refused("given_twice_same_value", "limit=5&limit=5", "limit"),
        refused("bad_percent_in_key", "%zz=1", "%zz"),
        refused("bad_percent_in_value", "case_urn=%4", "case_urn"),
        refused("percent_at_end", "case_urn=a%", "case_urn"),
        refused("limit_zero", "limit=0", "limit"),
        refused("limit_over_cap", "limit=10001", "limit"),
        refused("limit_empty", "limit=", "limit"), refused("limit_no_value", "limit", "limit"),
        refused("limit_text", "limit=ten", "limit"),
        refused("after_seq_negative", "after_seq=-1", "after_seq"),
        refused("after_seq_nineteen_digits", "after_seq=1000000000000000000", "after_seq"),
        refused("through_seq_fraction", "through_seq=1.5", "through_seq"),
        refused("from_not_a_time", "from=yesterday", "from"),
        refused("from_impossible_date", "from=2026-02-30", "from"),
        refused("to_month_13", "to=2026-13-01", "to"),
        refused("empty_range", "from=2026-02-01&to=2026-01-01", "to"),
        refused("decision_unknown", "decision=maybe", "decision"),
        refused("filter_on_paging_route", "case_urn=x", "case_urn", Accepts::paging),
        refused("time_on_paging_route", "from=2026-01-01", "from", Accepts::paging)),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::api
