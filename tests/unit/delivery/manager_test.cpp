// delivery::Manager and the WakingSpool: a stored submission or a redrive wakes the
// recipient's worker (nothing else would for an hour here), a mailbox recipient gets no
// worker, and stop() stops leasing, lets in-flight deliveries finish within its grace, then
// stops the adapters, whose cancelled hand-overs are handed back unused.
#include "accord/delivery/manager.hpp"

#include <thread>

#include "accord/delivery/waking_spool.hpp"
#include "delivery_fixture.hpp"

namespace accord::delivery {
namespace {

// A pull recipient (the mailbox): no worker.
class PullAdapter final : public adapters::OutboundAdapter {
 public:
  std::string_view kind() const override { return "pull"; }
  bool pushes() const override { return false; }
  void deliver(OutboundMessage, Done done) override {
    done({DeliveryStatus::permanent_failure, "never pushed"});
  }
};

class ManagerTest : public DeliveryFixture {
 protected:
  void TearDown() override {
    if (manager_) manager_->stop();
    DeliveryFixture::TearDown();
  }

  // The manager takes its adapters; the test keeps a pointer to watch them.
  ScriptedAdapter* make_manager(std::chrono::milliseconds grace = 10s) {
    manager_ = std::make_unique<Manager>(io_, *spool_, env_, options_, grace);
    auto owned = std::make_unique<ScriptedAdapter>();
    ScriptedAdapter* adapter = owned.get();
    manager_->add(kRecipient, std::move(owned));
    manager_->add("mailbox-agency", std::make_unique<PullAdapter>());
    waking_ = std::make_unique<WakingSpool>(*spool_, *manager_);
    manager_->start();
    return adapter;
  }

  WorkerStats stats() { return manager_->stats().at(kRecipient); }
  void wait_idle() {
    ASSERT_TRUE(testing::wait_until([&] { return stats().next_poll_at_ms != 0; }));
  }

  void append_through_waking_spool(const std::string& id) {
    spool::Submission s;
    s.sender = "police";
    s.message_id = id;
    s.content_hash = "hash-" + id;
    s.event_type = "hearing.scheduled";
    s.case_urn = "urn:case:" + id;
    s.received_at_ms = env_.now_ms();
    s.copies.push_back(spool::Copy{kRecipient, "{\"id\":\"" + id + "\"}"});
    s.copies.push_back(spool::Copy{"mailbox-agency", "{\"id\":\"" + id + "\"}"});
    auto r = sync<Result<spool::AppendResult>>(
        [&](auto done) { waking_->append(std::move(s), std::move(done)); });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  std::unique_ptr<Manager> manager_;
  std::unique_ptr<WakingSpool> waking_;
};

TEST_F(ManagerTest, OnlyPushRecipientsGetAWorker) {
  make_manager();
  EXPECT_TRUE(manager_->pushes_to(kRecipient));
  EXPECT_FALSE(manager_->pushes_to("mailbox-agency"));
  EXPECT_EQ(manager_->stats().size(), 1u);
  manager_->notify("mailbox-agency");  // no worker: nothing to wake, nothing breaks
  manager_->notify("unknown-agency");
}

TEST_F(ManagerTest, AStoredSubmissionWakesTheRecipientsWorker) {
  auto* adapter = make_manager();
  wait_idle();
  EXPECT_EQ(stats().next_poll_at_ms, env_.now_ms() + 3'600'000) << "asleep for the idle poll";
  append_through_waking_spool("m1");
  ASSERT_TRUE(testing::wait_until([&] { return stats().delivered == 1; }));
  EXPECT_EQ(adapter->calls()[0].message_id, "m1");
}

TEST_F(ManagerTest, ARedriveWakesTheRecipientsWorker) {
  auto* adapter = make_manager();
  // Refused the first time; a redrive resets the attempts, so count the calls instead.
  auto calls = std::make_shared<std::atomic<int>>(0);
  adapter->set_script([calls](const OutboundMessage&) {
    return ++*calls == 1 ? DeliveryOutcome{DeliveryStatus::permanent_failure, "400"}
                         : DeliveryOutcome{DeliveryStatus::delivered, ""};
  });
  append_through_waking_spool("m1");
  ASSERT_TRUE(
      testing::wait_until([&] { return stats().dead_lettered == 1 && stats().in_flight == 0; }));
  wait_idle();
  auto redriven = sync<Result<std::int64_t>>([&](auto done) {
    waking_->redrive(spool::RedriveRequest{kRecipient, 0, "admin", env_.now_ms()}, std::move(done));
  });
  ASSERT_TRUE(redriven.ok());
  ASSERT_EQ(redriven.value(), 1);
  ASSERT_TRUE(testing::wait_until([&] { return stats().delivered == 1; }));
}

// Stop order, the in-flight delivery finishing within the grace: the outcome is applied
// (acked), and only then are the adapters stopped.
TEST_F(ManagerTest, StopLetsInFlightDeliveriesFinishThenStopsTheAdapters) {
  auto* adapter = make_manager(/*grace=*/60s);
  adapter->set_manual(true);
  append_through_waking_spool("m1");
  ASSERT_TRUE(testing::wait_until([&] { return adapter->parked().size() == 1; }));
  std::thread stopper([&] { manager_->stop(); });
  ASSERT_TRUE(testing::wait_until([&] { return stats().stopping; }));
  EXPECT_FALSE(adapter->stopped()) << "the adapter stopped before the grace was over";
  ASSERT_TRUE(adapter->complete("m1", {DeliveryStatus::delivered, ""}));
  stopper.join();
  EXPECT_TRUE(adapter->stopped());
  EXPECT_EQ(queued(), 0) << "the outcome of the in-flight delivery was applied";
  EXPECT_EQ(stats().delivered, 1);
}

// With no grace left, the adapter's stop() cancels the hand-over and the lease is handed back
// unused: leasable at once, its attempt not counted (delivery.returned).
TEST_F(ManagerTest, StopCancelsWhatOutlivesTheGraceAndReturnsItsLease) {
  auto* adapter = make_manager(/*grace=*/0ms);
  adapter->set_manual(true);
  append_through_waking_spool("m1");
  ASSERT_TRUE(testing::wait_until([&] { return adapter->parked().size() == 1; }));
  manager_->stop();
  EXPECT_TRUE(adapter->stopped());
  EXPECT_EQ(stats().retried, 0) << "a cancelled hand-over counted as a failure";
  auto leased = sync<Result<std::vector<spool::Delivery>>>([&](auto done) {
    spool_->lease(spool::LeaseRequest{kRecipient, 10, 1'000, env_.now_ms()}, std::move(done));
  });
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  ASSERT_EQ(leased->size(), 1u) << "the copy waits for a retry time after a clean stop";
  EXPECT_EQ(leased->front().attempts, 1) << "the stop burned a delivery attempt";
}

}  // namespace
}  // namespace accord::delivery
