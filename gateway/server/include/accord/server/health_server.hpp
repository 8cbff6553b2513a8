// The health listener (health_listen, docs/operations.md "Health checks"): plain HTTP/1.1
// without TLS or a certificate, for a load balancer or an init system on the same machine.
//   GET /livez   200 {"status":"alive"}: the process serves
//   GET /readyz  200 {"status":"ready"}, or 503 {"status":"unavailable","code":...,"error":{...}}
//                with Retry-After while `unavailable` says why not
// Another path 404; another method on these two 405. One request per connection (the answer
// closes it), so nothing is kept open between probes. Bounded: a request of at most 1 KiB
// (header and body), the whole exchange within `timeout` (a client that trickles or says
// nothing is cut), at most `max_connections` open (more are closed at accept).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "accord/core/result.hpp"
#include "accord/server/http_server.hpp"

namespace accord::server {

struct HealthOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = any free port; see HealthServer::port()
  std::chrono::milliseconds timeout{5'000};
  std::size_t max_connections = 64;
  // Readiness: nullopt while ready, else the error /readyz answers 503 with (its code's
  // Retry-After from the error table). Called on an io thread: must be quick.
  std::function<std::optional<Error>()> unavailable;
  // As ServerOptions::on_access (peer is always "-").
  std::function<void(const AccessRecord&)> on_access;
};

class HealthServer {
 public:
  virtual ~HealthServer() = default;
  // Binds and starts accepting on the io_context. Errors: bind.
  virtual Status start() = 0;
  virtual std::uint16_t port() const = 0;
  // Closes the acceptor and every open connection (a probe then fails: not ready). Any thread.
  virtual void stop() = 0;
};

std::unique_ptr<HealthServer> make_health_server(boost::asio::io_context& io,
                                                 HealthOptions options);

// The answer to one health request (pure: for the server and its tests).
HttpResponse health_answer(const HttpRequest& request, const HealthOptions& options);

}  // namespace accord::server
