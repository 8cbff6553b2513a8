#include "completion_thread.hpp"

#include <utility>

namespace accord::spool::detail {

CompletionThread::CompletionThread() : thread_([this] { run(); }) {}

CompletionThread::~CompletionThread() {
  stop();
}

void CompletionThread::post(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(work));
      cv_.notify_one();
      return;
    }
  }
  work();  // stopped: nothing else will run it
}

void CompletionThread::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (on_this_thread()) return;
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void CompletionThread::run() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything posted has run
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace accord::spool::detail
