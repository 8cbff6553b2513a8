// max_connections against RLIMIT_NOFILE at start (issue #12 item 1): raise the soft limit
// when the hard limit allows, otherwise refuse to start with a message naming the numbers.
#include "accord/app/fd_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <limits>

namespace accord::app {
namespace {

constexpr std::uint64_t kInfinity = std::numeric_limits<std::uint64_t>::max();

struct PlanRow {
  const char* name;
  std::uint64_t needed, soft, hard;
  bool ok;
  std::uint64_t soft_after;  // when ok
};

class PlanDescriptorLimit : public ::testing::TestWithParam<PlanRow> {};

TEST_P(PlanDescriptorLimit, Row) {
  const auto& row = GetParam();
  auto plan = plan_descriptor_limit(row.needed, row.soft, row.hard);
  ASSERT_EQ(plan.ok(), row.ok);
  if (row.ok) {
    EXPECT_EQ(*plan, row.soft_after);
  } else {
    EXPECT_EQ(plan.error().code, "fd_limit");
    const auto& message = plan.error().message;
    EXPECT_NE(message.find(std::to_string(row.needed)), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(row.hard)), std::string::npos) << message;
    EXPECT_NE(message.find("limits.max_connections"), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PlanDescriptorLimit,
    ::testing::Values(PlanRow{"SoftIsEnough", 1280, 4096, 4096, true, 4096},
                      PlanRow{"SoftExactlyEnough", 1280, 1280, 4096, true, 1280},
                      PlanRow{"RaiseSoftToNeeded", 2304, 1024, 1048576, true, 2304},
                      PlanRow{"RaiseSoftUnderInfiniteHard", 2304, 1024, kInfinity, true, 2304},
                      PlanRow{"HardExactlyEnough", 2304, 1024, 2304, true, 2304},
                      PlanRow{"HardTooLow", 2304, 1024, 2303, false, 0},
                      PlanRow{"BothTooLow", 1280, 256, 512, false, 0}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DescriptorsNeeded, EachListenerGetsMaxConnections) {
  GatewayConfig config;
  config.server.max_connections = 1000;
  EXPECT_EQ(descriptors_needed(config), 1000 + kReservedDescriptors);
  config.admin_enabled = true;
  EXPECT_EQ(descriptors_needed(config), 2000 + kReservedDescriptors);
}

// The check against this process's own limits: raised when the hard limit allows, refused
// (and the soft limit left alone) when it does not.
TEST(EnsureDescriptorLimit, RaisesTheSoftLimitOrRefusesToStart) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Linux caps RLIMIT_NOFILE at fs.nr_open, so the hard limit is a number in practice.
  if (saved.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no finite hard RLIMIT_NOFILE to test with";
  const rlim_t hard = saved.rlim_max;
  ASSERT_GT(hard, 512u + kReservedDescriptors) << "the hard limit is too low to test with";
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);

  GatewayConfig config;
  config.server.max_connections = 512;
  Status raised = ensure_descriptor_limit(config);
  rlimit now{};
  ::getrlimit(RLIMIT_NOFILE, &now);
  EXPECT_TRUE(raised.ok()) << raised.error().message;
  EXPECT_EQ(now.rlim_cur, 512u + kReservedDescriptors);

  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  config.server.max_connections = static_cast<std::size_t>(hard);  // + the reserve > hard
  Status refused = ensure_descriptor_limit(config);
  ::getrlimit(RLIMIT_NOFILE, &now);
  EXPECT_FALSE(refused.ok());
  if (!refused.ok()) {
    EXPECT_EQ(refused.error().code, "fd_limit");
  }
  EXPECT_EQ(now.rlim_cur, 256u);

  ::setrlimit(RLIMIT_NOFILE, &saved);
}

}  // namespace
}  // namespace accord::app
