#include "accord/delivery/backoff.hpp"

#include <gtest/gtest.h>

namespace accord::delivery {
namespace {

struct BackoffRow {
  const char* name;
  std::int64_t initial, max;
  double jitter;
  int failed_attempt;
  double unit_random;
  std::int64_t expected;
};

class BackoffTest : public ::testing::TestWithParam<BackoffRow> {};

TEST_P(BackoffTest, DelayFollowsTheFormula) {
  const auto& row = GetParam();
  RetryPolicy policy;
  policy.backoff_initial_ms = row.initial;
  policy.backoff_max_ms = row.max;
  policy.jitter = row.jitter;
  EXPECT_EQ(backoff_delay_ms(policy, row.failed_attempt, row.unit_random), row.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BackoffTest,
    ::testing::Values(BackoffRow{"first", 1000, 300000, 0.0, 1, 0.5, 1000},
                      BackoffRow{"doubles", 1000, 300000, 0.0, 2, 0.5, 2000},
                      BackoffRow{"fourth", 1000, 300000, 0.0, 4, 0.9, 8000},
                      BackoffRow{"capped", 1000, 5000, 0.0, 5, 0.5, 5000},
                      BackoffRow{"huge_attempt_capped", 1000, 300000, 0.0, 1000, 0.5, 300000},
                      BackoffRow{"jitter_low_end", 1000, 300000, 0.2, 1, 0.0, 800},
                      BackoffRow{"jitter_middle", 1000, 300000, 0.2, 1, 0.5, 1000},
                      BackoffRow{"jitter_high_end", 1000, 300000, 0.2, 1, 1.0, 1200},
                      BackoffRow{"jitter_applies_after_cap", 1000, 4000, 0.5, 9, 0.0, 2000},
                      // Out-of-range inputs are clamped, never produce 0 or a negative delay.
                      BackoffRow{"attempt_zero", 1000, 300000, 0.0, 0, 0.5, 1000},
                      BackoffRow{"negative_attempt", 1000, 300000, 0.0, -3, 0.5, 1000},
                      BackoffRow{"random_below_zero", 1000, 300000, 0.2, 1, -5.0, 800},
                      BackoffRow{"random_above_one", 1000, 300000, 0.2, 1, 7.0, 1200},
                      BackoffRow{"jitter_above_one", 1000, 300000, 3.0, 1, 0.0, 1},
                      BackoffRow{"zero_initial", 0, 300000, 0.0, 3, 0.5, 1}),
    [](const auto& info) { return std::string(info.param.name); });

struct VerdictRow {
  const char* name;
  int max_attempts;
  std::int64_t max_age_ms;
  int attempt;
  std::int64_t age_ms;
  Verdict expected;
};

class VerdictTest : public ::testing::TestWithParam<VerdictRow> {};

TEST_P(VerdictTest, BeforeAttempt) {
  const auto& row = GetParam();
  RetryPolicy policy;
  policy.max_attempts = row.max_attempts;
  policy.max_age_ms = row.max_age_ms;
  const std::int64_t received = 1'700'000'000'000;
  EXPECT_EQ(before_attempt(policy, row.attempt, received, received + row.age_ms), row.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, VerdictTest,
    ::testing::Values(VerdictRow{"first_try", 3, 60000, 1, 0, Verdict::deliver},
                      VerdictRow{"last_allowed", 3, 60000, 3, 100, Verdict::deliver},
                      VerdictRow{"one_too_many", 3, 60000, 4, 100, Verdict::max_attempts},
                      VerdictRow{"age_at_limit", 3, 60000, 1, 60000, Verdict::deliver},
                      VerdictRow{"age_over_limit", 3, 60000, 1, 60001, Verdict::expired},
                      // Both exceeded: expiry is reported (the older reason).
                      VerdictRow{"both_exceeded", 3, 60000, 9, 90000, Verdict::expired},
                      VerdictRow{"no_attempt_limit", 0, 60000, 500, 0, Verdict::deliver},
                      VerdictRow{"no_age_limit", 3, 0, 1, 1'000'000'000, Verdict::deliver},
                      VerdictRow{"clock_behind_receipt", 3, 60000, 1, -5000, Verdict::deliver}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::delivery
