// Percentiles by nearest rank, checked against values worked out by hand, including the
// floating-point trap at p99.9 and the edges (empty, one sample, q out of range).
#include "accord/bench/latency.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

namespace accord::bench {
namespace {

std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  return v;
}

struct PercentileRow {
  std::int64_t n;  // samples 1..n
  double q;
  std::int64_t want;
};

void PrintTo(const PercentileRow& r, std::ostream* os) {
  *os << "p" << r.q << " of 1.." << r.n;
}

class BenchPercentile : public ::testing::TestWithParam<PercentileRow> {};

TEST_P(BenchPercentile, NearestRankOfOneToN) {
  const auto& row = GetParam();
  const auto v = one_to(row.n);
  EXPECT_EQ(percentile_sorted(v, row.q), row.want) << "n=" << row.n << " q=" << row.q;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BenchPercentile,
    ::testing::Values(
        PercentileRow{1000, 50, 500}, PercentileRow{1000, 90, 900}, PercentileRow{1000, 99, 990},
        PercentileRow{1000, 99.9, 999},  // ceil(0.999 * 1000) in doubles is 1000
        PercentileRow{1000, 100, 1000}, PercentileRow{1000, 0, 1}, PercentileRow{1000, 0.1, 1},
        PercentileRow{1000, 0.11, 2}, PercentileRow{10, 50, 5}, PercentileRow{10, 51, 6},
        PercentileRow{10, 99.9, 10}, PercentileRow{3, 50, 2}, PercentileRow{2, 50, 1},
        PercentileRow{1, 50, 1}, PercentileRow{1, 99.9, 1}, PercentileRow{100, 33.333, 34},
        PercentileRow{7, 100.5, 7}, PercentileRow{7, -3, 1}));

TEST(BenchPercentileEdges, EmptyIsZero) {
  EXPECT_EQ(percentile_sorted({}, 50), 0);
  EXPECT_EQ(percentile_sorted({}, 100), 0);
}

TEST(BenchPercentileEdges, NanIsMinimumNotACrash) {
  const auto v = one_to(5);
  EXPECT_EQ(percentile_sorted(v, std::numeric_limits<double>::quiet_NaN()), 1);
}

TEST(BenchLatencySamples, SummaryOfShuffledInputMatchesSortedRanks) {
  auto v = one_to(10'000);
  std::mt19937 rng(7);
  std::shuffle(v.begin(), v.end(), rng);
  LatencySamples a, b;
  for (std::size_t i = 0; i < v.size(); ++i) (i % 3 ? a : b).add(v[i]);
  a.merge(b);
  const LatencySummary s = a.summarize();
  EXPECT_EQ(s.count, 10'000u);
  EXPECT_EQ(s.min_ns, 1);
  EXPECT_EQ(s.p50_ns, 5'000);
  EXPECT_EQ(s.p90_ns, 9'000);
  EXPECT_EQ(s.p99_ns, 9'900);
  EXPECT_EQ(s.p999_ns, 9'990);
  EXPECT_EQ(s.max_ns, 10'000);
  EXPECT_DOUBLE_EQ(s.mean_ns, 5'000.5);
}

TEST(BenchLatencySamples, SkewedTailIsNotAveragedAway) {
  LatencySamples s;
  for (int i = 0; i < 990; ++i) s.add(1'000);
  for (int i = 0; i < 10; ++i) s.add(50'000'000);
  const LatencySummary sum = s.summarize();
  EXPECT_EQ(sum.p99_ns, 1'000);  // the 990th sample
  EXPECT_EQ(sum.p999_ns, 50'000'000);
  EXPECT_EQ(sum.max_ns, 50'000'000);
}

TEST(BenchLatencySamples, EmptyAndNegative) {
  LatencySamples empty;
  const LatencySummary e = empty.summarize();
  EXPECT_EQ(e.count, 0u);
  EXPECT_EQ(e.p99_ns, 0);
  EXPECT_EQ(e.mean_ns, 0);
  LatencySamples s;
  s.add(-5);
  s.add(10);
  const LatencySummary n = s.summarize();
  EXPECT_EQ(n.min_ns, 0);
  EXPECT_EQ(n.max_ns, 10);
}

}  // namespace
}  // namespace accord::bench
