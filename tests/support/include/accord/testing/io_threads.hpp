// Runs an io_context on `threads` threads (with a work guard, so it idles rather than
// returns) until stop() or destruction, which stop the io_context and join.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace accord::testing {

class IoThreads {
 public:
  IoThreads(boost::asio::io_context& io, int threads);
  ~IoThreads() { stop(); }
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  void stop();

 private:
  boost::asio::io_context& io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace accord::testing
