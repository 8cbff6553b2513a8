#include "accord/api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace accord::api {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_ms_(per_second / 1000.0), burst_(std::max(1.0, burst)) {}

std::int64_t RateLimiter::acquire(const std::string& key, std::int64_t now_ms) {
  if (per_ms_ <= 0) return 0;
  std::lock_guard lock(mutex_);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now_ms});
  Bucket& bucket = it->second;
  if (now_ms > bucket.updated_ms) {
    bucket.tokens = std::min(burst_, bucket.tokens + (now_ms - bucket.updated_ms) * per_ms_);
    bucket.updated_ms = now_ms;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) / per_ms_)));
}

}  // namespace accord::api
