#include "crl_watcher.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "accord/env/env.hpp"

namespace accord::server {

namespace net = boost::asio;

CrlWatcher::CrlWatcher(std::shared_ptr<ServerState> state)
    : state_(std::move(state)), timer_(net::make_strand(state_->io)) {}

void CrlWatcher::run() {
  net::dispatch(timer_.get_executor(), [self = shared_from_this()] { self->schedule(); });
}

void CrlWatcher::stop() {
  net::post(timer_.get_executor(), [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void CrlWatcher::schedule() {
  if (stopped_) return;
  timer_.expires_after(state_->options.crl_check_interval);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopped_) return;  // cancelled by stop()
    // Real time, like the Asio timer that ticks it: OpenSSL judges the CRL by the real clock.
    self->state_->check_crl(env::system_env().now_ms() / 1000);
    self->schedule();
  });
}

}  // namespace accord::server
