// The dedup probe (Spool::find_submission): a read of committed submissions on the caller's
// thread, never through the writer's queue. It answers while the writer is held, so a resent
// duplicate never waits for (or adds to) the writer's queue; it does not see what the writer
// has not committed, which is why append() keeps its own check.
//
// Per backend: SQLite's probe finds what was committed. PostgreSQL's always answers nothing
// (pg_spool.hpp: a row read outside the writer may have been committed on the primary alone,
// without the standby, and must not be answered as stored), so there every resend goes
// through append(), whose dedup these tests check too.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

using SpoolDedupProbe = BackendTest;

TEST_P(SpoolDedupProbe, FindsOnlyWhatWasCommittedWithItsFirstFacts) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  auto none = spool->find_submission("police", "m1");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(
      append_sync(*spool, make_submission("m1", {"cps", "wcu"}, "police", "h1", 1234)).ok());
  auto found = spool->find_submission("police", "m1");
  ASSERT_TRUE(found.ok()) << found.error().message;
  if (backend->probe_sees_commits()) {
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->content_hash, "h1");
    EXPECT_EQ((*found)->received_at_ms, 1234);
    EXPECT_EQ((*found)->recipients, (std::vector<std::string>{"cps", "wcu"}));
  } else {
    EXPECT_FALSE(found->has_value()) << backend->name() << ": the probe never answers";
  }
  // The key is (sender, message id): another sender's m1 is another submission.
  auto other = spool->find_submission("cps", "m1");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  // Whatever the probe answered, append() finds the first submission and its facts.
  auto again = append_sync(*spool, make_submission("m1", {"court"}, "police", "h1", 9999));
  ASSERT_TRUE(again.ok()) << again.error().code;
  EXPECT_EQ(again->outcome, AppendOutcome::duplicate);
  EXPECT_EQ(again->received_at_ms, 1234);
  EXPECT_EQ(again->recipients, (std::vector<std::string>{"cps", "wcu"}));
}

TEST_P(SpoolDedupProbe, AnswersWhileTheWriterIsHeldAndMissesWhatItHasNotCommitted) {
  WriterHold hold;
  BackendOptions opts;
  opts.before_batch = hold.hook();
  auto spool = open(opts);
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
  const int want = (backend->probe_sees_commits() ? 1 : 0) + 2;
  Completion<Result<AppendResult>> queued;
  {
    WriterGate gate(*spool, hold);
    spool->append(make_submission("m2", {"cps"}), queued.handler());
    // From several threads at once, each with a reader of its own (or a pooled one).
    std::vector<std::thread> probes;
    std::vector<int> seen(4, -1);
    for (std::size_t t = 0; t < seen.size(); ++t) {
      probes.emplace_back([&, t] {
        auto m1 = spool->find_submission("police", "m1");
        auto m2 = spool->find_submission("police", "m2");
        seen[t] = (m1.ok() && m1->has_value() ? 1 : 0) + (m2.ok() && !m2->has_value() ? 2 : 0);
      });
    }
    for (auto& p : probes) p.join();
    for (int s : seen) {
      EXPECT_EQ(s, want) << "m2 (still queued) not found; m1 (committed) found by "
                         << backend->name() << "'s probe: " << backend->probe_sees_commits();
    }
  }
  ASSERT_TRUE(queued.get().ok());
  auto m2 = spool->find_submission("police", "m2");
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->has_value(), backend->probe_sees_commits());
}

ACCORD_SPOOL_BACKENDS(SpoolDedupProbe);

}  // namespace
}  // namespace accord::spool
