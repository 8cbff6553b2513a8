#include "server_state.hpp"

#include <boost/asio/post.hpp>

namespace accord::server {

bool ServerState::reserve_slot() {
  std::lock_guard lock(mu_);
  if (draining_) {
    metrics.connection_rejected("draining");
    return false;
  }
  if (slots_ >= options.max_connections) {
    metrics.connection_rejected("max_connections");
    return false;
  }
  ++slots_;
  return true;
}

void ServerState::attach(Connection* key, std::weak_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  live_.emplace(key, std::move(connection));
}

void ServerState::release(Connection* key) {
  std::lock_guard lock(mu_);
  live_.erase(key);
  --slots_;
  fire_if_drained_locked();
}

std::vector<std::shared_ptr<Connection>> ServerState::begin_drain(std::function<void()> done) {
  std::lock_guard lock(mu_);
  draining_ = true;
  on_drained_ = std::move(done);
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& [key, weak] : live_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  fire_if_drained_locked();
  return out;
}

void ServerState::set_draining() {
  std::lock_guard lock(mu_);
  draining_ = true;
}

bool ServerState::draining() const {
  std::lock_guard lock(mu_);
  return draining_;
}

void ServerState::fire_if_drained_locked() {
  if (!draining_ || slots_ != 0 || !on_drained_) return;
  // Posted, never called here: release() runs inside a connection's destructor.
  boost::asio::post(io, std::move(on_drained_));
  on_drained_ = nullptr;
}

}  // namespace accord::server
