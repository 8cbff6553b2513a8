// State shared by the listener, every connection and the HttpServer object: options, the
// TLS context, the handler and metrics, and the registry of live connections that the
// connection caps (max_connections, pending handshakes per source, connections per peer),
// idle reclaim, drain() and close_peer_connections() work from. Held by shared_ptr so a connection
// that outlives the HttpServer object never dangles. Thread-safe: every mutable field is under
// `mu`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "accord/server/crl.hpp"
#include "accord/server/http_server.hpp"

namespace accord::server {

class Connection;

class ServerState {
 public:
  ServerState(boost::asio::io_context& io, ServerOptions options, RequestHandler& handler,
              Metrics& metrics)
      : io(io), options(std::move(options)), handler(handler), metrics(metrics) {}

  boost::asio::io_context& io;
  const ServerOptions options;
  RequestHandler& handler;
  Metrics& metrics;
  // The context new handshakes use: set by load_tls() (start, reload_tls, the CRL watcher).
  std::shared_ptr<boost::asio::ssl::context> tls_context() const;
  // Loads options.tls into a new context and swaps it in; sets the CRL gauge and logs the
  // CRL's freshness. When `revalidate`, every live connection is then re-verified against
  // the new context (Connection::revalidate). Serialised; any thread. Errors: tls_config.
  Result<CrlInfo> load_tls(bool revalidate);
  // The CRL watcher's tick: reloads when the CRL file changed since the last load, and logs
  // when the CRL's freshness changes as time passes (fresh → expiring → expired).
  void check_crl(std::int64_t now_s);

  // Reserves a slot for a new connection from `source` (its IP address) and counts it as a
  // pending handshake of that source; false (and counted) when draining, when the source has
  // max_pending_handshakes_per_source pending, or at max_connections with no idle
  // connection to reclaim. When it reclaims one, `reclaim` is set: the caller tells it
  // (Connection::reclaim) outside the lock. Only the listener calls it, so the count cannot
  // grow between check and attach().
  bool reserve_slot(const std::string& source, std::shared_ptr<Connection>& reclaim);
  void attach(Connection* key, std::weak_ptr<Connection> connection, const std::string& source);
  // After a successful handshake: the connection stops counting as a pending handshake of
  // its source and counts for `peer` (role:id). False (and counted) when the peer is at
  // max_connections_per_agency with no idle connection to reclaim; `reclaim` as above.
  bool admit_peer(Connection* key, const std::string& peer, std::shared_ptr<Connection>& reclaim);
  // The connection waits for its next request (idle = true) or has started one (false).
  // Idle connections are the ones reclaimed, longest-idle first.
  void set_idle(Connection* key, bool idle);
  // Called from ~Connection: frees the slot and, when draining and it was the last one,
  // schedules the drain callback.
  void release(Connection* key);

  // The live connections of one peer (role:id), after their handshake.
  std::vector<std::shared_ptr<Connection>> connections_of(const std::string& peer) const;
  std::size_t count_of(const std::string& peer) const;

  // Sets the draining flag (from drain(), before the acceptor is closed) so a connection
  // accepted in the meantime is refused or closed.
  void set_draining();
  // Marks the server draining and returns the live connections to be told so. `done`
  // runs (posted to the io_context) once no connection is left.
  std::vector<std::shared_ptr<Connection>> begin_drain(std::function<void()> done);
  bool draining() const;
  std::vector<std::shared_ptr<Connection>> live_connections() const;

 private:
  struct Entry {
    std::weak_ptr<Connection> connection;
    std::string source;  // remote IP address
    std::string peer;    // role:id once admitted; empty while handshaking
    bool handshaking = true;
    bool idle = false;
    bool reclaiming = false;       // told to close; never picked twice
    std::uint64_t idle_since = 0;  // order of becoming idle: smallest is the longest idle
  };

  void fire_if_drained_locked();
  void end_handshake_locked(Entry& entry);
  // The longest-idle connection (of `peer`, or of anyone when empty) not yet reclaimed; marks
  // it reclaiming. Null when none is idle.
  std::shared_ptr<Connection> pick_idle_locked(const std::string& peer);

  mutable std::mutex mu_;
  std::size_t slots_ = 0;  // reserved, including those not yet attached
  std::unordered_map<Connection*, Entry> live_;
  std::unordered_map<std::string, std::size_t> pending_by_source_;
  std::unordered_map<std::string, std::size_t> by_peer_;
  std::uint64_t idle_clock_ = 0;
  bool draining_ = false;
  std::function<void()> on_drained_;

  std::mutex load_mu_;  // serialises load_tls()
  mutable std::mutex tls_mu_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // guarded by tls_mu_
  std::optional<FileStamp> crl_stamp_;              // guarded by load_mu_
  std::int64_t crl_next_update_ = 0;                // guarded by load_mu_
  std::optional<CrlFreshness> crl_freshness_;       // last logged; guarded by load_mu_
};

}  // namespace accord::server
