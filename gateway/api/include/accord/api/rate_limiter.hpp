// Per-agency token bucket. Time is an argument so tests need no sleeping.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace accord::api {

class RateLimiter {
 public:
  // `per_second` <= 0 disables limiting. `burst` is the bucket size (at least 1).
  RateLimiter(double per_second, double burst);

  // Takes one token for `key` at `now_ms`. Returns 0 when allowed, otherwise the
  // milliseconds until a token will be available (nothing is taken then).
  std::int64_t acquire(const std::string& key, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    std::int64_t updated_ms;
  };
  const double per_ms_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace accord::api
