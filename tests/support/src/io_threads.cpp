#include "accord/testing/io_threads.hpp"

namespace accord::testing {

IoThreads::IoThreads(boost::asio::io_context& io, int threads) : io_(io) {
  guard_.emplace(io.get_executor());
  for (int i = 0; i < threads; ++i) threads_.emplace_back([&io] { io.run(); });
}

void IoThreads::stop() {
  guard_.reset();
  io_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace accord::testing
