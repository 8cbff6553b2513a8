#include "accord/bench/latency.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace accord::bench {

std::int64_t percentile_sorted(std::span<const std::int64_t> sorted, double q) {
  if (sorted.empty()) return 0;
  if (!(q > 0)) return sorted.front();  // also NaN
  if (q >= 100) return sorted.back();
  // q in thousandths of a percent, so the rank is integer arithmetic: ceil(q/100 * n) computed
  // in floating point gives 1000 instead of 999 for p99.9 of 1000 samples.
  const auto milli = static_cast<std::uint64_t>(std::llround(q * 1000));
  const std::uint64_t n = sorted.size();
  std::uint64_t rank = (milli * n + 100'000 - 1) / 100'000;  // 1-based
  rank = std::clamp<std::uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

void LatencySamples::merge(const LatencySamples& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

LatencySummary LatencySamples::summarize() {
  LatencySummary s;
  if (samples_.empty()) return s;
  std::sort(samples_.begin(), samples_.end());
  const std::span<const std::int64_t> all(samples_);
  s.count = samples_.size();
  s.min_ns = samples_.front();
  s.max_ns = samples_.back();
  s.p50_ns = percentile_sorted(all, 50);
  s.p90_ns = percentile_sorted(all, 90);
  s.p99_ns = percentile_sorted(all, 99);
  s.p999_ns = percentile_sorted(all, 99.9);
  const long double sum = std::accumulate(samples_.begin(), samples_.end(), 0.0L);
  s.mean_ns = static_cast<double>(sum / static_cast<long double>(samples_.size()));
  return s;
}

}  // namespace accord::bench
