// Retry timing: exponential backoff with jitter, and the limits after which a copy is
// dead-lettered. Pure functions of their inputs (the random draw is passed in).
#pragma once

#include <cstdint>

namespace accord::delivery {

struct RetryPolicy {
  int max_attempts = 10;                          // dead-letter after this many failed tries
  std::int64_t max_age_ms = 7LL * 24 * 3600'000;  // dead-letter (expired) once older than this
  std::int64_t backoff_initial_ms = 1'000;
  std::int64_t backoff_max_ms = 300'000;
  double jitter = 0.2;  // ± this fraction, so recipients coming back are not stampeded
};

// The delay before the attempt after `failed_attempt` (1-based): initial * 2^(n-1), capped,
// then scaled by (1 - jitter + 2 * jitter * unit_random); unit_random in [0, 1).
std::int64_t backoff_delay_ms(const RetryPolicy& policy, int failed_attempt, double unit_random);

enum class Verdict { deliver, expired, max_attempts };

// Before handing over attempt `attempt` of a copy received at `received_at_ms`.
Verdict before_attempt(const RetryPolicy& policy, int attempt, std::int64_t received_at_ms,
                       std::int64_t now_ms);

}  // namespace accord::delivery
