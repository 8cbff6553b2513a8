// Retention purge (spool.hpp Spool::purge, docs/storage.md "Purging"), on each backend: copies
// not acked that the caller judges past retention lose their payload and leave every queue for
// good; acked copies and copies within retention stay; each batch commits one retention.purged
// record with counts only; a copy purged under its lease can still be acked.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

Submission at(std::string id, std::vector<std::string> recipients, std::int64_t received_at_ms,
              std::string sender = "police") {
  return make_submission(std::move(id), recipients, std::move(sender), "h1", received_at_ms);
}

Result<PurgeResult> purge_sync(Spool& spool, PurgeRequest request) {
  Completion<Result<PurgeResult>> c;
  spool.purge(std::move(request), c.handler());
  return c.get();
}

// Due: copies of police -> `recipient` received before `cutoff_ms`; other routes before
// `other_cutoff_ms` (0: never).
std::function<bool(const PurgeCandidate&)> before(std::string recipient, std::int64_t cutoff_ms,
                                                  std::int64_t other_cutoff_ms = 0) {
  return [=](const PurgeCandidate& c) {
    if (c.sender == "police" && c.recipient == recipient && c.event_type == "hearing.scheduled") {
      return c.received_at_ms < cutoff_ms;
    }
    return c.received_at_ms < other_cutoff_ms;
  };
}

struct SpoolPurge : BackendTest {
  std::unique_ptr<Spool> spool;
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    spool = open();
    ASSERT_NE(spool, nullptr);
  }
  std::vector<nlohmann::json> records_of(std::string_view kind) {
    std::vector<nlohmann::json> out;
    for (const auto& row : backend->audit_rows()) {
      auto r = nlohmann::json::parse(row.record);
      if (r["kind"] == kind) out.push_back(std::move(r));
    }
    return out;
  }
  std::vector<Delivery> lease(std::string recipient, std::int64_t now) {
    auto r = lease_sync(*spool, LeaseRequest{std::move(recipient), 100, 1'000, now});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : std::vector<Delivery>{};
  }
};

// Queued, leased and dead copies before the cutoff go; an acked one, a later one and one on
// another route stay, payload and all.
TEST_P(SpoolPurge, PurgesUnackedCopiesPastRetentionOnly) {
  ASSERT_TRUE(append_sync(*spool, at("queued", {"cps"}, 1000)).ok());
  ASSERT_TRUE(append_sync(*spool, at("leased", {"cps"}, 1100)).ok());
  ASSERT_TRUE(append_sync(*spool, at("dead", {"cps"}, 1200)).ok());
  ASSERT_TRUE(append_sync(*spool, at("acked", {"cps"}, 1300)).ok());
  ASSERT_TRUE(append_sync(*spool, at("late", {"cps"}, 2000)).ok());             // at the cutoff
  ASSERT_TRUE(append_sync(*spool, at("other", {"provider.lvws"}, 1000)).ok());  // no route
  auto leased = lease("cps", 3000);
  ASSERT_EQ(leased.size(), 5u);
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"cps", leased[2].delivery_id, "permanent_failure",
                                            "HTTP 400", 3001})
                  .ok());
  ASSERT_TRUE(ack_sync(*spool, {"cps", leased[3].delivery_id, 3002}).ok());
  // queued: back to the queue (its lease handed back); leased: stays under lease.
  ReleaseRequest back{"cps", leased[0].delivery_id, 0, "stopping", 3003};
  back.returned = true;
  ASSERT_TRUE(status_sync(*spool, &Spool::release, back).ok());
  ASSERT_TRUE(status_sync(*spool, &Spool::release,
                          ReleaseRequest{"cps", leased[4].delivery_id, 0, "retry", 3003})
                  .ok());

  PurgeRequest request;
  request.due = before("cps", 2000);
  request.now_ms = 5000;
  request.actor = "schedule";
  auto purged = purge_sync(*spool, request);
  ASSERT_TRUE(purged.ok()) << purged.error().message;
  EXPECT_EQ(purged->purged, 3);
  EXPECT_EQ(purged->purged_by_recipient, (std::map<std::string, std::int64_t>{{"cps", 3}}));
  EXPECT_EQ(purged->batches, 1);

  EXPECT_EQ(backend->inspect(
                "SELECT message_id, state, CASE WHEN payload IS NULL THEN 1 ELSE 0 END FROM copies "
                "ORDER BY id"),
            "queued|purged|1\nleased|purged|1\ndead|purged|1\nacked|acked|1\nlate|queued|0\n"
            "other|queued|0");
  // Never leased, listed or redriven again; the counters follow.
  auto again = lease("cps", 10'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again.front().message_id, "late");
  Completion<Result<std::vector<DeadLetter>>> listed;
  spool->list_dead_letters("", 10, listed.handler());
  ASSERT_TRUE(listed.get().value().empty());
  Completion<Result<std::int64_t>> redriven;
  spool->redrive(RedriveRequest{"", 0, "admin", 10'001}, redriven.handler());
  EXPECT_EQ(redriven.get().value(), 0);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 1);
  EXPECT_EQ(spool->stats().dead_by_recipient.count("cps"), 0u);

  // One record, counts only: who, how many, per recipient.
  const auto records = records_of("retention.purged");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["at"], "1970-01-01T00:00:05.000Z");
  EXPECT_EQ(records[0]["details"],
            (nlohmann::json{
                {"actor", "schedule"}, {"batch", "1"}, {"purged", "3"}, {"purged.cps", "3"}}));
  EXPECT_FALSE(records[0].contains("message_id"));
}

