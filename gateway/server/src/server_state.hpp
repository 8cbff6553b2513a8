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
#include <unordered_map>
#include <vector>

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
  std::shared_ptr<boost::asio::ssl::context> tls;  // set once by start(), before accepting

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

 private:
  void fire_if_drained_locked();

  mutable std::mutex mu_;
  std::size_t slots_ = 0;  // reserved, including those not yet attached
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
  bool draining_ = false;
  std::function<void()> on_drained_;
};

}  // namespace accord::server
