// The dedup probe (Spool::find_submission): a read of committed submissions on the caller's
// thread through a reader connection. It answers while the writer is held, so a resent
// duplicate never waits for (or adds to) the writer's queue; it does not see what the writer
// has not committed, which is why append() keeps its own check.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

TEST(SpoolDedupProbe, FindsOnlyWhatWasCommittedWithItsFirstFacts) {
  TempDir dir;
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  auto none = spool->find_submission("police", "m1");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(
      append_sync(*spool, make_submission("m1", {"cps", "wcu"}, "police", "h1", 1234)).ok());
  auto found = spool->find_submission("police", "m1");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->content_hash, "h1");
  EXPECT_EQ((*found)->received_at_ms, 1234);
  EXPECT_EQ((*found)->recipients, (std::vector<std::string>{"cps", "wcu"}));
  // The key is (sender, message id): another sender's m1 is another submission.
  auto other = spool->find_submission("cps", "m1");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  // The readers close before the writer: its connection is the last, checkpoints and removes
  // the WAL at a clean close, as it does without a probe.
  spool.reset();
  EXPECT_FALSE(std::filesystem::exists(dir.file("spool.db-wal")));
}

TEST(SpoolDedupProbe, AnswersWhileTheWriterIsHeldAndMissesWhatItHasNotCommitted) {
  TempDir dir;
  WriterHold hold;
  auto opts = options_for(dir.file("spool.db"));
  opts.before_batch = hold.hook();
  auto spool = open_or_die(opts);
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
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
    for (int s : seen) EXPECT_EQ(s, 3) << "m1 found and m2 (still queued) not found";
  }
  ASSERT_TRUE(queued.get().ok());
  auto m2 = spool->find_submission("police", "m2");
  ASSERT_TRUE(m2.ok());
  EXPECT_TRUE(m2->has_value());
}

}  // namespace
}  // namespace accord::spool
