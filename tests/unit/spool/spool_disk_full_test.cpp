// A disk that fills up for real: PRAGMA max_page_count caps the file, SQLite answers
// SQLITE_FULL exactly as for ENOSPC. The whole batch fails, nothing of it is visible, and
// the same spool object works again once there is room.
#include <gtest/gtest.h>

#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

Submission big(const std::string& id) {
  Submission s = make_submission(id, {"cps"});
  s.copies[0].payload = std::string(8192, 'p');
  return s;
}

TEST(SpoolDiskFull, FailsWholeBatchThenRecovers) {
  TempDir dir;
  auto opts = options_for(dir.file("spool.db"));
  opts.max_page_count = 48;  // ~192 KiB
  WriterHold hold;
  opts.before_batch = hold.hook();
  auto spool = open_or_die(opts);
  ASSERT_NE(spool, nullptr);

  // Lease the first copy while there is room, to ack it later.
  ASSERT_TRUE(append_sync(*spool, big("fill0")).ok());
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 1, 100, 1000});
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  ASSERT_EQ(leased->size(), 1u);
  const auto fill0 = leased->front().delivery_id;

  // Fill until the disk refuses. (On a full disk even a lease can fail: marking a row
  // leased may need a new page.)
  int stored = 1;
  std::string refusal;
  for (int i = 1; i < 200 && refusal.empty(); ++i) {
    auto r = append_sync(*spool, big("fill" + std::to_string(i)));
    if (r.ok()) {
      ++stored;
    } else {
      refusal = r.error().code;
    }
  }
  ASSERT_EQ(refusal, "storage_unavailable");
  const auto queued_before = spool->stats().queued_by_recipient;
  const auto appended_before = spool->stats().appended;

  // One batch: a new append (needs pages), an ack and a lease. All fail together.
  Completion<Result<AppendResult>> a;
  Completion<Result<AckOutcome>> k;
  Completion<Result<std::vector<Delivery>>> l;
  {
    WriterGate gate(*spool, hold);
    spool->append(big("victim"), a.handler());
    spool->ack(AckRequest{"cps", fill0, 2000}, k.handler());
    spool->lease(LeaseRequest{"cps", 5, 100, 5000}, l.handler());
  }
  auto ar = a.get();
  auto kr = k.get();
  auto lr = l.get();
  ASSERT_FALSE(ar.ok());
  ASSERT_FALSE(kr.ok());
  ASSERT_FALSE(lr.ok());
  EXPECT_EQ(ar.error().code, "storage_unavailable");
  EXPECT_EQ(kr.error().code, "storage_unavailable");
  EXPECT_EQ(lr.error().code, "storage_unavailable");
  EXPECT_EQ(spool->stats().queued_by_recipient, queued_before);
  EXPECT_EQ(spool->stats().appended, appended_before);

  // The disk "recovers": same spool object, no reopen.
  ASSERT_TRUE(set_max_page_count(*spool, 1'000'000).ok());
  auto again = append_sync(*spool, big("victim"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->outcome, AppendOutcome::stored) << "the failed batch left nothing behind";
  auto ack = ack_sync(*spool, AckRequest{"cps", fill0, 3000});
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(*ack, AckOutcome::acked) << "the failed ack was rolled back";
  // The failed lease did not hide anything: only the first lease (expired at 1100) counts.
  auto relist = lease_sync(*spool, LeaseRequest{"cps", 1000, 100, 1100});
  ASSERT_TRUE(relist.ok());
  EXPECT_EQ(relist->size(), static_cast<std::size_t>(stored));  // stored - fill0 + victim
  for (const auto& d : *relist) EXPECT_EQ(d.attempts, 1) << d.message_id;
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), stored);
}

TEST(SpoolDiskFull, KnobRejectsNonsense) {
  TempDir dir;
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  const auto s = set_max_page_count(*spool, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_argument");
}

}  // namespace
}  // namespace accord::spool
