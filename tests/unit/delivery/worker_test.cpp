// DeliveryWorker against a real SQLite spool and a scripted outbound adapter. The worker's
// Env is a FakeEnv: backoff, circuit windows, lease expiry and max_age pass when the test
// moves its clock, and the test calls notify() where the worker's timer would fire. Nothing
// sleeps; a "nothing happened" assertion follows poke(), which waits for the worker to
// have looked.
#include "accord/delivery/worker.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "accord/core/time_format.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/spool/forwarding_spool.hpp"
#include "delivery_fixture.hpp"

namespace accord::delivery {
namespace {

class WorkerTest : public DeliveryFixture {};

TEST_F(WorkerTest, DeliveredCopiesAreAcked) {
  auto& adapter = make_adapter();
  for (int i = 0; i < 3; ++i) append("m" + std::to_string(i), "urn:case:" + std::to_string(i));
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 3; }));
  EXPECT_EQ(queued(), 0);
  EXPECT_TRUE(dead_letters().empty());
  for (const auto& call : adapter.calls()) {
    EXPECT_EQ(call.attempt, 1);
    EXPECT_EQ(call.recipient, kRecipient);
    EXPECT_EQ(call.sender, "police");
    // The stored document's members, after the item's own (the self-contained item).
    const auto document = nlohmann::json::parse(call.document);
    EXPECT_EQ(document["id"], call.message_id);
    EXPECT_EQ(document["sender"], "police");
    EXPECT_EQ(document["recipient"], kRecipient);
    EXPECT_EQ(document["attempts"], 1);
  }
  poke();
  EXPECT_EQ(adapter.call_count(), 3u) << "acked copies are never handed over again";
}

// A push adapter's `delivered` is the channel's ack (issue 18): the copy is done for the spool
// and shows as delivered, with the channel's reference, until its recipient acknowledges it.
TEST_F(WorkerTest, DeliveredIsAChannelAckWithTheChannelsReference) {
  auto& adapter = make_adapter();
  adapter.set_script([](const OutboundMessage& m) {
    DeliveryOutcome delivered{DeliveryStatus::delivered, ""};
    delivered.channel_ref = "<" + std::to_string(m.delivery_id) + ".x@gateway>";
    return delivered;
  });
  append("m1", "urn:case:1");
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  EXPECT_EQ(queued(), 0);
  const std::int64_t id = adapter.calls().at(0).delivery_id;
  // The ack is durable before the worker counts it settled; read until it shows.
  std::optional<spool::MessageStatus> status;
  ASSERT_TRUE(testing::wait_until([&] {
    auto r = spool_->message_status("police", "m1", env_.now_ms());
    if (!r.ok() || !r->has_value() || (*r)->copies.empty()) return false;
    status = **r;
    return status->copies[0].state == "delivered";
  }));
  EXPECT_EQ(status->copies[0].channel_ref, "<" + std::to_string(id) + ".x@gateway>");
  EXPECT_TRUE(status->copies[0].delivered_at_ms.has_value());
  EXPECT_FALSE(status->copies[0].acknowledged_at_ms.has_value());
  auto facts = spool_->copy_facts(kRecipient, id);
  ASSERT_TRUE(facts.ok() && facts->has_value());
  EXPECT_EQ((*facts)->state, "acked");
  EXPECT_FALSE((*facts)->acknowledged);
}

