// Memory stays bounded however much is queued: nothing per message lives in RAM beyond
// the pending operations. Measured as resident set size, not time.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

std::int64_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::int64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

TEST(SpoolMemory, TwoHundredThousandQueuedCopiesKeepRssBounded) {
  constexpr int kCopies = 200'000;
  constexpr int kWindow = 2048;  // appends in flight at once
  constexpr std::int64_t kBound = 64LL << 20;
  TempDir dir;
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);

  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;  // guarded by mu
  int failed = 0;     // guarded by mu
  auto append_all = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight < kWindow; });
        ++in_flight;
      }
      Submission s = make_submission("m" + std::to_string(i), {"cps"});
      s.copies[0].payload.append(256, 'x');  // if payloads were kept, 200k of these > bound
      spool->append(std::move(s), [&](Result<AppendResult> r) {
        std::lock_guard lock(mu);
        --in_flight;
        if (!r.ok()) ++failed;
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  };

  append_all(0, 5000);  // warm-up: SQLite's page cache and the allocator reach steady state
  const std::int64_t before = rss_bytes();
  ASSERT_GT(before, 0);
  append_all(5000, kCopies);
  const std::int64_t after = rss_bytes();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), kCopies);
  EXPECT_LT(after - before, kBound) << "RSS grew from " << before << " to " << after;
  RecordProperty("rss_growth_bytes", std::to_string(after - before));
}

}  // namespace
}  // namespace accord::spool
