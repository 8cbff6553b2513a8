// Delivery states beyond lease/ack: per-case order, release for a retry, dead letters and
// their redrive — each checked against a real store of each backend.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

Submission for_case(std::string id, std::string case_urn) {
  auto s = make_submission(std::move(id), {"cps"});
  s.case_urn = std::move(case_urn);
  return s;
}

std::vector<std::string> ids(const std::vector<Delivery>& deliveries) {
  std::vector<std::string> out;
  for (const auto& d : deliveries) out.push_back(d.message_id);
  return out;
}

using Ids = std::vector<std::string>;

struct SpoolDeliveryState : BackendTest {
  std::unique_ptr<Spool> spool;
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    spool = open();
    ASSERT_NE(spool, nullptr);
    // a1, b1, a2, c1, a3: three cases interleaved.
    for (auto [id, c] :
         {std::pair{"a1", "A"}, {"b1", "B"}, {"a2", "A"}, {"c1", "C"}, {"a3", "A"}}) {
      ASSERT_TRUE(append_sync(*spool, for_case(id, c)).ok());
    }
  }
  std::vector<Delivery> lease(std::int64_t now, bool one_per_case, std::size_t n = 10) {
    LeaseRequest r{"cps", n, 100, now};
    r.one_per_case = one_per_case;
    auto leased = lease_sync(*spool, r);
    EXPECT_TRUE(leased.ok());
    return leased.ok() ? leased.value() : std::vector<Delivery>{};
  }
};

TEST_P(SpoolDeliveryState, PullLeaseHandsOutCopiesInAppendOrder) {
  EXPECT_EQ(ids(lease(1000, false, 1)), Ids{"a1"});
  EXPECT_EQ(ids(lease(1000, false)), (Ids{"b1", "a2", "c1", "a3"}));
  // Every lease expired: all come back, in order.
  EXPECT_EQ(ids(lease(1200, false)), (Ids{"a1", "b1", "a2", "c1", "a3"}));
}

TEST_P(SpoolDeliveryState, OnePerCaseLeaseGivesOnlyTheOldestPendingCopyOfEachCase) {
  EXPECT_EQ(ids(lease(1000, true)), (Ids{"a1", "b1", "c1"}));
  EXPECT_TRUE(lease(1000, true).empty());  // heads are out, the rest wait behind them
  auto first = lease(1200, true);          // leases expired: the same heads again
  ASSERT_EQ(ids(first), (Ids{"a1", "b1", "c1"}));
  EXPECT_EQ(first.front().attempts, 2);
  ASSERT_TRUE(ack_sync(*spool, {"cps", first.front().delivery_id, 1201}).ok());
  EXPECT_EQ(ids(lease(1201, true)), Ids{"a2"});  // a1 done: a2 is the head of case A now
}

// The limit counts leasable heads only: blocked copies before them are passed over.
TEST_P(SpoolDeliveryState, OnePerCaseLimitCountsHeadsAndSkipsBlockedCopies) {
  EXPECT_EQ(ids(lease(1000, true, 2)), (Ids{"a1", "b1"}));
  EXPECT_EQ(ids(lease(1000, true, 2)), Ids{"c1"});  // past a2 (behind a1) to c1; a3 waits
  EXPECT_TRUE(lease(1000, true, 2).empty());
}

TEST_P(SpoolDeliveryState, ReleasedCopyWaitsUntilItsRetryTimeAndBlocksItsCase) {
  auto heads = lease(1000, true);
  ASSERT_EQ(heads.size(), 3u);
  ASSERT_TRUE(status_sync(*spool, &Spool::release,
                          ReleaseRequest{"cps", heads[0].delivery_id, 5000, "HTTP 503", 1001})
                  .ok());
  // b1 and c1's leases ran out at 1100; a1 waits for its retry and a2 waits behind it.
  EXPECT_EQ(ids(lease(4999, true)), (Ids{"b1", "c1"}));
  EXPECT_EQ(ids(lease(5000, true)), Ids{"a1"});
}

TEST_P(SpoolDeliveryState, DeadLetterUnblocksTheCaseAndRedriveRequeuesWithAttemptsReset) {
  auto heads = lease(1000, true);
  ASSERT_EQ(heads.size(), 3u);
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"cps", heads[0].delivery_id, "permanent_failure",
                                            "HTTP 400", 1001})
                  .ok());
  EXPECT_EQ(spool->stats().dead_by_recipient.at("cps"), 1);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 4);
  EXPECT_EQ(ids(lease(1001, true)), Ids{"a2"});  // a dead letter does not block its case

  Completion<Result<std::vector<DeadLetter>>> listed;
  spool->list_dead_letters("cps", 10, listed.handler());
  auto dead = listed.get();
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().message_id, "a1");
  EXPECT_EQ(dead->front().code, "permanent_failure");
  EXPECT_EQ(dead->front().detail, "HTTP 400");
  EXPECT_EQ(dead->front().attempts, 1);

  Completion<Result<std::int64_t>> redriven;
  spool->redrive(RedriveRequest{"cps", 0, "admin", 2000}, redriven.handler());
  auto count = redriven.get();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
  EXPECT_EQ(spool->stats().dead_by_recipient.count("cps"), 0u);
  // a1 is queued again with attempts reset; it is older than a2 (leased at 1001, to 1101).
  auto again = lease(2000, false);
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again.front().message_id, "a1");
  EXPECT_EQ(again.front().attempts, 1);
}