// Issue 11 (4): a push recipient gets the same self-contained item as the mailbox, so it can
// verify the gateway signature from what it received alone. Before, the adapter got only
// {"envelope","signature"}: no sender, recipient or received_at to rebuild the signed bytes.
TEST_F(WorkerTest, PushedDocumentIsTheSelfContainedSignedItem) {
  auto signer = crypto::GatewaySigner::load_or_create(dir_.file("signing.json"), env_.now_ms());
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  auto copy = crypto::decode_delivered(R"({"id":"m-signed","type":"hearing.scheduled",
      "case":{"urn":"01AB1234521","owner":"police.met"},"subject":{"role":"victim","ref":"V-1"},
      "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL",
      "data":{"hearing":{"court":"Southwark","fee":1e15}}})");
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  const std::int64_t received_at_ms = env_.now_ms() - 1234;
  const crypto::DeliveryInfo info{"police", kRecipient, "m-signed", format_time_ms(received_at_ms)};
  const std::string stored = "{\"envelope\":" + envelope::encode(*copy) +
                             ",\"signature\":" + signer->sign_delivery(info, *copy).to_json() + "}";
  spool::Submission s;
  s.sender = "police";
  s.message_id = "m-signed";
  s.content_hash = "hash-m-signed";
  s.event_type = "hearing.scheduled";
  s.case_urn = "01AB1234521";
  s.received_at_ms = received_at_ms;
  s.copies.push_back(spool::Copy{kRecipient, stored});
  auto appended = sync<Result<spool::AppendResult>>(
      [&](auto done) { spool_->append(std::move(s), std::move(done)); });
  ASSERT_TRUE(appended.ok()) << appended.error().message;

  auto& adapter = make_adapter();
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  const auto calls = adapter.calls();
  ASSERT_EQ(calls.size(), 1u);
  const std::string& document = calls[0].document;

  // What the recipient does with the document alone (no headers, no file name, no lease).
  auto item = crypto::parse_inbox_item(document, "");
  ASSERT_TRUE(item.ok()) << item.error().message << " in " << document;
  EXPECT_EQ(item->info.sender, "police");
  EXPECT_EQ(item->info.recipient, kRecipient);
  EXPECT_EQ(item->info.received_at, info.received_at);
  auto opened = crypto::verify_and_open(*item, {}, &signer->public_key());
  EXPECT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  // The envelope is delivered as stored, byte for byte.
  EXPECT_NE(document.find("\"envelope\":" + envelope::encode(*copy)), std::string::npos);
  // Exactly the item the mailbox would print for this lease of the copy (the one builder).
  EXPECT_EQ(document, crypto::delivered_item({calls[0].delivery_id, "police", kRecipient,
                                              "m-signed", "hearing.scheduled", "01AB1234521",
                                              received_at_ms, 1, env_.now_ms() + options_.lease_ms},
                                             stored));

  // The check can fail: the same item claiming another recipient does not verify.
  auto other = nlohmann::json::parse(document);
  other["recipient"] = "another-agency";
  auto forged = crypto::parse_inbox_item(other.dump(), "");
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(crypto::verify_and_open(*forged, {}, &signer->public_key()).ok());
}

TEST_F(WorkerTest, RetryLaterReleasesUntilTheBackoffHasPassed) {
  auto& adapter = make_adapter();
  adapter.set_script([](const OutboundMessage& m) {
    return m.attempt == 1 ? DeliveryOutcome{DeliveryStatus::retry_later, "503 from receiver"}
                          : DeliveryOutcome{DeliveryStatus::delivered, ""};
  });
  append("m1", "urn:case:1");
  start(adapter);
  const std::int64_t failed_at = env_.now_ms();
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().retried == 1; }));
  // Its timer is set for the retry time, not for the (hour-long) idle poll.
  ASSERT_TRUE(
      testing::wait_until([&] { return worker_->stats().next_poll_at_ms == failed_at + 1'000; }));
  poke();
  EXPECT_EQ(adapter.call_count(), 1u) << "retried before the backoff (1000 ms) passed";
  EXPECT_EQ(queued(), 1);

  env_.advance_ms(999);
  poke();
  EXPECT_EQ(adapter.call_count(), 1u) << "retried 1 ms early";

  env_.advance_ms(1);
  worker_->notify();  // what the timer does at failed_at + 1000
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  const auto calls = adapter.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].message_id, "m1");
  EXPECT_EQ(calls[1].attempt, 2);
  EXPECT_EQ(queued(), 0);
}