// Only what `due` names goes: the caller's rule per route (the gateway: an uncovered route
// falls back to the default period).
TEST_P(SpoolPurge, OnlyWhatTheCallerJudgesDueGoes) {
  ASSERT_TRUE(append_sync(*spool, at("m1", {"cps", "provider.lvws"}, 1000)).ok());
  PurgeRequest keep;
  keep.due = before("cps", 900);  // cps: within retention, the rest kept
  keep.now_ms = 5000;
  auto kept = purge_sync(*spool, keep);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->purged, 0);
  PurgeRequest with_default = keep;
  with_default.due = before("cps", 900, 1001);
  auto purged = purge_sync(*spool, with_default);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged->purged_by_recipient,
            (std::map<std::string, std::int64_t>{{"provider.lvws", 1}}));
  EXPECT_EQ(backend->inspect("SELECT recipient, state FROM copies ORDER BY id"),
            "cps|queued\nprovider.lvws|purged");
  // Two runs, one record each (the first purged nothing and says so).
  const auto records = records_of("retention.purged");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["details"]["purged"], "0");
  EXPECT_EQ(records[1]["details"]["purged.provider.lvws"], "1");
}

// A big purge runs in batches, each its own transaction and record; batches that purge
// nothing after the first record nothing.
TEST_P(SpoolPurge, RunsInBatchesEachWithItsRecord) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(append_sync(*spool, at("m" + std::to_string(i), {"cps"}, 1000)).ok());
  }
  for (int i = 0; i < 4; ++i) {  // within retention: examined, kept
    ASSERT_TRUE(append_sync(*spool, at("k" + std::to_string(i), {"cps"}, 9000)).ok());
  }
  PurgeRequest request;
  request.due = before("cps", 2000);
  request.now_ms = 10'000;
  request.batch_size = 2;
  auto purged = purge_sync(*spool, request);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged->purged, 5);
  EXPECT_EQ(purged->batches, 5);  // 9 copies, 2 a batch: the fifth examines one
  const auto records = records_of("retention.purged");
  ASSERT_EQ(records.size(), 3u);  // batches 1, 2 (2 each) and 3 (1); 4 and 5 purged nothing
  EXPECT_EQ(records[0]["details"]["batch"], "1");
  EXPECT_EQ(records[2]["details"]["batch"], "3");
  EXPECT_EQ(records[2]["details"]["purged"], "1");
  EXPECT_EQ(backend->inspect("SELECT count(*) FROM copies WHERE state = 'queued'"), "4");
}

// A recipient still holding the lease of a purged copy may ack it: the copy was delivered.
TEST_P(SpoolPurge, ACopyPurgedUnderItsLeaseCanStillBeAcked) {
  ASSERT_TRUE(append_sync(*spool, at("m1", {"cps"}, 1000)).ok());
  auto leased = lease("cps", 1500);
  ASSERT_EQ(leased.size(), 1u);
  PurgeRequest request;
  request.due = before("cps", 2000);
  request.now_ms = 1600;
  ASSERT_EQ(purge_sync(*spool, request).value().purged, 1);
  EXPECT_EQ(spool->stats().queued_by_recipient.count("cps") == 0 ||
                spool->stats().queued_by_recipient.at("cps") == 0,
            true);
  auto acked = ack_sync(*spool, {"cps", leased[0].delivery_id, 1700});
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked.value(), AckOutcome::acked);
  EXPECT_EQ(
      backend->inspect("SELECT state, CASE WHEN payload IS NULL THEN 1 ELSE 0 END FROM copies"),
      "acked|1");
  // Not counted twice.
  const auto& queued = spool->stats().queued_by_recipient;
  EXPECT_TRUE(queued.count("cps") == 0 || queued.at("cps") == 0);
  // And a purge has nothing more to do.
  EXPECT_EQ(purge_sync(*spool, request).value().purged, 0);
}

// The purge survives a reopen: purged copies are still out of every queue.
TEST_P(SpoolPurge, PurgedCopiesStayOutAfterAReopen) {
  ASSERT_TRUE(append_sync(*spool, at("m1", {"cps"}, 1000)).ok());
  PurgeRequest request;
  request.due = before("cps", 2000);
  request.now_ms = 5000;
  ASSERT_EQ(purge_sync(*spool, request).value().purged, 1);
  spool->shutdown();
  spool.reset();
  spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_TRUE(lease("cps", 10'000).empty());
  EXPECT_EQ(spool->stats().queued_by_recipient.count("cps"), 0u);
}

ACCORD_SPOOL_BACKENDS(SpoolPurge);

}  // namespace
}  // namespace accord::spool
