#include "listener.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <cerrno>

#include "connection.hpp"

namespace accord::server {

namespace net = boost::asio;

Listener::Listener(std::shared_ptr<ServerState> state)
    : state_(std::move(state)),
      acceptor_(net::make_strand(state_->io)),
      backoff_timer_(acceptor_.get_executor()) {}

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
    self->backoff_timer_.cancel();
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
  if (ec) return accept_failed(ec);
  backoff_ = std::chrono::milliseconds(0);
  boost::system::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  // An unknown source (the peer reset before we asked) shares one bucket; it closes anyway.
  const std::string source = ignored ? std::string("?") : remote.address().to_string();
  std::shared_ptr<Connection> reclaimed;
  if (state_->reserve_slot(source, reclaimed)) {
    if (reclaimed) reclaimed->reclaim("max_connections");
    reclaimed.reset();
    auto connection = std::make_shared<Connection>(std::move(socket), state_);
    state_->attach(connection.get(), connection, source);
    connection->start();
  } else {
    // Draining, the source's pending handshakes, or max_connections with nothing idle;
    // counted by reserve_slot, not logged: a flood would flood the log.
    socket.close(ignored);
  }
  do_accept();
}

void Listener::accept_failed(boost::system::error_code ec) {
  // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of a resource. The pending connection stays in the
  // backlog, so accepting again at once would fail again at once: wait, doubling the wait
  // while it keeps failing. ECONNABORTED (that one client gave up) says nothing about the
  // next: accept again at once, or a client resetting its connections could pause the
  // listener for everyone. Anything else is unexpected: wait too.
  const bool aborted = ec == net::error::connection_aborted;
  const char* reason = ec == net::error::no_descriptors    ? "emfile"
                       : ec.value() == ENFILE              ? "enfile"
                       : ec == net::error::no_buffer_space ? "enobufs"
                       : ec == net::error::no_memory       ? "enomem"
                       : aborted                           ? "aborted"
                                                           : "other";
  state_->metrics.accept_failed(reason);
  const auto& o = state_->options;
  if (!aborted) {
    backoff_ = backoff_.count() == 0 ? o.accept_backoff_initial
                                     : std::min(backoff_ * 2, o.accept_backoff_max);
  }
  ++errors_since_log_;
  // Real time, like the Asio timer of the accept backoff it reports on.
  const auto now = std::chrono::steady_clock::now();
  if (!last_error_log_ || now - *last_error_log_ >= o.accept_error_log_interval) {
    spdlog::warn(
        "accept failed: {} ({} failure(s) since the last report); accepting again in {} ms",
        ec.message(), errors_since_log_, aborted ? 0 : backoff_.count());
    last_error_log_ = now;
    errors_since_log_ = 0;
  }
  if (aborted) return do_accept();
  backoff_timer_.expires_after(backoff_);
  backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
    if (wait_ec || !self->acceptor_.is_open()) return;  // stop()
    self->do_accept();
  });
}

}  // namespace accord::server
