// Spool::queue_health (spool.hpp), on every backend: per recipient the copies queued, under a
// live lease and dead, and the oldest pending copy's receipt, read on the caller's thread at
// an instant the test gives (an expired lease counts as queued again; acked copies not at all).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool::testing {
namespace {

class SpoolQueueHealth : public BackendTest {};

std::map<std::string, QueueHealth> health(const Spool& spool, std::int64_t now_ms) {
  auto r = spool.queue_health(now_ms);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::map<std::string, QueueHealth>{};
}

// queued, leased, dead, oldest (0: none) of one recipient, for one-line comparisons.
struct Row {
  std::int64_t queued, leased, dead, oldest;
  bool operator==(const Row&) const = default;
};
void PrintTo(const Row& r, std::ostream* os) {
  *os << "{queued " << r.queued << ", leased " << r.leased << ", dead " << r.dead << ", oldest "
      << r.oldest << "}";
}
Row row(const std::map<std::string, QueueHealth>& all, const std::string& recipient) {
  auto it = all.find(recipient);
  if (it == all.end()) return {-1, -1, -1, -1};
  const QueueHealth& q = it->second;
  return {q.queued, q.leased, q.dead_letters, q.oldest_pending_ms.value_or(0)};
}

TEST_P(SpoolQueueHealth, EmptySpoolHasNoRecipients) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_TRUE(health(*spool, 1000).empty());
}

TEST_P(SpoolQueueHealth, CountsEachStateAtTheInstant) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  // cps gets m1..m4 (received 1000..1003), wcu gets m1 and m2 only.
  for (int i = 1; i <= 4; ++i) {
    const std::vector<std::string> to =
        i <= 2 ? std::vector<std::string>{"cps", "wcu"} : std::vector<std::string>{"cps"};
    ASSERT_TRUE(
        append_sync(*spool, make_submission("m" + std::to_string(i), to, "police", "h1", 999 + i))
            .ok());
  }
  EXPECT_EQ(row(health(*spool, 2000), "cps"), (Row{4, 0, 0, 1000}));
  EXPECT_EQ(row(health(*spool, 2000), "wcu"), (Row{2, 0, 0, 1000}));

  // cps: lease two at 2000 for 100 ms (m1, m2); ack m1, dead-letter m2's sibling m3 later.
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 2, 100, 2000});
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 2u);
  EXPECT_EQ(row(health(*spool, 2050), "cps"), (Row{2, 2, 0, 1000}));
  ASSERT_TRUE(ack_sync(*spool, {"cps", leased->at(0).delivery_id, 2060}).ok());
  // m1 acked: the oldest pending is m2 (1001), still leased.
  EXPECT_EQ(row(health(*spool, 2070), "cps"), (Row{2, 1, 0, 1001}));
  // The lease ran out at 2100: m2 is queued again.
  EXPECT_EQ(row(health(*spool, 2100), "cps"), (Row{3, 0, 0, 1001}));
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"cps", leased->at(1).delivery_id, "permanent_failure",
                                            "HTTP 400", 2101})
                  .ok());
  // m2 dead: m3 (1002) is the oldest pending; dead letters are no pending copies.
  EXPECT_EQ(row(health(*spool, 2200), "cps"), (Row{2, 0, 1, 1002}));
  EXPECT_EQ(row(health(*spool, 2200), "wcu"), (Row{2, 0, 0, 1000}));

  // Every cps copy gone one way or the other: cps stays listed for its dead letter only.
  auto rest = lease_sync(*spool, LeaseRequest{"cps", 10, 100, 3000});
  ASSERT_TRUE(rest.ok());
  for (const auto& d : *rest) ASSERT_TRUE(ack_sync(*spool, {"cps", d.delivery_id, 3001}).ok());
  EXPECT_EQ(row(health(*spool, 3002), "cps"), (Row{0, 0, 1, 0}));
  auto wcu = lease_sync(*spool, LeaseRequest{"wcu", 10, 100, 3000});
  ASSERT_TRUE(wcu.ok());
  for (const auto& d : *wcu) ASSERT_TRUE(ack_sync(*spool, {"wcu", d.delivery_id, 3001}).ok());
  const auto all = health(*spool, 3002);
  EXPECT_EQ(all.count("wcu"), 0u);
  EXPECT_EQ(all.size(), 1u);
}

// A copy released for a retry waits for its backoff: queued, not leased.
TEST_P(SpoolQueueHealth, ACopyWaitingForItsRetryIsQueued) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("r1", {"cps"})).ok());
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 1, 100, 2000});
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  ASSERT_TRUE(
      status_sync(*spool, &Spool::release,
                  ReleaseRequest{"cps", leased->front().delivery_id, 9000, "HTTP 503", 2001})
          .ok());
  EXPECT_EQ(row(health(*spool, 2002), "cps"), (Row{1, 0, 0, 1000}));
}

}  // namespace

ACCORD_SPOOL_BACKENDS(SpoolQueueHealth);

}  // namespace accord::spool::testing
