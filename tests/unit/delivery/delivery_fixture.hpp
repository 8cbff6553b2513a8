// The delivery tests' fixture: a real SQLite spool in a temporary directory, a FakeEnv whose
// clock the tests move, and the seam, an outbound adapter whose answers the test scripts.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "accord/delivery/worker.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/temp_dir.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::delivery {

using adapters::DeliveryOutcome;
using adapters::DeliveryStatus;
using adapters::OutboundMessage;
using namespace std::chrono_literals;

inline constexpr const char* kRecipient = "victim-support";

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
  // What OutboundAdapter::stop() promises: every parked call answered retry_later.
  void stop() override {
    std::map<std::int64_t, std::pair<OutboundMessage, Done>> parked;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      parked.swap(parked_);
    }
    for (auto& [id, call] : parked)
      call.second({DeliveryStatus::retry_later, "cancelled: stopping"});
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
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
  bool stopped_ = false;
  std::size_t max_concurrent_ = 0;
};

// The kind of every audit record in the spool file, in seq order.
inline std::vector<std::string> audit_kinds(const std::string& path) {
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

class DeliveryFixture : public ::testing::Test {
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
    // The idle poll never fires in a test: every wake-up is a notify() or a timer the test
    // stands in for with notify() after moving the clock.
    options_.idle_poll = std::chrono::hours(1);
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
    worker_ = DeliveryWorker::create(io_, *spool_, kRecipient, adapter, options_, env_);
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
    s.received_at_ms = received_at_ms ? received_at_ms : env_.now_ms();
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

  // Wakes the worker as its timer would, and returns once it has looked for work and is idle
  // again (its timer armed, no lease outstanding): whatever it was going to hand over by now,
  // it has. Negative assertions come after this, never after a sleep.
  void poke() {
    const auto before = worker_->stats().polls;
    worker_->notify();
    ASSERT_TRUE(testing::wait_until([&] {
      const auto s = worker_->stats();
      return s.polls > before && s.next_poll_at_ms != 0;
    }));
  }
  // Idle: the lease answered and the timer armed (nothing in flight keeps it busy).
  void wait_idle() {
    ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().next_poll_at_ms != 0; }));
  }

  testing::TempDir dir_{"accord-delivery-"};
  std::unique_ptr<spool::Spool> spool_;
  boost::asio::io_context io_;
  testing::IoThreads io_threads_{io_, 2};
  env::FakeEnv env_{1'700'000'000'000};
  WorkerOptions options_;
  std::vector<std::unique_ptr<ScriptedAdapter>> adapters_;  // before worker_: outlives it
  std::shared_ptr<DeliveryWorker> worker_;
};

}  // namespace accord::delivery
