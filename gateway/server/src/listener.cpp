#include "listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "connection.hpp"

namespace accord::server {

namespace net = boost::asio;

Listener::Listener(std::shared_ptr<ServerState> state)
    : state_(std::move(state)), acceptor_(net::make_strand(state_->io)) {}

Status Listener::open(const net::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  auto failed = [&](const char* what) {
    return make_error("bind", std::string(what) + " " + where + ": " + ec.message(), where);
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec) return failed("open");
  if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec)
    return failed("set option on");
  if (acceptor_.bind(endpoint, ec); ec) return failed("bind");
  if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec)
    return failed("listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  return Status::Ok();
}

void Listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void Listener::stop(std::function<void()> then) {
  net::post(acceptor_.get_executor(), [self = shared_from_this(), then = std::move(then)] {
    boost::system::error_code ignored;  // closing a closed acceptor is fine
    self->acceptor_.close(ignored);
    if (then) then();
  });
}

void Listener::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently, while
  // different connections run on all io_context threads.
  acceptor_.async_accept(
      net::make_strand(state_->io),
      boost::beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::system::error_code ec, net::ip::tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // stop()
  if (ec) {
    // EMFILE, ECONNABORTED, ...: this socket is lost, the listener is not.
    spdlog::warn("accept failed: {}", ec.message());
  } else if (state_->reserve_slot()) {
    auto connection = std::make_shared<Connection>(std::move(socket), state_);
    state_->attach(connection.get(), connection);
    connection->start();
  } else {
    boost::system::error_code ignored;
    socket.close(ignored);  // over max_connections or draining; counted by reserve_slot
  }
  do_accept();
}

}  // namespace accord::server
