// DeliveryWorker against a real SQLite spool and a scripted outbound adapter. The worker's
// clock is a test clock: backoff and circuit windows pass when the test advances it, so
// nothing here depends on how fast the machine is (real time only paces idle polls).
#include "accord/delivery/worker.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "accord/core/time_format.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/temp_dir.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::delivery {
namespace {

using adapters::DeliveryOutcome;
using adapters::DeliveryStatus;
using adapters::OutboundMessage;
using namespace std::chrono_literals;

constexpr const char* kRecipient = "victim-support";

// The seam: an outbound adapter whose answers the test scripts. In `manual` mode deliver()
// parks the call until the test completes it, so the test sees what is in flight at once.
class ScriptedAdapter final : public adapters::OutboundAdapter {
 public:
  using Script = std::function<DeliveryOutcome(const OutboundMessage&)>;

  explicit ScriptedAdapter(std::size_t max_in_flight = 1) : max_in_flight_(max_in_flight) {}

  std::string_view kind() const override { return "scripted"; }
  std::size_t max_in_flight() const override { return max_in_flight_; }

  void deliver(OutboundMessage message, Done done) override {
    std::unique_lock lock(mu_);
    calls_.push_back(message);
    for (const auto& [id, parked] : parked_) {
      if (parked.first.case_urn == message.case_urn) overlapping_case_ = true;
    }
    max_concurrent_ = std::max(max_concurrent_, parked_.size() + 1);
    if (manual_) {
      parked_.emplace(message.delivery_id, std::make_pair(message, std::move(done)));
      return;
    }
    const DeliveryOutcome outcome =
        script_ ? script_(message) : DeliveryOutcome{DeliveryStatus::delivered, ""};
    lock.unlock();
    done(outcome);
  }

  void set_script(Script script) {
    std::lock_guard lock(mu_);
    script_ = std::move(script);
  }
  void set_manual(bool manual) {
    std::lock_guard lock(mu_);
    manual_ = manual;
  }
  // Completes one parked call (the one with this message id).
  bool complete(const std::string& message_id, DeliveryOutcome outcome) {
    Done done;
    {
      std::lock_guard lock(mu_);
      for (auto it = parked_.begin(); it != parked_.end(); ++it) {
        if (it->second.first.message_id != message_id) continue;
        done = std::move(it->second.second);
        parked_.erase(it);
        break;
      }
    }
    if (!done) return false;
    done(std::move(outcome));
    return true;
  }
  std::vector<OutboundMessage> parked() const {
    std::lock_guard lock(mu_);
    std::vector<OutboundMessage> out;
    for (const auto& [id, parked] : parked_) out.push_back(parked.first);
    return out;
  }
  std::vector<OutboundMessage> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::size_t call_count() const {
    std::lock_guard lock(mu_);
    return calls_.size();
  }
  bool overlapping_case() const {
    std::lock_guard lock(mu_);
    return overlapping_case_;
  }
  std::size_t max_concurrent() const {
    std::lock_guard lock(mu_);
    return max_concurrent_;
  }

