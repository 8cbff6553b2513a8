// What the two spools (sqlite_spool_impl.hpp, pg_spool_impl.hpp) share around their ONE
// writer thread: the queue of operations in front of it (bounded for the callers that can
// be told "overloaded"), the batch it takes, the counts stats() reports, the thread that
// runs the handlers after their commit, and a shutdown that joins once. Each spool keeps its
// own writer loop: what a batch does (manifest; reconnect, commit deadline) differs.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "accord/spool/spool.hpp"
#include "backend_common.hpp"
#include "completion_thread.hpp"
#include "spool_op.hpp"

namespace accord::spool::detail {

// The counts stats() reports, written by the writer thread, read by any.
class SpoolCounters {
 public:
  // Level with the database: at open, and when the PostgreSQL spool reads the deployment's.
  void reset(std::map<std::string, std::int64_t> queued, std::map<std::string, std::int64_t> dead,
             std::int64_t audit_seq, std::int64_t sealed_seq) {
    std::lock_guard lock(mu_);
    queued_ = std::move(queued);
    dead_ = std::move(dead);
    audit_seq_ = audit_seq;
    sealed_seq_ = sealed_seq;
  }

  // A committed batch. A count that falls to zero (or below, when another gateway's changes
  // were counted already) is dropped; the audit seqs never move back.
  void add_commit(const BatchDelta& delta, std::int64_t audit_seq, std::int64_t sealed_seq) {
    std::lock_guard lock(mu_);
    ++commits_;
    appended_ += delta.appended;
    apply(queued_, delta.queued_by_recipient);
    apply(dead_, delta.dead_by_recipient);
    audit_seq_ = std::max(audit_seq_, audit_seq);
    sealed_seq_ = std::max(sealed_seq_, sealed_seq);
  }

  void fill(SpoolStats& s) const {
    std::lock_guard lock(mu_);
    s.queued_by_recipient = queued_;
    s.dead_by_recipient = dead_;
    s.commits = commits_;
    s.appended = appended_;
    s.audit_seq = audit_seq_;
    s.audit_sealed_seq = sealed_seq_;
  }

 private:
  static void apply(std::map<std::string, std::int64_t>& counts,
                    const std::map<std::string, std::int64_t>& changes) {
    for (const auto& [recipient, change] : changes) {
      auto& count = counts[recipient];
      count += change;
      if (count <= 0) counts.erase(recipient);
    }
  }

  mutable std::mutex mu_;
  std::map<std::string, std::int64_t> queued_;  // guarded by mu_
  std::map<std::string, std::int64_t> dead_;    // guarded by mu_
  std::int64_t commits_ = 0;                    // guarded by mu_
  std::int64_t appended_ = 0;                   // guarded by mu_
  std::int64_t audit_seq_ = 0;                  // guarded by mu_
  std::int64_t sealed_seq_ = 0;                 // guarded by mu_
};

// `Item` is what the writer executes (an op, or an op with the row locks it will take).
template <typename Item>
class WriterQueue {
 public:
  // `max_pending` bounds the bounded pushes; `waiting_for` names what the queue waits for in
  // the "overloaded" answer ("the disk", "the database").
  WriterQueue(std::size_t max_pending, std::string waiting_for)
      : max_pending_(max_pending), waiting_for_(std::move(waiting_for)) {}
  WriterQueue(const WriterQueue&) = delete;
  WriterQueue& operator=(const WriterQueue&) = delete;

  // Queues `item`, or says why not: the spool is stopping or, with `bounded`, full (refused at
  // once rather than grown without bound: the caller answers 503). A refused item is left as
  // it was, for the caller to finish with the refusal on its own thread.
  std::optional<Error> push(Item& item, bool bounded) {
    std::unique_lock lock(mu_);
    if (stopping_) return shutting_down_error();
    if (bounded && queue_.size() >= max_pending_) {
      return make_error("overloaded", "the spool has " + std::to_string(max_pending_) +
                                          " operations waiting for " + waiting_for_);
    }
    queue_.push_back(std::move(item));
    lock.unlock();
    cv_.notify_one();
    return std::nullopt;
  }

  // The writer thread: waits until there is work or the spool stops (at most `wait` when
  // given), then moves up to `max` items into `batch`. True: stopping and nothing is left.
  bool take(std::vector<Item>& batch, std::size_t max,
            std::optional<std::chrono::milliseconds> wait) {
    std::unique_lock lock(mu_);
    auto ready = [this] { return !queue_.empty() || stopping_; };
    if (wait) {
      cv_.wait_for(lock, *wait, ready);
    } else {
      cv_.wait(lock, ready);
    }
    const bool stop = queue_.empty() && stopping_;
    const std::size_t n = std::min(max, queue_.size());
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return stop;
  }

  SpoolStats stats() const {
    SpoolStats s;
    {
      std::lock_guard lock(mu_);
      s.pending_operations = static_cast<std::int64_t>(queue_.size());
    }
    counters.fill(s);
    return s;
  }

  // Runs the handlers of a batch after it committed (or rolled back), in commit order.
  void post(std::function<void()> work) { completions_.post(std::move(work)); }

  // Last in the spool's constructor: everything `run` touches exists by then.
  void start(std::function<void()> run) { writer_ = std::thread(std::move(run)); }

  // Stops taking operations; the writer drains what is queued. Called from a handler (the
  // writer or the completion thread), it returns at once: the destructor, on another thread,
  // joins. Otherwise it returns once the last batches' handlers ran.
  void shutdown() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (std::this_thread::get_id() == writer_.get_id() || completions_.on_this_thread()) return;
    std::lock_guard lock(join_mu_);  // serialises shutdown() callers around join()
    if (writer_.joinable()) writer_.join();
    completions_.stop();
  }

  SpoolCounters counters;  // any thread; written by the writer

 private:
  const std::size_t max_pending_;
  const std::string waiting_for_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_

  CompletionThread completions_;
  std::mutex join_mu_;
  std::thread writer_;
};

}  // namespace accord::spool::detail
