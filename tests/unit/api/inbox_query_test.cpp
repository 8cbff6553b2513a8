// GET /v1/inbox's query string: max and lease_seconds, capped at the configured maxima, and
// every other shape refused with invalid_query naming the key.
#include "accord/api/inbox_query.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace accord::api {
namespace {

constexpr InboxQueryLimits kLimits{100, 30'000, 600'000};

struct Row {
  std::string name;
  std::string query;
  std::size_t max_items = 0;  // expected when accepted
  std::int64_t lease_ms = 0;
  std::string refused_key = "-";  // "-": accepted; otherwise the path of the invalid_query
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

Row ok(std::string name, std::string query, std::size_t max_items, std::int64_t lease_ms) {
  return {std::move(name), std::move(query), max_items, lease_ms, "-"};
}
Row refused(std::string name, std::string query, std::string key) {
  return {std::move(name), std::move(query), 0, 0, std::move(key)};
}

class InboxQueryTest : public ::testing::TestWithParam<Row> {};

TEST_P(InboxQueryTest, ParsesOrRefuses) {
  const auto& row = GetParam();
  const auto parsed = parse_inbox_query(row.query, kLimits);
  if (row.refused_key == "-") {
    ASSERT_TRUE(parsed.ok()) << parsed.error().code << ": " << parsed.error().message;
    EXPECT_EQ(parsed->max_items, row.max_items);
    EXPECT_EQ(parsed->lease_ms, row.lease_ms);
    return;
  }
  ASSERT_FALSE(parsed.ok()) << row.query;
  EXPECT_EQ(parsed.error().code, "invalid_query");
  EXPECT_EQ(parsed.error().path, row.refused_key);
  // The message tells the caller the ranges that apply on this gateway.
  EXPECT_NE(parsed.error().message.find("1..100"), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("1..600"), std::string::npos) << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, InboxQueryTest,
    ::testing::Values(
        ok("empty_takes_defaults", "", 100, 30'000), ok("max", "max=5", 5, 30'000),
        ok("max_one", "max=1", 1, 30'000), ok("max_at_cap", "max=100", 100, 30'000),
        ok("max_over_cap_is_cut", "max=1000", 100, 30'000),
        ok("max_fifteen_digits_is_cut", "max=999999999999999", 100, 30'000),
        ok("leading_zeros", "max=007", 7, 30'000),
        ok("lease_seconds", "lease_seconds=60", 100, 60'000),
        ok("lease_at_cap", "lease_seconds=600", 100, 600'000),
        ok("lease_over_cap_is_cut", "lease_seconds=100000", 100, 600'000),
        ok("lease_fifteen_digits_is_cut", "lease_seconds=999999999999999", 100, 600'000),
        ok("both", "max=5&lease_seconds=10", 5, 10'000),
        ok("both_reversed", "lease_seconds=10&max=5", 5, 10'000),
        ok("repeat_last_wins", "max=5&max=7", 7, 30'000),
        ok("trailing_ampersand", "max=5&", 5, 30'000), refused("leading_ampersand", "&max=5", ""),
        refused("double_ampersand", "max=5&&", ""), refused("max_zero", "max=0", "max"),
        refused("max_empty", "max=", "max"), refused("max_no_value", "max", "max"),
        refused("max_negative", "max=-1", "max"), refused("max_plus", "max=+1", "max"),
        refused("max_fraction", "max=1.5", "max"), refused("max_hex", "max=0x10", "max"),
        refused("max_space", "max= 1", "max"),
        refused("max_sixteen_digits", "max=1000000000000000", "max"),
        refused("max_two_equals", "max=1=2", "max"),
        refused("lease_zero", "lease_seconds=0", "lease_seconds"),
        refused("lease_text", "lease_seconds=ten", "lease_seconds"),
        refused("unknown_key", "limit=5", "limit"), refused("key_case", "MAX=5", "MAX"),
        refused("no_percent_decoding", "max%3D5", "max%3D5"),
        refused("bad_after_good", "max=5&after=1", "after")),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::api