TEST_F(WorkerTest, PermanentFailureIsDeadLetteredAtOnce) {
  auto& adapter = make_adapter();
  adapter.set_script([](const OutboundMessage& m) {
    return m.message_id == "bad"
               ? DeliveryOutcome{DeliveryStatus::permanent_failure, "400 rejected"}
               : DeliveryOutcome{DeliveryStatus::delivered, ""};
  });
  append("bad", "urn:case:1");
  append("good", "urn:case:2");
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] {
    const auto s = worker_->stats();
    return s.delivered == 1 && s.dead_lettered == 1 && s.in_flight == 0;
  }));
  const auto dead = dead_letters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_id, "bad");
  EXPECT_EQ(dead[0].code, "permanent_failure");
  EXPECT_EQ(dead[0].detail, "400 rejected");
  EXPECT_EQ(dead[0].attempts, 1);
  poke();
  EXPECT_EQ(adapter.call_count(), 2u) << "a dead letter is not tried again";
}

// Copies that are out of attempts or too old are parked without being handed over.
struct LimitRow {
  const char* name;
  int earlier_leases;   // leases of the copy that expired before the worker saw it
  std::int64_t age_ms;  // how old the copy is when the worker sees it
  const char* expected_code;
};

class WorkerLimitTest : public WorkerTest, public ::testing::WithParamInterface<LimitRow> {};

TEST_P(WorkerLimitTest, DeadLetteredWithoutDeliver) {
  const auto& row = GetParam();
  options_.retry.max_attempts = 2;
  options_.retry.max_age_ms = 60'000;
  append("m1", "urn:case:1", env_.now_ms() - row.age_ms);
  for (int i = 0; i < row.earlier_leases; ++i) {
    // A lease that lapses, as when a gateway crashed mid-delivery.
    spool::LeaseRequest lease{kRecipient, 10, 1, env_.now_ms(), true};
    auto leased = sync<Result<std::vector<spool::Delivery>>>(
        [&](auto done) { spool_->lease(std::move(lease), std::move(done)); });
    ASSERT_TRUE(leased.ok());
    ASSERT_EQ(leased->size(), 1u);
    env_.advance_ms(10);
  }
  auto& adapter = make_adapter();
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return dead_letters().size() == 1; }));
  const auto dead = dead_letters();
  EXPECT_EQ(dead[0].code, row.expected_code);
  EXPECT_EQ(adapter.call_count(), 0u);
  EXPECT_EQ(worker_->stats().delivered, 0);
}

