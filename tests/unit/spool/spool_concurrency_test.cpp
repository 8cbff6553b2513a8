// The writer thread: group commit under concurrent appenders, dedup inside one batch,
// back-pressure (overloaded) and shutdown, on each backend.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

using SpoolConcurrency = BackendTest;

TEST_P(SpoolConcurrency, ManyAppendersEveryHandlerOnceAndBatched) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1500;
  constexpr int kTotal = kThreads * kPerThread;
  auto spool = open();
  ASSERT_NE(spool, nullptr);

  std::vector<std::atomic<int>> calls(kTotal);
  std::atomic<int> stored{0};
  std::latch all_done(kTotal);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        spool->append(make_submission("m" + std::to_string(n), {"cps", "wcu"}),
                      [&, n](Result<AppendResult> r) {
                        if (r.ok() && r->outcome == AppendOutcome::stored) ++stored;
                        ++calls[n];
                        all_done.count_down();
                      });
      }
    });
  }
  for (auto& th : threads) th.join();
  all_done.wait();
  for (int n = 0; n < kTotal; ++n) ASSERT_EQ(calls[n].load(), 1) << "handler of m" << n;
  EXPECT_EQ(stored.load(), kTotal);
  const auto s = spool->stats();
  EXPECT_EQ(s.appended, kTotal);
  EXPECT_LT(s.commits, kTotal) << "group commit: fewer transactions than appends";
  EXPECT_EQ(s.queued_by_recipient,
            (std::map<std::string, std::int64_t>{{"cps", kTotal}, {"wcu", kTotal}}));

  spool.reset();
  spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().queued_by_recipient,
            (std::map<std::string, std::int64_t>{{"cps", kTotal}, {"wcu", kTotal}}));
}

// Handlers run in commit order, on the spool's own thread (never the caller's, for work that
// needed the store): one caller's appends are answered in the order it made them.
TEST_P(SpoolConcurrency, HandlersRunInCommitOrderOffTheCallersThread) {
  constexpr int kAppends = 300;
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  std::mutex mu;
  std::vector<int> order;  // guarded by mu
  bool on_caller = false;  // guarded by mu
  std::latch done(kAppends);
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < kAppends; ++i) {
    spool->append(make_submission("m" + std::to_string(i), {"cps"}),
                  [&, i](Result<AppendResult> r) {
                    {
                      std::lock_guard lock(mu);
                      if (r.ok()) order.push_back(i);
                      on_caller = on_caller || std::this_thread::get_id() == caller;
                    }
                    done.count_down();
                  });
  }
  done.wait();
  std::lock_guard lock(mu);
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kAppends));
  for (int i = 0; i < kAppends; ++i) ASSERT_EQ(order[i], i) << "handler " << i;
  EXPECT_FALSE(on_caller);
}

TEST_P(SpoolConcurrency, SameKeyTwiceInOneBatchIsDuplicate) {
  WriterHold hold;
  BackendOptions opts;
  opts.before_batch = hold.hook();
  auto spool = open(opts);
  ASSERT_NE(spool, nullptr);
  Completion<Result<AppendResult>> first, second, third;
  std::int64_t commits_before = 0;
  {
    WriterGate gate(*spool, hold);  // the three appends below queue up as one batch
    commits_before = spool->stats().commits;
    spool->append(make_submission("m1", {"cps"}), first.handler());
    spool->append(make_submission("m1", {"cps"}), second.handler());
    spool->append(make_submission("m1", {"cps"}, "police", "other-hash"), third.handler());
  }
  auto a = first.get(), b = second.get(), c = third.get();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->outcome, AppendOutcome::stored);
  EXPECT_EQ(b->outcome, AppendOutcome::duplicate);
  EXPECT_EQ(c->outcome, AppendOutcome::conflict);
  EXPECT_EQ(b->recipients, std::vector<std::string>{"cps"});
  // The gate's own batch, then one for the three appends.
  EXPECT_EQ(spool->stats().commits - commits_before, 2);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 1);
}

