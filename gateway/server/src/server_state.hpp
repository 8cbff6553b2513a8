// State shared by the listener, every connection and the HttpServer object: options, the
// TLS context, the handler and metrics, and the registry of live connections that
// max_connections and drain() work from. Held by shared_ptr so a connection that outlives
// the HttpServer object never dangles. Thread-safe: every mutable field is under `mu`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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

  // Reserves a slot for a new connection; false (and counted) when at max_connections or
  // draining. Only the listener calls it, so the count cannot grow between check and use.
  bool reserve_slot();
  void attach(Connection* key, std::weak_ptr<Connection> connection);
  // Called from ~Connection: frees the slot and, when draining and it was the last one,
  // schedules the drain callback.
  void release(Connection* key);

  // Sets the draining flag (from drain(), before the acceptor is closed) so a connection
  // accepted in the meantime is refused or closed.
  void set_draining();
  // Marks the server draining and returns the live connections to be told so. `done`
  // runs (posted to the io_context) once no connection is left.
  std::vector<std::shared_ptr<Connection>> begin_drain(std::function<void()> done);
  bool draining() const;
  std::vector<std::shared_ptr<Connection>> live_connections() const;

 private:
  void fire_if_drained_locked();

  mutable std::mutex mu_;
  std::size_t slots_ = 0;  // reserved, including those not yet attached
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
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