INSTANTIATE_TEST_SUITE_P(Rows, WorkerLimitTest,
                         ::testing::Values(LimitRow{"out_of_attempts", 2, 0, "max_attempts"},
                                           LimitRow{"expired", 0, 120'000, "expired"},
                                           LimitRow{"expired_and_out_of_attempts", 2, 120'000,
                                                    "expired"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(WorkerTest, WithinLimitsIsDelivered) {
  // The negative row of the table above: one earlier lapse, young copy → delivered, attempt 2.
  options_.retry.max_attempts = 2;
  options_.retry.max_age_ms = 60'000;
  append("m1", "urn:case:1", env_.now_ms() - 59'000);
  spool::LeaseRequest lease{kRecipient, 10, 1, env_.now_ms(), true};
  auto leased = sync<Result<std::vector<spool::Delivery>>>(
      [&](auto done) { spool_->lease(std::move(lease), std::move(done)); });
  ASSERT_TRUE(leased.ok());
  env_.advance_ms(10);
  auto& adapter = make_adapter();
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  ASSERT_EQ(adapter.call_count(), 1u);
  EXPECT_EQ(adapter.calls()[0].attempt, 2);
  EXPECT_TRUE(dead_letters().empty());
}

TEST_F(WorkerTest, PerCaseOrderWithParallelCases) {
  auto& adapter = make_adapter(4);
  adapter.set_manual(true);
  const std::vector<std::string> cases = {"urn:case:a", "urn:case:b", "urn:case:c"};
  std::map<std::string, std::vector<std::string>> submitted;
  for (int round = 0; round < 4; ++round) {
    for (const auto& c : cases) {
      const std::string id = c.substr(c.size() - 1) + std::to_string(round);
      append(id, c);
      submitted[c].push_back(id);
    }
  }
  start(adapter);
  // One copy per case at once, though the adapter would take four.
  ASSERT_TRUE(testing::wait_until([&] { return adapter.parked().size() == 3; }));
  wait_idle();  // it asked for a fourth (room for one more) and got none
  auto first = adapter.parked();
  ASSERT_EQ(first.size(), 3u);
  std::set<std::string> first_ids;
  for (const auto& m : first) first_ids.insert(m.message_id);
  EXPECT_EQ(first_ids, (std::set<std::string>{"a0", "b0", "c0"}));

  // Complete in varying order (newest-parked first) until all 12 are through.
  std::size_t completed = 0;
  while (completed < 12) {
    ASSERT_TRUE(testing::wait_until([&] { return !adapter.parked().empty(); }));
    auto parked = adapter.parked();
    ASSERT_TRUE(adapter.complete(parked.back().message_id, {DeliveryStatus::delivered, ""}));
    ++completed;
  }
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 12; }));
  EXPECT_FALSE(adapter.overlapping_case()) << "two copies of one case were in flight at once";
  EXPECT_GE(adapter.max_concurrent(), 2u) << "different cases should be delivered in parallel";
  std::map<std::string, std::vector<std::string>> delivered;
  for (const auto& call : adapter.calls()) delivered[call.case_urn].push_back(call.message_id);
  EXPECT_EQ(delivered, submitted);
}

TEST_F(WorkerTest, CircuitOpensThenProbesHalfOpen) {
  options_.circuit_failures = 3;
  options_.circuit_open = 20s;  // on the FakeEnv's clock: the test moves it across
  options_.retry.backoff_initial_ms = 10;
  std::atomic<bool> receiver_up{false};
  auto& adapter = make_adapter();
  adapter.set_script([&](const OutboundMessage&) {
    return receiver_up ? DeliveryOutcome{DeliveryStatus::delivered, ""}
                       : DeliveryOutcome{DeliveryStatus::retry_later, "connection refused"};
  });
  for (int i = 0; i < 5; ++i) append("m" + std::to_string(i), "urn:case:" + std::to_string(i));
  const std::int64_t opened_at = env_.now_ms();
  start(adapter);

  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().circuit_open; }));
  EXPECT_EQ(adapter.call_count(), 3u);
  // Asleep until the window ends, whatever the backoff says.
  ASSERT_TRUE(
      testing::wait_until([&] { return worker_->stats().next_poll_at_ms == opened_at + 20'000; }));
  poke();
  EXPECT_EQ(adapter.call_count(), 3u) << "handed over while the circuit was open";
  env_.advance_ms(19'999);
  poke();
  EXPECT_EQ(adapter.call_count(), 3u) << "handed over 1 ms before the window ended";

  // Window over: exactly one probe; it fails, so the circuit opens again at once.
  env_.advance_ms(1);
  worker_->notify();  // what the timer does at the window's end
  ASSERT_TRUE(testing::wait_until([&] { return adapter.call_count() == 4; }));
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().circuit_open; }));
  poke();
  EXPECT_EQ(adapter.call_count(), 4u) << "more than one probe while half-open";
  EXPECT_TRUE(worker_->stats().circuit_open);

  // The receiver is back: the next probe succeeds and the rest follow.
  receiver_up = true;
  env_.advance_ms(20'000);
  worker_->notify();
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 5; }));
  EXPECT_FALSE(worker_->stats().circuit_open);
  EXPECT_EQ(queued(), 0);
}