 private:
  const std::size_t max_in_flight_;
  mutable std::mutex mu_;
  Script script_;
  bool manual_ = false;
  std::vector<OutboundMessage> calls_;
  std::map<std::int64_t, std::pair<OutboundMessage, Done>> parked_;
  bool overlapping_case_ = false;
  std::size_t max_concurrent_ = 0;
};

// The kind of every audit record in the spool file, in seq order.
std::vector<std::string> audit_kinds(const std::string& path) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT kind FROM audit_records ORDER BY seq", -1, &st, nullptr);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

template <typename T>
T sync(const std::function<void(std::function<void(T)>)>& call) {
  auto promise = std::make_shared<std::promise<T>>();
  call([promise](T value) { promise->set_value(std::move(value)); });
  return promise->get_future().get();
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spool::SqliteSpoolOptions o;
    o.path = dir_.file("spool.db");
    auto opened = spool::open_sqlite_spool(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    spool_ = std::move(opened).value();
    options_.retry.backoff_initial_ms = 1'000;
    options_.retry.backoff_max_ms = 10'000;
    options_.retry.jitter = 0;
    options_.idle_poll = 5ms;
    options_.circuit_failures = 1'000;
  }

  void TearDown() override {
    if (worker_) stop_worker();
    io_threads_.stop();
    if (spool_) spool_->shutdown();
  }

  // The worker holds a reference to its adapter and may still poll after a test's body has
  // returned, until TearDown stops it; so adapters live in the fixture, not on the stack.
  ScriptedAdapter& make_adapter(std::size_t max_in_flight = 1) {
    return *adapters_.emplace_back(std::make_unique<ScriptedAdapter>(max_in_flight));
  }

  void start(ScriptedAdapter& adapter) {
    worker_ = DeliveryWorker::create(io_, *spool_, kRecipient, adapter, options_,
                                     [this] { return now_.load(); });
    worker_->start();
  }

  void stop_worker() {
    std::promise<void> stopped;
    worker_->stop([&stopped] { stopped.set_value(); });
    ASSERT_EQ(stopped.get_future().wait_for(10s), std::future_status::ready);
    worker_.reset();
  }

  void append(const std::string& id, const std::string& case_urn, std::int64_t received_at_ms = 0) {
    spool::Submission s;
    s.sender = "police";
    s.message_id = id;
    s.content_hash = "hash-" + id;
    s.event_type = "hearing.scheduled";
    s.case_urn = case_urn;
    s.received_at_ms = received_at_ms ? received_at_ms : now_.load();
    s.copies.push_back(spool::Copy{kRecipient, "{\"id\":\"" + id + "\"}"});
    auto r = sync<Result<spool::AppendResult>>(
        [&](auto done) { spool_->append(std::move(s), std::move(done)); });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  std::vector<spool::DeadLetter> dead_letters() {
    auto r = sync<Result<std::vector<spool::DeadLetter>>>(
        [&](auto done) { spool_->list_dead_letters(kRecipient, 100, std::move(done)); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : std::vector<spool::DeadLetter>{};
  }

  std::int64_t queued() {
    const auto stats = spool_->stats();
    const auto it = stats.queued_by_recipient.find(kRecipient);
    return it == stats.queued_by_recipient.end() ? 0 : it->second;
  }

  // Several idle polls of real time: long enough for a wrongly eager worker to act.
  static void let_it_poll() { std::this_thread::sleep_for(100ms); }

  testing::TempDir dir_{"accord-delivery-"};
  std::unique_ptr<spool::Spool> spool_;
  boost::asio::io_context io_;
  testing::IoThreads io_threads_{io_, 2};
  std::atomic<std::int64_t> now_{1'700'000'000'000};
  WorkerOptions options_;
  std::vector<std::unique_ptr<ScriptedAdapter>> adapters_;  // before worker_: outlives it
  std::shared_ptr<DeliveryWorker> worker_;
};

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
  let_it_poll();
  EXPECT_EQ(adapter.call_count(), 3u) << "acked copies are never handed over again";
}

// Issue 11 (4): a push recipient gets the same self-contained item as the mailbox, so it can
// verify the gateway signature from what it received alone. Before, the adapter got only
// {"envelope","signature"}: no sender, recipient or received_at to rebuild the signed bytes.
TEST_F(WorkerTest, PushedDocumentIsTheSelfContainedSignedItem) {
  auto signer = crypto::GatewaySigner::load_or_create(dir_.file("signing.json"), now_.load());
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  auto copy = crypto::decode_delivered(R"({"id":"m-signed","type":"hearing.scheduled",
      "case":{"urn":"01AB1234521","owner":"police.met"},"subject":{"role":"victim","ref":"V-1"},
      "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL",
      "data":{"hearing":{"court":"Southwark","fee":1e15}}})");
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  const std::int64_t received_at_ms = now_.load() - 1234;
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
                                              received_at_ms, 1, now_.load() + options_.lease_ms},
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
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().retried == 1; }));
  let_it_poll();
  EXPECT_EQ(adapter.call_count(), 1u) << "retried before the backoff (1000 ms) passed";
  EXPECT_EQ(queued(), 1);

  now_ += 999;
  let_it_poll();
  EXPECT_EQ(adapter.call_count(), 1u) << "retried 1 ms early";

  now_ += 1;
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
  let_it_poll();
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
  append("m1", "urn:case:1", now_ - row.age_ms);
  for (int i = 0; i < row.earlier_leases; ++i) {
    // A lease that lapses, as when a gateway crashed mid-delivery.
    spool::LeaseRequest lease{kRecipient, 10, 1, now_.load(), true};
    auto leased = sync<Result<std::vector<spool::Delivery>>>(
        [&](auto done) { spool_->lease(std::move(lease), std::move(done)); });
    ASSERT_TRUE(leased.ok());
    ASSERT_EQ(leased->size(), 1u);
    now_ += 10;
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
  append("m1", "urn:case:1", now_ - 59'000);
  spool::LeaseRequest lease{kRecipient, 10, 1, now_.load(), true};
  auto leased = sync<Result<std::vector<spool::Delivery>>>(
      [&](auto done) { spool_->lease(std::move(lease), std::move(done)); });
  ASSERT_TRUE(leased.ok());
  now_ += 10;
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
  let_it_poll();
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
  options_.circuit_open = 20ms;  // real re-check cadence; the window itself is on the test clock
  options_.retry.backoff_initial_ms = 10;
  std::atomic<bool> receiver_up{false};
  auto& adapter = make_adapter();
  adapter.set_script([&](const OutboundMessage&) {
    return receiver_up ? DeliveryOutcome{DeliveryStatus::delivered, ""}
                       : DeliveryOutcome{DeliveryStatus::retry_later, "connection refused"};
  });
  for (int i = 0; i < 5; ++i) append("m" + std::to_string(i), "urn:case:" + std::to_string(i));
  start(adapter);

  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().circuit_open; }));
  EXPECT_EQ(adapter.call_count(), 3u);
  let_it_poll();
  EXPECT_EQ(adapter.call_count(), 3u) << "handed over while the circuit was open";

  // Window over: exactly one probe; it fails, so the circuit opens again at once.
  now_ += 21;
  ASSERT_TRUE(testing::wait_until([&] { return adapter.call_count() == 4; }));
  let_it_poll();
  EXPECT_EQ(adapter.call_count(), 4u) << "more than one probe while half-open";
  EXPECT_TRUE(worker_->stats().circuit_open);

  // The receiver is back: the next probe succeeds and the rest follow.
  receiver_up = true;
  now_ += 21;
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
  let_it_poll();
  EXPECT_FALSE(stopped) << "stop() finished with a delivery in flight";

  ASSERT_TRUE(adapter.complete("m1", {DeliveryStatus::delivered, ""}));
  ASSERT_TRUE(testing::wait_until([&] { return stopped.load(); }));
  EXPECT_EQ(queued(), 0) << "the outcome of the in-flight delivery was applied";
  append("m2", "urn:case:2");
  let_it_poll();
  EXPECT_EQ(adapter.call_count(), 1u) << "a stopped worker leased again";
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
    spool_->lease(spool::LeaseRequest{kRecipient, 10, 1'000, now_.load()}, std::move(done));
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

}  // namespace
}  // namespace accord::delivery
