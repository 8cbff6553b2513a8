// Runs the completion handlers of committed batches on a thread of its own, in commit order.
//
// Why: a handler is the caller's continuation (the API builds and sends its HTTP answer,
// the delivery worker takes its next step). Run on the writer thread, that work sat between
// one COMMIT and the next BEGIN, i.e. on the only path every durable write takes. Here the
// writer hands the whole batch over and starts the next transaction at once.
//
// Thread safety: post() from any thread; stop() runs what was posted, then joins. Handlers
// may post spool operations (they only queue) but must not wait for one.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace accord::spool::detail {

class CompletionThread {
 public:
  CompletionThread();
  ~CompletionThread();  // stop()
  CompletionThread(const CompletionThread&) = delete;
  CompletionThread& operator=(const CompletionThread&) = delete;

  // Runs `work` after everything posted before it. After stop(), runs it on the caller.
  void post(std::function<void()> work);
  void stop();  // idempotent; a no-op (no join) when called from a handler
  bool on_this_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::mutex join_mu_;
  std::thread thread_;  // started last
};

}  // namespace accord::spool::detail