TEST_F(WorkerTest, StopWaitsForInFlightOutcomes) {
  auto& adapter = make_adapter();
  adapter.set_manual(true);
  append("m1", "urn:case:1");
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return adapter.parked().size() == 1; }));

  std::atomic<bool> stopped{false};
  worker_->stop([&] { stopped = true; });
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().stopping; }));
  EXPECT_FALSE(stopped) << "stop() finished with a delivery in flight";

  ASSERT_TRUE(adapter.complete("m1", {DeliveryStatus::delivered, ""}));
  ASSERT_TRUE(testing::wait_until([&] { return stopped.load(); }));
  EXPECT_EQ(queued(), 0) << "the outcome of the in-flight delivery was applied";
  append("m2", "urn:case:2");
  const auto polls = worker_->stats().polls;
  worker_->notify();
  // A second stop() runs after the notify() on the worker's strand: once it reports, the
  // notify has had its chance to lease (and a lease would have counted a poll first).
  std::promise<void> barrier;
  worker_->stop([&] { barrier.set_value(); });
  ASSERT_EQ(barrier.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(worker_->stats().polls, polls) << "a stopped worker leased again";
  EXPECT_EQ(adapter.call_count(), 1u);
  worker_.reset();
}

// Issue #12 item 4: at a clean stop the gateway stops the workers first, then the adapters;
// the hand-over the stopping adapter cancels (retry_later) is handed back unused: leasable
// at once at the next start, its attempt not counted, no delivery.retry_scheduled written.
TEST_F(WorkerTest, StopThenAdapterCancelReturnsTheLeaseUnburned) {
  auto& adapter = make_adapter();
  adapter.set_manual(true);
  append("m1", "urn:case:1");
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return adapter.parked().size() == 1; }));

  std::atomic<bool> stopped{false};
  worker_->stop([&] { stopped = true; });
  // What adapter->stop() does to what is in flight.
  ASSERT_TRUE(adapter.complete("m1", {DeliveryStatus::retry_later, "cancelled: stopping"}));
  ASSERT_TRUE(testing::wait_until([&] { return stopped.load(); }));
  EXPECT_EQ(worker_->stats().retried, 0) << "a cancelled hand-over counted as a failure";
  worker_.reset();

  // The next start leases it at once (no backoff), as its first attempt still.
  auto leased = sync<Result<std::vector<spool::Delivery>>>([&](auto done) {
    spool_->lease(spool::LeaseRequest{kRecipient, 10, 1'000, env_.now_ms()}, std::move(done));
  });
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  ASSERT_EQ(leased->size(), 1u) << "the copy waits for a retry time after a clean stop";
  EXPECT_EQ(leased->front().attempts, 1) << "the stop burned a delivery attempt";

  spool_->shutdown();
  spool_.reset();
  const auto kinds = audit_kinds(dir_.file("spool.db"));
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "delivery.retry_scheduled"), 0)
      << "a false delivery.retry_scheduled record at a clean stop";
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "delivery.returned"), 1);
}

// An idle worker sleeps for the whole idle poll (an hour here); a notify() is what gets a
// new copy out at once.
TEST_F(WorkerTest, NotifyWakesAnIdleWorkerAtOnce) {
  auto& adapter = make_adapter();
  start(adapter);
  wait_idle();
  EXPECT_EQ(worker_->stats().next_poll_at_ms, env_.now_ms() + 3'600'000);
  append("m1", "urn:case:1");
  worker_->notify();
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  EXPECT_EQ(adapter.calls()[0].message_id, "m1");
}

