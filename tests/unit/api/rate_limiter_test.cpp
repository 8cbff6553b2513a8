// RateLimiter on a moved clock: each row is a limiter (rate, burst) and a script of
// acquisitions (key, now_ms) with the wait each must answer (0 = allowed). No sleeping: the
// clock is the argument.
#include "accord/api/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace accord::api {
namespace {

struct Step {
  std::string key;
  std::int64_t now_ms;
  std::int64_t wait_ms;  // what acquire must answer
};

struct Row {
  std::string name;
  double per_second;
  double burst;
  std::vector<Step> steps;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class RateLimiterTest : public ::testing::TestWithParam<Row> {};

TEST_P(RateLimiterTest, AnswersTheScriptedWaits) {
  const auto& row = GetParam();
  RateLimiter limiter(row.per_second, row.burst);
  for (std::size_t i = 0; i < row.steps.size(); ++i) {
    const auto& step = row.steps[i];
    EXPECT_EQ(limiter.acquire(step.key, step.now_ms), step.wait_ms)
        << "step " << i << ": " << step.key << " at " << step.now_ms << " ms";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, RateLimiterTest,
    ::testing::Values(
        Row{"zero_rate_disables", 0, 1, {{"a", 0, 0}, {"a", 0, 0}, {"a", 0, 0}, {"a", 0, 0}}},
        Row{"negative_rate_disables", -5, 1, {{"a", 0, 0}, {"a", 0, 0}, {"a", 0, 0}}},
        // Human rates are not binary fractions per ms; these points are exact all the same.
        Row{"one_per_second", 1, 1, {{"a", 0, 0}, {"a", 0, 1000}, {"a", 500, 500}, {"a", 1000, 0}}},
        // The bucket starts full: `burst` acquisitions pass at once, the next waits for one
        // token (1 / 0.5 per ms = 2 ms).
        Row{"burst_then_wait",
            500,
            3,
            {{"a", 0, 0}, {"a", 0, 0}, {"a", 0, 0}, {"a", 0, 2}, {"a", 1, 1}, {"a", 2, 0}}},
        // A refused acquisition takes nothing: asking again and again does not push the
        // wait further out.
        Row{"refusal_takes_no_token",
            1000,
            1,
            {{"a", 10, 0}, {"a", 10, 1}, {"a", 10, 1}, {"a", 10, 1}, {"a", 11, 0}}},
        // Idle time refills at most up to the burst.
        Row{"refill_caps_at_burst",
            1000,
            2,
            {{"a", 0, 0},
             {"a", 0, 0},
             {"a", 0, 1},
             {"a", 1'000'000, 0},
             {"a", 1'000'000, 0},
             {"a", 1'000'000, 1}}},
        // Partial tokens accumulate across calls: 0.25 per ms.
        Row{"fractional_refill",
            250,
            1,
            {{"a", 0, 0}, {"a", 1, 3}, {"a", 2, 2}, {"a", 3, 1}, {"a", 4, 0}, {"a", 4, 4}}},
        // A burst below 1 is taken as 1: one acquisition can always pass eventually.
        Row{"burst_below_one_is_one", 1000, 0, {{"a", 0, 0}, {"a", 0, 1}, {"a", 1, 0}}},
        Row{"burst_negative_is_one", 1000, -3, {{"a", 0, 0}, {"a", 0, 1}}},
        // Each key has its own bucket: one agency's flood does not slow another.
        Row{"keys_are_independent",
            1,
            1,
            {{"police.met", 0, 0},
             {"police.met", 0, 1000},
             {"cps.london", 0, 0},
             {"cps.london", 0, 1000},
             {"police.met", 1000, 0}}},
        // A new key's bucket is full whenever it first appears.
        Row{"late_key_starts_full",
            1,
            2,
            {{"a", 0, 0}, {"a", 0, 0}, {"a", 0, 1000}, {"b", 5000, 0}, {"b", 5000, 0}}},
        // A clock that steps backwards refills nothing (and does not move the bucket's time
        // back): the wait is measured from the latest time seen.
        Row{"clock_backwards_refills_nothing",
            1000,
            1,
            {{"a", 100, 0}, {"a", 50, 1}, {"a", 100, 1}, {"a", 101, 0}}},
        // The wait is never 0 for a refusal, however small the deficit.
        Row{"wait_rounds_up", 3000, 1, {{"a", 0, 0}, {"a", 0, 1}, {"a", 1, 0}, {"a", 1, 1}}}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::api
