#include "accord/delivery/manager.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace accord::delivery {

Manager::Manager(boost::asio::io_context& io, spool::Spool& spool, env::Env& env,
                 WorkerOptions options, std::chrono::milliseconds stop_grace)
    : io_(io), spool_(spool), env_(env), options_(std::move(options)), stop_grace_(stop_grace) {}

Manager::~Manager() {
  stop();
}

void Manager::add(std::string recipient, std::unique_ptr<adapters::OutboundAdapter> adapter) {
  if (adapter->pushes()) {
    workers_.emplace(recipient,
                     DeliveryWorker::create(io_, spool_, recipient, *adapter, options_, env_));
    spdlog::info("delivery to {} by {} adapter", recipient, adapter->kind());
  }
  adapters_.emplace(std::move(recipient), std::move(adapter));
}

void Manager::start() {
  for (auto& [recipient, worker] : workers_) worker->start();
  running_ = true;
}

void Manager::notify(const std::string& recipient) {
  if (!running_) return;
  if (const auto it = workers_.find(recipient); it != workers_.end()) it->second->notify();
}

void Manager::notify_all() {
  if (!running_) return;
  for (auto& [recipient, worker] : workers_) worker->notify();
}

void Manager::stop() {
  if (stopped_) return;
  stopped_ = true;
  const bool was_running = running_.exchange(false);
  std::vector<std::future<void>> stopped;
  if (was_running) {
    // 1. Stop leasing.
    for (auto& [recipient, worker] : workers_) {
      auto promise = std::make_shared<std::promise<void>>();
      stopped.push_back(promise->get_future());
      worker->stop([promise] { promise->set_value(); });
    }
    // 2. Let what is in flight finish, for a bounded time (real time: a drain should not
    //    wait on a test's clock).
    const auto deadline = std::chrono::steady_clock::now() + stop_grace_;
    for (auto& done : stopped) done.wait_until(deadline);
  }
  // 3. Cancel the rest: each cancelled hand-over comes back retry_later and, the worker
  //    stopping, its lease is handed back unused.
  for (auto& [recipient, adapter] : adapters_) adapter->stop();
  // 4. Every outcome applied or lease returned.
  for (auto& done : stopped) done.wait();
}

std::map<std::string, WorkerStats> Manager::stats() const {
  std::map<std::string, WorkerStats> out;
  for (const auto& [recipient, worker] : workers_) out[recipient] = worker->stats();
  return out;
}

}  // namespace accord::delivery