// A lease handed back unused at a clean stop: leasable at once, its case unblocked, and the
// lease does not count as an attempt.
TEST_P(SpoolDeliveryState, ReturnedLeaseIsLeasableAtOnceAndIsNoAttempt) {
  auto heads = lease(1000, true);
  ASSERT_EQ(ids(heads), (Ids{"a1", "b1", "c1"}));
  ReleaseRequest back{"cps", heads[0].delivery_id, 999999, "stopping", 1001};
  back.returned = true;
  ASSERT_TRUE(status_sync(*spool, &Spool::release, back).ok());
  auto again = lease(1001, true);  // b1 and c1 are still under lease until 1100
  ASSERT_EQ(ids(again), Ids{"a1"});
  EXPECT_EQ(again.front().attempts, 1);
  EXPECT_EQ(again.front().delivery_id, heads[0].delivery_id);
}

// Redrive's scope: one copy by id, every dead letter of one recipient, or of all; the list
// is oldest first, per recipient or for all, and bounded by its limit.
TEST_P(SpoolDeliveryState, RedriveAndListTakeTheirScope) {
  for (auto [id, to] : {std::pair{"w1", "wcu"}, {"w2", "wcu"}}) {
    ASSERT_TRUE(append_sync(*spool, make_submission(id, {to})).ok());
  }
  auto kill_all = [&](const std::string& recipient, std::int64_t now) {
    auto leased = lease_sync(*spool, LeaseRequest{recipient, 10, 100, now});
    ASSERT_TRUE(leased.ok());
    for (const auto& d : *leased) {
      ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                              DeadLetterRequest{recipient, d.delivery_id, "expired", "", now})
                      .ok());
    }
  };
  kill_all("cps", 1000);
  kill_all("wcu", 1001);
  auto list = [&](const std::string& recipient, std::size_t limit) {
    Completion<Result<std::vector<DeadLetter>>> c;
    spool->list_dead_letters(recipient, limit, c.handler());
    auto r = c.get();
    EXPECT_TRUE(r.ok());
    Ids out;
    for (const auto& d : r.ok() ? *r : std::vector<DeadLetter>{}) out.push_back(d.message_id);
    return out;
  };
  auto redrive = [&](RedriveRequest r) {
    Completion<Result<std::int64_t>> c;
    spool->redrive(std::move(r), c.handler());
    auto n = c.get();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(list("", 100), (Ids{"a1", "b1", "a2", "c1", "a3", "w1", "w2"}));
  EXPECT_EQ(list("wcu", 100), (Ids{"w1", "w2"}));
  EXPECT_EQ(list("", 2), (Ids{"a1", "b1"}));

  auto dead_cps = lease(2000, false);  // nothing pending: all dead
  EXPECT_TRUE(dead_cps.empty());
  Completion<Result<std::vector<DeadLetter>>> c;
  spool->list_dead_letters("cps", 1, c.handler());
  auto first = c.get();
  ASSERT_TRUE(first.ok() && first->size() == 1);
  EXPECT_EQ(redrive({"cps", first->front().delivery_id, "admin", 2000}), 1);
  EXPECT_EQ(ids(lease(2000, false)), Ids{"a1"});
  EXPECT_EQ(redrive({"wcu", 0, "admin", 2001}), 2);
  EXPECT_EQ(list("wcu", 100), Ids{});
  EXPECT_EQ(redrive({"", 0, "admin", 2002}), 4);  // the rest of cps's
  EXPECT_EQ(list("", 100), Ids{});
  EXPECT_EQ(redrive({"", 0, "admin", 2003}), 0);
  EXPECT_EQ(spool->stats().dead_by_recipient.size(), 0u);
}

// Negative rows: a copy that is not this recipient's, unknown, already acked or already dead.
TEST_P(SpoolDeliveryState, ReleaseAndDeadLetterRefuseCopiesThatAreNotPendingForTheRecipient) {
  auto heads = lease(1000, true);
  ASSERT_EQ(heads.size(), 3u);
  ASSERT_TRUE(ack_sync(*spool, {"cps", heads[1].delivery_id, 1001}).ok());
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"cps", heads[2].delivery_id, "expired", "old", 1001})
                  .ok());
  struct Row {
    const char* name;
    std::string recipient;
    std::int64_t id;
  };
  const Row rows[] = {{"other recipient", "wcu", heads[0].delivery_id},
                      {"unknown id", "cps", 999999},
                      {"acked", "cps", heads[1].delivery_id},
                      {"dead", "cps", heads[2].delivery_id}};
  for (const auto& row : rows) {
    auto r = status_sync(*spool, &Spool::release, ReleaseRequest{row.recipient, row.id, 0, "", 1});
    ASSERT_FALSE(r.ok()) << row.name;
    EXPECT_EQ(r.error().code, "not_found") << row.name;
    auto d = status_sync(*spool, &Spool::dead_letter,
                         DeadLetterRequest{row.recipient, row.id, "expired", "", 1});
    ASSERT_FALSE(d.ok()) << row.name;
    EXPECT_EQ(d.error().code, "not_found") << row.name;
  }
}

TEST_P(SpoolDeliveryState, CountsSurviveAReopen) {
  auto heads = lease(1000, true);
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"cps", heads[0].delivery_id, "max_attempts", "x", 1})
                  .ok());
  spool.reset();
  spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().dead_by_recipient.at("cps"), 1);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 4);
}

ACCORD_SPOOL_BACKENDS(SpoolDeliveryState);

}  // namespace
}  // namespace accord::spool
