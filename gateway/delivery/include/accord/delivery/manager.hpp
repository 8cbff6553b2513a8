// delivery::Manager: the outbound side of the gateway (docs/architecture.md "Delivery").
//
// Owns every recipient's outbound adapter and, for each adapter that pushes, one
// DeliveryWorker. notify(recipient) wakes that recipient's worker when a copy for it was
// stored (or redriven), so a push starts at once instead of at the worker's idle poll.
//
// Stop order (stop()):
//   1. every worker stops leasing (its timer is cancelled; a lease that arrives later is
//      handed back unused);
//   2. in-flight deliveries get `grace` to finish and have their outcomes applied;
//   3. then the adapters stop, which cancels what is still in flight (retry_later): those
//      leases are handed back unused (delivery.returned: no attempt counted, no retry);
//   4. stop() returns once every worker has applied or returned all it held.
// Threading: add() and start() before any notify(); notify(), stats() and notify_all() from
// any thread (the set of workers does not change after start()). stop() blocks: never call
// it from the io_context's threads.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/delivery/worker.hpp"
#include "accord/env/env.hpp"
#include "accord/spool/spool.hpp"

namespace accord::delivery {

class Manager {
 public:
  // `io`, `spool` and `env` must outlive the manager.
  Manager(boost::asio::io_context& io, spool::Spool& spool, env::Env& env, WorkerOptions options,
          std::chrono::milliseconds stop_grace = std::chrono::milliseconds(2'000));
  ~Manager();  // stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Takes `recipient`'s outbound adapter; one that pushes gets a worker. Before start().
  void add(std::string recipient, std::unique_ptr<adapters::OutboundAdapter> adapter);
  void start();
  // A copy for `recipient` is leasable: wake its worker. A no-op for recipients without one
  // (mailbox, unknown) and before start() or after stop(). Never blocks.
  void notify(const std::string& recipient);
  void notify_all();
  void stop();

  bool pushes_to(const std::string& recipient) const { return workers_.contains(recipient); }
  // Per push recipient, its worker's counters (for /metrics).
  std::map<std::string, WorkerStats> stats() const;

 private:
  boost::asio::io_context& io_;
  spool::Spool& spool_;
  env::Env& env_;
  const WorkerOptions options_;
  const std::chrono::milliseconds stop_grace_;
  std::map<std::string, std::unique_ptr<adapters::OutboundAdapter>> adapters_;
  std::map<std::string, std::shared_ptr<DeliveryWorker>> workers_;
  std::atomic<bool> running_{false};
  bool stopped_ = false;
};

}  // namespace accord::delivery
