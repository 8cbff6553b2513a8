#include "accord/delivery/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace accord::delivery {

std::int64_t backoff_delay_ms(const RetryPolicy& policy, int failed_attempt, double unit_random) {
  const int exponent = std::clamp(failed_attempt - 1, 0, 40);
  const double base =
      std::min(static_cast<double>(policy.backoff_initial_ms) * std::ldexp(1.0, exponent),
               static_cast<double>(policy.backoff_max_ms));
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double factor = 1.0 - jitter + 2.0 * jitter * std::clamp(unit_random, 0.0, 1.0);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(base * factor));
}

Verdict before_attempt(const RetryPolicy& policy, int attempt, std::int64_t received_at_ms,
                       std::int64_t now_ms) {
  if (policy.max_age_ms > 0 && now_ms - received_at_ms > policy.max_age_ms) return Verdict::expired;
  if (policy.max_attempts > 0 && attempt > policy.max_attempts) return Verdict::max_attempts;
  return Verdict::deliver;
}

}  // namespace accord::delivery