// A copy leased by an earlier run that crashed mid-delivery is delivered once that lease
// lapses, as the next attempt; not a millisecond before.
TEST_F(WorkerTest, ALapsedLeaseIsDeliveredAgainOnTime) {
  append("m1", "urn:case:1");
  spool::LeaseRequest earlier{kRecipient, 10, 60'000, env_.now_ms(), true};
  auto leased = sync<Result<std::vector<spool::Delivery>>>(
      [&](auto done) { spool_->lease(std::move(earlier), std::move(done)); });
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  auto& adapter = make_adapter();
  start(adapter);
  wait_idle();
  env_.advance_ms(59'999);
  poke();
  EXPECT_EQ(adapter.call_count(), 0u) << "handed over while another lease still held it";
  env_.advance_ms(1);
  worker_->notify();
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  EXPECT_EQ(adapter.calls()[0].attempt, 2);
}

// A copy that keeps failing is dead-lettered `expired` at the first attempt after it has
// outlived max_age, judged by the worker's clock.
TEST_F(WorkerTest, ExpiresOnceTheClockPassesMaxAge) {
  options_.retry.max_age_ms = 60'000;
  options_.retry.backoff_initial_ms = 1'000;
  options_.retry.backoff_max_ms = 1'000;
  auto& adapter = make_adapter();
  adapter.set_script([](const OutboundMessage&) {
    return DeliveryOutcome{DeliveryStatus::retry_later, "503"};
  });
  append("m1", "urn:case:1");
  start(adapter);
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().retried == 1; }));
  env_.advance_ms(1'000);
  worker_->notify();
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().retried == 2; }));
  EXPECT_TRUE(dead_letters().empty());
  env_.advance_ms(59'001);  // received 60 001 ms ago
  worker_->notify();
  ASSERT_TRUE(testing::wait_until([&] { return dead_letters().size() == 1; }));
  EXPECT_EQ(dead_letters()[0].code, "expired");
  EXPECT_EQ(adapter.call_count(), 2u);
}

// The spool as the worker sees it, except that the test decides when a lease's answer
// arrives: the lease runs at once (its snapshot of the queue is taken), its answer waits.
class HeldLeaseSpool final : public spool::ForwardingSpool {
 public:
  explicit HeldLeaseSpool(spool::Spool& inner) : ForwardingSpool(inner) {}
  void hold_next_lease() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  bool holding() {
    std::lock_guard lock(mu_);
    return held_.has_value();
  }
  void release_held() {
    std::optional<std::pair<LeaseHandler, Result<std::vector<spool::Delivery>>>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    held->first(std::move(held->second));
  }

  void lease(spool::LeaseRequest request, LeaseHandler done) override {
    inner_.lease(std::move(request), [this, done = std::move(done)](auto leased) mutable {
      std::unique_lock lock(mu_);
      if (!std::exchange(hold_, false)) {
        lock.unlock();
        return done(std::move(leased));
      }
      held_.emplace(std::move(done), std::move(leased));
    });
  }

 private:
  std::mutex mu_;
  bool hold_ = false;
  std::optional<std::pair<LeaseHandler, Result<std::vector<spool::Delivery>>>> held_;
};

// A copy stored while the worker's lease is on its way back (that lease read the queue before
// the copy was there): the notify() that arrives meanwhile is not dropped, the worker leases
// again as soon as the empty answer comes, instead of sleeping through the idle poll.
TEST_F(WorkerTest, ANotifyDuringALeaseLeasesAgain) {
  auto& adapter = make_adapter();
  HeldLeaseSpool spool(*spool_);
  spool.hold_next_lease();
  worker_ = DeliveryWorker::create(io_, spool, kRecipient, adapter, options_, env_);
  worker_->start();
  ASSERT_TRUE(testing::wait_until([&] { return spool.holding(); }));
  append("m1", "urn:case:1");
  worker_->notify();
  // notify() runs on the worker's strand; the lease is still outstanding there, so all it can
  // do is remember. Give it the chance (a notify is posted; stats do not show it), then answer.
  const auto polls = worker_->stats().polls;
  spool.release_held();
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
  EXPECT_GE(worker_->stats().polls, polls + 2) << "the empty answer, then the lease after it";
  stop_worker();
}

}  // namespace
}  // namespace accord::delivery
