// Who sends what when: the dispatcher hands out tickets (sequence number, due time, whether
// the result counts) to the worker threads. Pure apart from one atomic counter: the caller
// passes the time, so tests drive it with made-up clocks.
//
// Closed loop (rate 0): a ticket is due when it is asked for; each connection sends as soon
// as its previous answer arrived, which measures peak throughput.
// Open loop (rate R > 0): ticket i is due at i / R seconds after the start, whatever happened
// to earlier tickets. A worker that takes a ticket late still measures latency from the due
// time, so a stalled server shows up as latency instead of silently lowering the send rate
// (coordinated omission, as in wrk2).
//
// Phases: tickets due before `warmup` are sent but not measured; measurement ends after
// `duration` (then every ticket is refused) or after `messages` measured tickets.
// Thread-safe: next() may be called from any number of threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace accord::bench {

using Nanos = std::chrono::nanoseconds;

// Offset of open-loop ticket `seq` from the start at `rate` per second, computed from the
// sequence number (never by adding periods, which drifts).
Nanos due_offset(std::uint64_t seq, double rate_per_second);

struct Plan {
  double rate = 0;  // per second; 0 = closed loop
  Nanos warmup{0};
  std::optional<Nanos> duration;          // measured time, after the warmup
  std::optional<std::uint64_t> messages;  // measured tickets; with neither, runs until stop()
};

struct Ticket {
  std::uint64_t seq = 0;  // unique per run, in order of issue
  Nanos due{0};           // offset from the start when the send is (was) due
  bool measured = false;  // false during warmup
};

class Dispatcher {
 public:
  explicit Dispatcher(const Plan& plan) : plan_(plan) {}

  // The next ticket, given the time since the start; nullopt once the run is over (sticky).
  std::optional<Ticket> next(Nanos now);
  // Ends the run early (Ctrl-C, fatal error): every later next() returns nullopt.
  void stop() { done_.store(true, std::memory_order_relaxed); }
  bool done() const { return done_.load(std::memory_order_relaxed); }
  // When measurement ends for a duration-bound plan, else nullopt.
  std::optional<Nanos> measure_end() const;
  const Plan& plan() const { return plan_; }

 private:
  Plan plan_;
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> measured_{0};
  std::atomic<bool> done_{false};
};

}  // namespace accord::bench
