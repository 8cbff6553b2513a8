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
//   Nothing to lease → wait until the earliest due time it knows of (a copy it released until
//   T, a copy whose ack or release failed so its lease lapses at T, the end of the circuit
//   window), or `idle_poll` at the latest; notify() (a copy was stored for this recipient, or
//   redriven) wakes it at once. The idle poll is only a safety net for due times this process
//   cannot know (leases and retries left by an earlier run, copies redriven by another tool).
// Circuit breaker: `circuit_failures` retry_later outcomes in a row open the circuit for
// `circuit_open`; then one copy is tried (half-open) before the full window reopens. Each
// recipient has its own worker, so one that keeps failing stalls nobody else.
// At-least-once: a crash between hand-over and ack redelivers when the lease expires; the
// recipient dedups on the message id.
// Time and randomness come from the env::Env (the backoff jitter is drawn from
// env.random_bytes), so tests move a FakeEnv's clock and call notify() where the timer would
// have fired; stats().next_poll_at_ms says when that is.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "accord/adapters/adapter.hpp"
#include "accord/delivery/backoff.hpp"
#include "accord/env/env.hpp"
#include "accord/spool/spool.hpp"

namespace accord::delivery {

struct WorkerOptions {
  RetryPolicy retry;
  std::int64_t lease_ms = 120'000;  // longer than any adapter's own timeout
  // A safety net only: submissions and redrives wake the worker, and it schedules its own
  // retries and lease expiries (docs/operations.md, delivery.idle_poll_ms).
  std::chrono::milliseconds idle_poll{30'000};
  int circuit_failures = 5;
  std::chrono::milliseconds circuit_open{30'000};
};

struct WorkerStats {
  std::int64_t delivered = 0;
  std::int64_t retried = 0;
  std::int64_t dead_lettered = 0;
  std::int64_t in_flight = 0;
  bool circuit_open = false;
  // Times the worker looked for work: a lease answered, or a decision not to lease (circuit
  // open). Tests wait for it to advance before asserting that nothing happened.
  std::int64_t polls = 0;
  // When the worker's timer makes it look again by itself (env wall clock, ms); 0 while no
  // timer is armed: a lease outstanding, every slot in flight (an outcome polls), stopped.
  std::int64_t next_poll_at_ms = 0;
  bool stopping = false;  // stop() has run: no more leases
};

class DeliveryWorker : public std::enable_shared_from_this<DeliveryWorker> {
 public:
  // `spool`, `adapter` and `env` must outlive the worker (stop() it first).
  static std::shared_ptr<DeliveryWorker> create(boost::asio::io_context& io, spool::Spool& spool,
                                                std::string recipient,
                                                adapters::OutboundAdapter& adapter,
                                                WorkerOptions options, env::Env& env);
  void start();
  // Copies may be waiting: lease now rather than at the next idle poll (unless the circuit is
  // open: then at its end). A notify() that arrives while a lease is outstanding leases again
  // when it returns, so a copy stored meanwhile is not left to the idle poll. Thread-safe.
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
                 adapters::OutboundAdapter& adapter, WorkerOptions options, env::Env& env);
  void poll();  // on the strand
  // Arms the timer for the earliest of `at_ms` and the known due times (at most idle_poll).
  void schedule_poll(std::int64_t at_ms);
  void schedule_idle();
  void publish();        // copies stats_ to published_
  double unit_random();  // [0, 1) from env.random_bytes
  void on_leased(Result<std::vector<spool::Delivery>> leased);
  void hand_over(spool::Delivery delivery);
  void on_outcome(spool::Delivery delivery, adapters::DeliveryOutcome outcome);
  // One in-flight copy finished, whatever the outcome; `due_at_ms` (0: none) is when it is
  // leasable again, if this worker knows (a retry time, or a lease that will lapse).
  void settled(std::int64_t delivery_id, std::int64_t due_at_ms);
  void cancel_timer();
  void dead_letter(const spool::Delivery& delivery, std::string code, std::string detail);
  // Hands a lease back unused at stop (spool::ReleaseRequest::returned); in flight until done.
  void return_lease(std::int64_t delivery_id);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  spool::Spool& spool_;
  const std::string recipient_;
  adapters::OutboundAdapter& adapter_;
  const WorkerOptions options_;
  env::Env& env_;
  boost::asio::steady_timer timer_;

  // Strand-only state.
  bool stopping_ = false;
  bool leasing_ = false;                // a lease request is outstanding
  bool poll_scheduled_ = false;         // the timer is armed
  std::int64_t poll_at_ms_ = 0;         // when it fires (env time), while poll_scheduled_
  bool notified_ = false;               // notify() arrived while a lease was outstanding
  std::uint64_t timer_generation_ = 0;  // bumped on every cancel: stale waits do nothing
  // Env times at which a copy becomes leasable again that this worker knows of: retries it
  // released, leases whose ack or release failed (they lapse at lease expiry).
  std::multiset<std::int64_t> due_ms_;
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
