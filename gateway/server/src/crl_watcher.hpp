// Looks at the CRL file every ServerOptions::crl_check_interval on its own strand and hands
// each tick to ServerState::check_crl (reload when changed, log freshness changes). Shaped
// like the Listener: the pending timer's handler holds the watcher; stop() cancels it.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "server_state.hpp"

namespace accord::server {

class CrlWatcher : public std::enable_shared_from_this<CrlWatcher> {
 public:
  explicit CrlWatcher(std::shared_ptr<ServerState> state);
  void run();   // first tick after one interval
  void stop();  // any thread; no tick runs after the cancel is processed

 private:
  void schedule();

  std::shared_ptr<ServerState> state_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;  // on the timer's strand
};

}  // namespace accord::server
