// The dispatcher driven with made-up times: open-loop due times follow the sequence number,
// phases follow the due time (open) or the current time (closed), and the run ends on the
// duration or the message count.
#include "accord/bench/schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>
#include <vector>

namespace accord::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct DueRow {
  std::uint64_t seq;
  double rate;
  std::int64_t want_ns;
};

void PrintTo(const DueRow& r, std::ostream* os) {
  *os << "ticket " << r.seq << " at " << r.rate << "/s";
}

class BenchDueOffset : public ::testing::TestWithParam<DueRow> {};

TEST_P(BenchDueOffset, FromSequenceNumber) {
  EXPECT_EQ(due_offset(GetParam().seq, GetParam().rate).count(), GetParam().want_ns);
}

INSTANTIATE_TEST_SUITE_P(Rows, BenchDueOffset,
                         ::testing::Values(DueRow{0, 1000, 0}, DueRow{1, 1000, 1'000'000},
                                           DueRow{1000, 1000, 1'000'000'000},
                                           // 1/3 s periods: no drift after a million
                                           DueRow{3'000'000, 3, 1'000'000'000'000'000},
                                           DueRow{1, 3, 333'333'333}, DueRow{2, 3, 666'666'667},
                                           DueRow{5, 0, 0}, DueRow{5, -1, 0}));

TEST(BenchDispatcher, OpenLoopPhasesFollowDueTimeNotCallTime) {
  Plan plan;
  plan.rate = 10;  // one per 100 ms
  plan.warmup = milliseconds(300);
  plan.duration = seconds(1);
  Dispatcher d(plan);
  std::vector<Ticket> tickets;
  // Asked for all at once at t=0 (a worker would sleep until each due time) and then very
  // late: neither moves a ticket between phases.
  while (auto t = d.next(tickets.size() < 5 ? Nanos{0} : Nanos{seconds(100)})) {
    tickets.push_back(*t);
  }
  ASSERT_EQ(tickets.size(), 13u);  // due 0, 100, ..., 1200 ms; 1300 ms is the end
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    EXPECT_EQ(tickets[i].seq, i);
    EXPECT_EQ(tickets[i].due, milliseconds(100 * i));
    EXPECT_EQ(tickets[i].measured, i >= 3) << i;
  }
  EXPECT_TRUE(d.done());
  EXPECT_FALSE(d.next(Nanos{0}).has_value());  // sticky
}

TEST(BenchDispatcher, ClosedLoopPhasesFollowTheClock) {
  Plan plan;
  plan.warmup = seconds(2);
  plan.duration = seconds(5);
  Dispatcher d(plan);
  struct Row {
    Nanos now;
    bool issued;
    bool measured;
  };
  const std::vector<Row> rows = {{seconds(0), true, false},  {milliseconds(1999), true, false},
                                 {seconds(2), true, true},   {milliseconds(6999), true, true},
                                 {seconds(7), false, false}, {seconds(3), false, false}};
  for (const Row& row : rows) {
    const auto t = d.next(row.now);
    ASSERT_EQ(t.has_value(), row.issued) << row.now.count();
    if (t) {
      EXPECT_EQ(t->measured, row.measured) << row.now.count();
      EXPECT_EQ(t->due, row.now);
    }
  }
}

TEST(BenchDispatcher, MessageCountStopsAfterThatManyMeasured) {
  Plan plan;
  plan.warmup = seconds(1);
  plan.messages = 3;
  Dispatcher d(plan);
  int warmup = 0, measured = 0;
  for (int i = 0; i < 4; ++i) {
    auto t = d.next(milliseconds(500));
    ASSERT_TRUE(t);
    warmup += !t->measured;
  }
  while (auto t = d.next(seconds(2))) measured += t->measured;
  EXPECT_EQ(warmup, 4);
  EXPECT_EQ(measured, 3);
}

TEST(BenchDispatcher, StopEndsAnUnboundedRun) {
  Dispatcher d(Plan{});
  EXPECT_TRUE(d.next(seconds(1000)).has_value());
  EXPECT_FALSE(d.measure_end().has_value());
  d.stop();
  EXPECT_FALSE(d.next(seconds(1)).has_value());
}

TEST(BenchDispatcher, ConcurrentCallersGetUniqueSequenceNumbers) {
  Plan plan;
  plan.messages = 20'000;
  Dispatcher d(plan);
  std::vector<std::vector<std::uint64_t>> seen(4);
  std::vector<std::thread> threads;
  for (auto& out : seen) {
    threads.emplace_back([&d, &out] {
      while (auto t = d.next(Nanos{1})) out.push_back(t->seq);
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> all;
  std::size_t total = 0;
  for (const auto& out : seen) {
    total += out.size();
    all.insert(out.begin(), out.end());
  }
  EXPECT_EQ(total, 20'000u);
  EXPECT_EQ(all.size(), 20'000u);
}

}  // namespace
}  // namespace accord::bench