TEST_P(SpoolConcurrency, TwoLeasesInOneBatchNeverShareACopy) {
  WriterHold hold;
  BackendOptions opts;
  opts.before_batch = hold.hook();
  auto spool = open(opts);
  ASSERT_NE(spool, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(append_sync(*spool, make_submission("m" + std::to_string(i), {"cps"})).ok());
  }
  Completion<Result<std::vector<Delivery>>> one, two;
  {
    WriterGate gate(*spool, hold);
    spool->lease(LeaseRequest{"cps", 3, 100, 1000}, one.handler());
    spool->lease(LeaseRequest{"cps", 3, 100, 1000}, two.handler());
  }
  auto a = one.get(), b = two.get();
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<std::string> ids;
  for (const auto& d : *a) ids.push_back(d.message_id);
  for (const auto& d : *b) ids.push_back(d.message_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
}

TEST_P(SpoolConcurrency, OverloadedBeyondMaxPendingAnsweredAtOnce) {
  BackendOptions opts;
  opts.max_pending = 8;
  WriterHold hold;
  opts.before_batch = hold.hook();
  auto spool = open(opts);
  ASSERT_NE(spool, nullptr);
  std::atomic<int> stored{0};
  std::latch queued_done(8);
  WriterGate gate(*spool, hold);
  for (int i = 0; i < 8; ++i) {
    spool->append(make_submission("q" + std::to_string(i), {"cps"}), [&](Result<AppendResult> r) {
      if (r.ok()) ++stored;
      queued_done.count_down();
    });
  }
  EXPECT_EQ(spool->stats().pending_operations, 8);
  bool refused_inline = false;
  std::string code;
  spool->append(make_submission("one-too-many", {"cps"}), [&](Result<AppendResult> r) {
    refused_inline = true;
    if (!r.ok()) code = r.error().code;
  });
  EXPECT_TRUE(refused_inline) << "overloaded must be answered before append returns";
  EXPECT_EQ(code, "overloaded");
  gate.open();
  queued_done.wait();
  EXPECT_EQ(stored.load(), 8);
  // Once drained, the refused submission can be retried.
  auto retry = append_sync(*spool, make_submission("one-too-many", {"cps"}));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->outcome, AppendOutcome::stored);
}

TEST_P(SpoolConcurrency, ShutdownDrainsQueuedWorkThenRefuses) {
  constexpr int kQueued = 500;
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  std::atomic<int> stored{0};
  for (int i = 0; i < kQueued; ++i) {
    spool->append(make_submission("m" + std::to_string(i), {"cps"}), [&](Result<AppendResult> r) {
      if (r.ok() && r->outcome == AppendOutcome::stored) ++stored;
    });
  }
  spool->shutdown();
  EXPECT_EQ(stored.load(), kQueued) << "shutdown() returns after the queue is drained";

  std::vector<std::string> codes;
  spool->append(make_submission("late", {"cps"}),
                [&](Result<AppendResult> r) { codes.push_back(r.ok() ? "ok" : r.error().code); });
  spool->lease(LeaseRequest{"cps", 1, 1, 0}, [&](Result<std::vector<Delivery>> r) {
    codes.push_back(r.ok() ? "ok" : r.error().code);
  });
  spool->ack(AckRequest{"cps", 1, 0},
             [&](Result<AckOutcome> r) { codes.push_back(r.ok() ? "ok" : r.error().code); });
  EXPECT_EQ(codes, (std::vector<std::string>{"shutting_down", "shutting_down", "shutting_down"}));
  spool->shutdown();  // idempotent
  spool.reset();      // the destructor's shutdown() is a no-op now

  spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), kQueued);
  auto late = append_sync(*spool, make_submission("late", {"cps"}));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->outcome, AppendOutcome::stored) << "a refused append stored nothing";
}

TEST_P(SpoolConcurrency, DestructorDrainsLikeShutdown) {
  std::atomic<int> stored{0};
  {
    auto spool = open();
    ASSERT_NE(spool, nullptr);
    for (int i = 0; i < 100; ++i) {
      spool->append(make_submission("m" + std::to_string(i), {"cps"}),
                    [&](Result<AppendResult> r) { stored += r.ok() ? 1 : 0; });
    }
  }
  EXPECT_EQ(stored.load(), 100);
}

ACCORD_SPOOL_BACKENDS(SpoolConcurrency);

}  // namespace
}  // namespace accord::spool
