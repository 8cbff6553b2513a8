#include "server_state.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "accord/env/env.hpp"
#include "connection.hpp"
#include "tls_context.hpp"

namespace accord::server {
namespace {

// The real clock, never an injected one: OpenSSL judges certificates and CRLs by the real
// time, and the freshness warning predicts what OpenSSL will do.
std::int64_t unix_now() {
  return env::system_env().now_ms() / 1000;
}

std::string utc(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One line per freshness state the CRL enters: an operator sees the warning before every
// handshake starts failing, and the error once they do.
void log_freshness(const std::string& path, std::int64_t next_update, CrlFreshness freshness,
                   std::int64_t now_s) {
  switch (freshness) {
    case CrlFreshness::fresh:
      spdlog::info("CRL {}: nextUpdate {}", path,
                   next_update == 0 ? std::string("not given") : utc(next_update));
      return;
    case CrlFreshness::expiring:
      spdlog::warn(
          "CRL {} expires at its nextUpdate {} (in {} s): publish a fresh CRL and reload, or "
          "every client certificate is refused from then on",
          path, utc(next_update), next_update - now_s);
      return;
    case CrlFreshness::expired:
      spdlog::error(
          "CRL {} expired at its nextUpdate {}: every client certificate is refused until a "
          "fresh CRL is loaded",
          path, utc(next_update));
      return;
  }
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> ServerState::tls_context() const {
  std::lock_guard lock(tls_mu_);
  return tls_;
}

Result<CrlInfo> ServerState::load_tls(bool revalidate) {
  std::lock_guard load(load_mu_);
  const auto& files = options.tls;
  // Stamped before reading: a write racing the read changes the stamp again, so the next
  // watcher tick loads once more rather than missing it.
  auto stamp = files.crl.empty() ? std::nullopt : stamp_file(files.crl);
  auto made = make_server_tls_context(files);
  if (!made) return made.error();
  {
    std::lock_guard lock(tls_mu_);
    tls_ = made->context;
  }
  crl_stamp_ = stamp;
  crl_next_update_ = made->crl.next_update;
  metrics.crl_loaded(made->crl.next_update);
  if (files.revocation == Revocation::crl) {
    const auto now_s = unix_now();
    const auto freshness = crl_freshness(made->crl.next_update, now_s, options.crl_warn_before);
    log_freshness(files.crl, made->crl.next_update, freshness, now_s);
    crl_freshness_ = freshness;
  }
  if (revalidate) {
    for (auto& connection : live_connections()) connection->revalidate(made->context);
  }
  return made->crl;
}

void ServerState::check_crl(std::int64_t now_s) {
  const auto& files = options.tls;
  if (files.revocation != Revocation::crl || files.crl.empty()) return;
  bool changed = false;
  {
    std::lock_guard load(load_mu_);
    const auto stamp = stamp_file(files.crl);
    changed = stamp && stamp != crl_stamp_;
    if (!changed) {
      const auto freshness = crl_freshness(crl_next_update_, now_s, options.crl_warn_before);
      if (freshness != crl_freshness_) {
        log_freshness(files.crl, crl_next_update_, freshness, now_s);
        crl_freshness_ = freshness;
      }
      return;
    }
  }
  spdlog::info("CRL file {} changed: reloading the TLS context", files.crl);
  if (auto loaded = load_tls(true); !loaded) {
    // The last good CRL keeps serving; the watcher tries again when the file changes again.
    spdlog::error("CRL reload refused, keeping the current one: {}", loaded.error().message);
    std::lock_guard load(load_mu_);
    crl_stamp_ = stamp_file(files.crl);
  }
}

std::vector<std::shared_ptr<Connection>> ServerState::live_connections() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [key, entry] : live_) {
    if (auto c = entry.connection.lock()) out.push_back(std::move(c));
  }
  return out;
}

bool ServerState::reserve_slot(const std::string& source, std::shared_ptr<Connection>& reclaim) {
  std::lock_guard lock(mu_);
  if (draining_) {
    metrics.connection_rejected("draining");
    return false;
  }
  // Checked before max_connections: a source flooding handshakes must not reclaim the idle
  // connections of agencies that did authenticate.
  auto pending = pending_by_source_.find(source);
  if (pending != pending_by_source_.end() &&
      pending->second >= options.max_pending_handshakes_per_source) {
    metrics.connection_rejected("per_source");
    return false;
  }
  if (slots_ >= options.max_connections) {
    reclaim = pick_idle_locked("");
    if (!reclaim) {
      metrics.connection_rejected("max_connections");
      return false;
    }
    metrics.connection_reclaimed("max_connections");
  }
  ++slots_;
  ++pending_by_source_[source];
  return true;
}

void ServerState::attach(Connection* key, std::weak_ptr<Connection> connection,
                         const std::string& source) {
  std::lock_guard lock(mu_);
  Entry entry;
  entry.connection = std::move(connection);
  entry.source = source;
  live_.emplace(key, std::move(entry));
}

bool ServerState::admit_peer(Connection* key, const std::string& peer,
                             std::shared_ptr<Connection>& reclaim) {
  std::lock_guard lock(mu_);
  auto it = live_.find(key);
  if (it == live_.end()) return false;
  end_handshake_locked(it->second);
  auto& count = by_peer_[peer];
  if (count >= options.max_connections_per_agency) {
    reclaim = pick_idle_locked(peer);
    if (!reclaim) {
      if (count == 0) by_peer_.erase(peer);
      metrics.connection_rejected("per_agency");
      return false;
    }
    metrics.connection_reclaimed("per_agency");
  }
  ++count;
  it->second.peer = peer;
  return true;
}

void ServerState::set_idle(Connection* key, bool idle) {
  std::lock_guard lock(mu_);
  auto it = live_.find(key);
  if (it == live_.end()) return;
  it->second.idle = idle;
  if (idle) it->second.idle_since = ++idle_clock_;
}

void ServerState::release(Connection* key) {
  std::lock_guard lock(mu_);
  if (auto it = live_.find(key); it != live_.end()) {
    end_handshake_locked(it->second);
    if (!it->second.peer.empty()) {
      auto peer = by_peer_.find(it->second.peer);
      if (peer != by_peer_.end() && --peer->second == 0) by_peer_.erase(peer);
    }
    live_.erase(it);
  }
  --slots_;
  fire_if_drained_locked();
}

std::vector<std::shared_ptr<Connection>> ServerState::connections_of(
    const std::string& peer) const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [key, entry] : live_) {
    if (entry.peer != peer) continue;
    if (auto c = entry.connection.lock()) out.push_back(std::move(c));
  }
  return out;
}

