// Failover under load (issue 14, "Done when"): two accord-gateway processes on a real
// PostgreSQL primary with a synchronous standby (PgCluster), a load spread over both gateways,
// and a failure in the middle of it: kill -9 of a gateway, kill -9 of the primary and
// promotion of the standby, the standby stopped. Each scenario is repeated (ACCORD_HA_
// REPETITIONS, 2 by default; target ha_failover_campaign runs more) and every repetition must
// lose nothing acknowledged (ha_load.hpp, check_after_failover). The hang guards below only
// keep a broken build from hanging; nothing asserts on how long anything took.
#include <gtest/gtest.h>

#include "accord/testing/pg_cluster.hpp"
#include "accord/testing/wait_until.hpp"
#include "ha_load.hpp"

namespace accord::test::ha {
namespace {

using testing::PgCluster;
using testing::wait_until;

constexpr std::chrono::seconds kHangGuard{90};
// Submissions acknowledged before a failure is injected, and after it, before the
// repetition ends: enough that the failure lands in the middle of the load.
constexpr std::size_t kAcksBefore = 100;
constexpr std::size_t kAcksAfter = 100;
// A commit the standby does not confirm fails (503) after this; short, so that the stopped
// standby's window sees many answers.
constexpr int kCommitTimeoutSeconds = 2;

std::size_t ack_count(const Load& load) {
  return load.acks().size();
}

TEST(HaFailoverTest, Kill9OfOneGatewayLosesNothingAndTheRestartedOneRejoins) {
  auto cluster = testing::shared_pg_cluster();
  ASSERT_TRUE(cluster.ok()) << "PostgreSQL did not start: " << cluster.error().message;
  Counts total;
  for (int k = 1; k <= repetitions(); ++k) {
    SCOPED_TRACE("repetition " + std::to_string(k));
    const std::string database = "ha_gateway_kill_" + std::to_string(k);
    auto uri = (*cluster)->create_database(database);
    ASSERT_TRUE(uri.ok()) << uri.error().message;
    GatewayPair pair(uri.value(), kCommitTimeoutSeconds);
    ASSERT_TRUE(pair.start(0));
    ASSERT_TRUE(pair.start(1));
    Load load(pair.ports(), {"gw" + std::to_string(k)});
    ASSERT_TRUE(wait_until([&] { return ack_count(load) >= kAcksBefore; }, kHangGuard))
        << "the load never got going";

    const int victim = k % 2, survivor = 1 - victim;
    pair.kill9(victim);
    const auto killed = Clock::now();
    ASSERT_TRUE(
        wait_until([&] { return load.acks_after(killed, survivor) >= kAcksAfter; }, kHangGuard))
        << "the surviving gateway did not keep serving";
    ASSERT_TRUE(pair.start(victim)) << "the killed gateway did not restart";
    const auto restarted = Clock::now();
    ASSERT_TRUE(
        wait_until([&] { return load.acks_after(restarted, victim) >= kAcksAfter; }, kHangGuard))
        << "the restarted gateway did not rejoin";
    load.stop();

    const auto counts = check_after_failover(**cluster, database, pair, load);
    print_counts("gateway kill -9", k, counts);
    total += counts;
  }
  print_counts("gateway kill -9", 0, total);
}

TEST(HaFailoverTest, Kill9OfThePrimaryAndPromotionLosesNothing) {
  Counts total;
  for (int k = 1; k <= repetitions(); ++k) {
    SCOPED_TRACE("repetition " + std::to_string(k));
    // Its own cluster each time: after a promotion there is no standby left to fail over to.
    auto cluster = PgCluster::start();
    ASSERT_TRUE(cluster.ok()) << "PostgreSQL did not start: " << cluster.error().message;
    const std::string database = "ha_primary_kill";
    auto uri = cluster.value()->create_database(database);
    ASSERT_TRUE(uri.ok()) << uri.error().message;
    GatewayPair pair(uri.value(), kCommitTimeoutSeconds);
    ASSERT_TRUE(pair.start(0));
    ASSERT_TRUE(pair.start(1));
    Load load(pair.ports(), {"pk" + std::to_string(k)});
    ASSERT_TRUE(wait_until([&] { return ack_count(load) >= kAcksBefore; }, kHangGuard))
        << "the load never got going";

    const auto status = cluster.value()->kill_primary();
    ASSERT_TRUE(status.ok()) << status.error().message;
    const auto killed = Clock::now();
    // No primary: the gateways answer 503 (with Retry-After) until one is promoted.
    ASSERT_TRUE(wait_until([&] { return load.attempts_sent_after(killed) >= 8; }, kHangGuard))
        << "no submission was answered while there was no primary";
    const auto promoting = Clock::now();
    const auto promoted_status = cluster.value()->promote_standby();
    ASSERT_TRUE(promoted_status.ok()) << promoted_status.error().message;
    const auto promoted = Clock::now();
    ASSERT_TRUE(wait_until([&] { return load.acks_after(promoted) >= kAcksAfter; }, kHangGuard))
        << "the gateways did not follow the promoted standby";
    load.stop();

    const auto attempts = load.attempts();
    for (const auto& a : successes_within(attempts, killed, promoting)) {
      ADD_FAILURE() << a.id << " acknowledged (HTTP " << a.status << ") by gateway " << a.gateway
                    << " while there was no primary";
    }
    std::size_t unavailable = 0;
    for (const auto& a : attempts) {
      if (a.sent < killed || a.answered > promoting || a.status == 0) continue;
      ++unavailable;
      EXPECT_EQ(a.status, 503u) << a.id << " without a primary";
      EXPECT_TRUE(a.retry_after) << a.id << ": 503 without Retry-After";
    }
    EXPECT_GT(unavailable, 0u) << "no gateway answered while there was no primary";
    const auto counts = check_after_failover(*cluster.value(), database, pair, load);
    print_counts("primary kill -9 + promote", k, counts);
    total += counts;
  }
  print_counts("primary kill -9 + promote", 0, total);
}

TEST(HaFailoverTest, NothingIsAcknowledgedWhileTheSynchronousStandbyIsDown) {
  auto cluster = testing::shared_pg_cluster();
  ASSERT_TRUE(cluster.ok()) << "PostgreSQL did not start: " << cluster.error().message;
  Counts total;
  for (int k = 1; k <= repetitions(); ++k) {
    SCOPED_TRACE("repetition " + std::to_string(k));
    const std::string database = "ha_standby_stop_" + std::to_string(k);
    auto uri = (*cluster)->create_database(database);
    ASSERT_TRUE(uri.ok()) << uri.error().message;
    GatewayPair pair(uri.value(), kCommitTimeoutSeconds);
    ASSERT_TRUE(pair.start(0));
    ASSERT_TRUE(pair.start(1));
    Load load(pair.ports(), {"sb" + std::to_string(k)});
    ASSERT_TRUE(wait_until([&] { return ack_count(load) >= kAcksBefore; }, kHangGuard))
        << "the load never got going";

    const auto status = (*cluster)->stop_standby();
    ASSERT_TRUE(status.ok()) << status.error().message;
    const auto stopped = Clock::now();
    // Keep it down until submissions sent after the stop have been answered (503): the window
    // must hold attempts for the check below to mean anything.
    ASSERT_TRUE(wait_until([&] { return load.attempts_sent_after(stopped) >= 8; }, kHangGuard))
        << "no submission was answered while the standby was down";
    const auto starting = Clock::now();
    const auto started_status = (*cluster)->start_standby();
    ASSERT_TRUE(started_status.ok()) << started_status.error().message;
    const auto started = Clock::now();
    ASSERT_TRUE(wait_until([&] { return load.acks_after(started) >= kAcksAfter; }, kHangGuard))
        << "submissions did not succeed again after the standby came back";
    load.stop();

    const auto attempts = load.attempts();
    for (const auto& a : successes_within(attempts, stopped, starting)) {
      ADD_FAILURE() << a.id << " acknowledged (HTTP " << a.status << ") by gateway " << a.gateway
                    << " while the synchronous standby was down";
    }
    std::size_t refused = 0;
    for (const auto& a : attempts) {
      if (a.sent < stopped || a.answered > starting) continue;
      ++refused;
      EXPECT_EQ(a.status, 503u) << a.id << " while the standby was down";
      EXPECT_TRUE(a.retry_after) << a.id << ": 503 without Retry-After";
    }
    EXPECT_GT(refused, 0u) << "nothing was answered while the standby was down";
    const auto counts = check_after_failover(**cluster, database, pair, load);
    print_counts("standby stopped", k, counts);
    total += counts;
  }
  print_counts("standby stopped", 0, total);
}

}  // namespace
}  // namespace accord::test::ha
