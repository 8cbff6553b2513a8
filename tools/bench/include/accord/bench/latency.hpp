// Latency samples and their percentiles. Every sample is kept (8 bytes each: a 20 s run at
// 10k msg/s is 1.6 MB), so percentiles are exact rather than bucketed; at these rates a
// sorted vector is cheaper than getting an HDR histogram's bucket arithmetic right by hand.
//
// Not thread-safe: each worker owns one LatencySamples and the runner merges them at the end.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace accord::bench {

// Nearest-rank percentile (the smallest sample v such that at least q% of the samples are
// <= v) of an ascending range. q is in [0, 100] with at most three decimals (99.9 is exact,
// with no floating-point rounding); q <= 0 gives the minimum, q >= 100 the maximum, and an
// empty range 0.
std::int64_t percentile_sorted(std::span<const std::int64_t> sorted, double q);

struct LatencySummary {
  std::uint64_t count = 0;
  std::int64_t min_ns = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t p999_ns = 0;
  std::int64_t max_ns = 0;
  double mean_ns = 0;
};

class LatencySamples {
 public:
  void reserve(std::size_t n) { samples_.reserve(n); }
  // Negative values (a clock that went backwards) are stored as 0.
  void add(std::int64_t nanoseconds) { samples_.push_back(nanoseconds < 0 ? 0 : nanoseconds); }
  void merge(const LatencySamples& other);
  std::size_t size() const { return samples_.size(); }

  // Sorts the samples in place (hence not const); all zeros when empty.
  LatencySummary summarize();

 private:
  std::vector<std::int64_t> samples_;
};

}  // namespace accord::bench
