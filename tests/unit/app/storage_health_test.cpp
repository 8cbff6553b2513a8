// Readiness from the spool's answers (accord/app/storage_health.hpp): one row per sequence of
// answers, and whether /healthz would then say ready, at a given time.
#include "accord/app/storage_health.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace accord::app {
namespace {

struct Answer {
  std::int64_t at_ms;
  std::string code;  // "" = success
};

struct HealthRow {
  const char* name;
  std::vector<Answer> answers;
  std::int64_t asked_at_ms;
  bool ready;
  std::int64_t counted;  // storage_unavailable answers
};

class StorageHealthRows : public ::testing::TestWithParam<HealthRow> {};

TEST_P(StorageHealthRows, Row) {
  const HealthRow& row = GetParam();
  StorageHealth health;
  for (const auto& answer : row.answers) {
    if (answer.code.empty()) {
      health.observe(nullptr, answer.at_ms);
    } else {
      const Error error = make_error(answer.code, "no primary: connection refused");
      health.observe(&error, answer.at_ms);
    }
  }
  const auto verdict = health.unavailable(row.asked_at_ms);
  EXPECT_EQ(!verdict.has_value(), row.ready);
  if (verdict) {
    EXPECT_EQ(verdict->code, "storage_unavailable");
    EXPECT_NE(verdict->message.find("no primary: connection refused"), std::string::npos)
        << verdict->message;
  }
  EXPECT_EQ(health.unavailable_answers(), row.counted);
}

constexpr std::int64_t kHold = StorageHealth::kHoldMs;

INSTANTIATE_TEST_SUITE_P(
    Answers, StorageHealthRows,
    ::testing::Values(
        HealthRow{"nothing_yet", {}, 1000, true, 0},
        HealthRow{"successes", {{10, ""}, {20, ""}}, 30, true, 0},
        HealthRow{"unavailable", {{10, ""}, {20, "storage_unavailable"}}, 21, false, 1},
        HealthRow{
            "success_after_failure_is_ready", {{20, "storage_unavailable"}, {25, ""}}, 26, true, 1},
        HealthRow{
            "failure_after_success_is_not", {{20, ""}, {25, "storage_unavailable"}}, 26, false, 1},
        HealthRow{"hold_ends_without_another_failure",
                  {{20, "storage_unavailable"}},
                  20 + kHold,
                  true,
                  1},
        HealthRow{"each_failure_renews_the_hold",
                  {{20, "storage_unavailable"}, {20 + kHold - 1, "storage_unavailable"}},
                  20 + kHold,
                  false,
                  2},
        HealthRow{"other_refusals_say_nothing",
                  {{20, "overloaded"}, {21, "not_found"}, {22, "shutting_down"}},
                  23,
                  true,
                  0},
        HealthRow{"other_refusals_do_not_clear",
                  {{20, "storage_unavailable"}, {21, "not_found"}},
                  22,
                  false,
                  1}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::app
