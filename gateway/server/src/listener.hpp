// Accepts TCP connections on its own strand and hands each to a Connection on a new strand.
// An accepted socket is closed at once while draining, past its source's pending handshakes,
// or at max_connections when no idle connection can be reclaimed. A failed accept (EMFILE,
// ...) pauses accepting with exponential backoff and is logged at most once per interval,
// so running out of descriptors never turns the listener into a busy loop.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "accord/core/result.hpp"
#include "server_state.hpp"

namespace accord::server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  explicit Listener(std::shared_ptr<ServerState> state);

  // Binds and listens. Errors: bind.
  Status open(const boost::asio::ip::tcp::endpoint& endpoint);
  std::uint16_t port() const { return port_; }
  void run();
  // Closes the acceptor on its strand, then runs `then` there. Any thread.
  void stop(std::function<void()> then);

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void accept_failed(boost::system::error_code ec);

  std::shared_ptr<ServerState> state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};  // 0 = the last accept succeeded
  std::optional<std::chrono::steady_clock::time_point> last_error_log_;
  std::uint64_t errors_since_log_ = 0;
  std::uint16_t port_ = 0;
};

}  // namespace accord::server