std::size_t ServerState::count_of(const std::string& peer) const {
  std::lock_guard lock(mu_);
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? 0 : it->second;
}

std::vector<std::shared_ptr<Connection>> ServerState::begin_drain(std::function<void()> done) {
  std::lock_guard lock(mu_);
  draining_ = true;
  on_drained_ = std::move(done);
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& [key, entry] : live_) {
    if (auto c = entry.connection.lock()) out.push_back(std::move(c));
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

void ServerState::end_handshake_locked(Entry& entry) {
  if (!entry.handshaking) return;
  entry.handshaking = false;
  auto it = pending_by_source_.find(entry.source);
  if (it != pending_by_source_.end() && --it->second == 0) pending_by_source_.erase(it);
}

std::shared_ptr<Connection> ServerState::pick_idle_locked(const std::string& peer) {
  // A linear scan, only when a cap is reached: at most max_connections entries. Only the
  // chosen entry is locked: a shared_ptr dropped under mu_ could run ~Connection, which
  // takes mu_ again.
  for (;;) {
    Entry* best = nullptr;
    for (auto& [key, entry] : live_) {
      if (!entry.idle || entry.reclaiming || entry.handshaking) continue;
      if (!peer.empty() && entry.peer != peer) continue;
      if (best && best->idle_since <= entry.idle_since) continue;
      best = &entry;
    }
    if (!best) return nullptr;
    best->reclaiming = true;  // picked once, whether or not it is still alive
    if (auto c = best->connection.lock()) return c;
    // In its destructor: its slot is being freed anyway; look for another.
  }
}

void ServerState::fire_if_drained_locked() {
  if (!draining_ || slots_ != 0 || !on_drained_) return;
  // Posted, never called here: release() runs inside a connection's destructor.
  boost::asio::post(io, std::move(on_drained_));
  on_drained_ = nullptr;
}

}  // namespace accord::server
