// Accepts TCP connections on its own strand and hands each to a Connection on a new strand;
// past max_connections (or while draining) an accepted socket is closed at once.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <memory>

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

  std::shared_ptr<ServerState> state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace accord::server
