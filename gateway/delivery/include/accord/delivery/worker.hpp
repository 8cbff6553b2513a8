// The delivery worker of one push recipient (docs/architecture.md "Delivery").
//
// Loop, on its own strand of the gateway's io_context:
//   lease up to (adapter.max_in_flight() - in flight) copies, at most ONE per case (the
//   spool's one_per_case lease: a later update for a case never overtakes an earlier one);
//   for each: dead-letter it if too old (expired) or out of attempts (max_attempts), else
//   adapter.deliver(); then on the outcome:
//     delivered          → ack (the copy is done; the next copy of its case becomes leasable)
//     retry_later        → release until now + backoff(attempt) (exponential, jittered)
//     permanent_failure  → dead-letter at once (admins see it: accord dlq list / retry)
//   Nothing to lease → sleep `idle_poll`; notify() wakes it early.
// Circuit breaker: `circuit_failures` retry_later outcomes in a row open the circuit for
// `circuit_open`; then one copy is tried (half-open) before the full window reopens. Each
// recipient has its own worker, so one that keeps failing stalls nobody else.
// At-least-once: a crash between hand-over and ack redelivers when the lease expires; the
// recipient dedups on the message id.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "accord/adapters/adapter.hpp"
#include "accord/delivery/backoff.hpp"
#include "accord/spool/spool.hpp"

namespace accord::delivery {

struct WorkerOptions {
  RetryPolicy retry;
  std::int64_t lease_ms = 120'000;  // longer than any adapter's own timeout
  std::chrono::milliseconds idle_poll{200};
  int circuit_failures = 5;
  std::chrono::milliseconds circuit_open{30'000};
};

struct WorkerStats {
  std::int64_t delivered = 0;
  std::int64_t retried = 0;
  std::int64_t dead_lettered = 0;
  std::int64_t in_flight = 0;
  bool circuit_open = false;
};

class DeliveryWorker : public std::enable_shared_from_this<DeliveryWorker> {
 public:
  using Clock = std::function<std::int64_t()>;
  // `spool` and `adapter` must outlive the worker (stop() it first).
  static std::shared_ptr<DeliveryWorker> create(boost::asio::io_context& io, spool::Spool& spool,
                                                std::string recipient,
                                                adapters::OutboundAdapter& adapter,
                                                WorkerOptions options, Clock now_ms);
  void start();
  // Copies may be waiting: lease now rather than at the next idle poll. Thread-safe.
  void notify();
  // Stops leasing; calls `done` once no delivery is in flight (their outcomes are applied).
  // Call it BEFORE stopping the adapter: a hand-over the stopping adapter answers with
  // retry_later, and a lease that arrives after stop(), is handed back unused
  // (delivery.returned: leasable at once, no attempt counted, no retry scheduled).
  void stop(std::function<void()> done);
  WorkerStats stats() const;
  const std::string& recipient() const { return recipient_; }

 private:
  DeliveryWorker(boost::asio::io_context& io, spool::Spool& spool, std::string recipient,
                 adapters::OutboundAdapter& adapter, WorkerOptions options, Clock now_ms);
  void poll();  // on the strand
  void schedule_poll(std::chrono::milliseconds delay);
  void on_leased(Result<std::vector<spool::Delivery>> leased);
  void hand_over(spool::Delivery delivery);
  void on_outcome(spool::Delivery delivery, adapters::DeliveryOutcome outcome);
  void settled(std::int64_t delivery_id);  // one in-flight copy finished, whatever the outcome
  void dead_letter(const spool::Delivery& delivery, std::string code, std::string detail);
  // Hands a lease back unused at stop (spool::ReleaseRequest::returned); in flight until done.
  void return_lease(std::int64_t delivery_id);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  spool::Spool& spool_;
  const std::string recipient_;
  adapters::OutboundAdapter& adapter_;
  const WorkerOptions options_;
  const Clock now_ms_;
  boost::asio::steady_timer timer_;
  std::mt19937_64 random_;

  // Strand-only state.
  bool stopping_ = false;
  bool leasing_ = false;         // a lease request is outstanding
  bool poll_scheduled_ = false;  // the timer is armed
  std::set<std::int64_t> in_flight_;
  int consecutive_failures_ = 0;
  std::int64_t circuit_open_until_ms_ = 0;
  bool half_open_ = false;
  std::function<void()> on_stopped_;
  WorkerStats stats_;
  mutable std::mutex stats_mu_;  // stats() from other threads
  WorkerStats published_;        // guarded by stats_mu_
};

}  // namespace accord::delivery
