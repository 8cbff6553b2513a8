// The mTLS HTTP/1.1 server (Beast's async TLS server shape): one strand and one deadline
// per connection phase, a single fail() that classifies errors, and a request handler that
// knows nothing about sockets.
//
// The server owns: TLS 1.2/1.3 only, client certificate required and verified against the
// CA and CRL, identity from the certificate, handshake/header/body/idle deadlines, the body
// size limit (413 before the body is read), keep-alive, connection caps (total, pending
// handshakes per source address, per peer), idle reclaim, accept backoff, graceful drain.
// The handler owns everything about routes and meaning.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/server/metrics.hpp"
#include "accord/server/peer.hpp"

namespace accord::server {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct Request {
  HttpRequest http;
  PeerIdentity peer;
};

// Handlers answer exactly once, from any thread; the server posts back to the connection.
using Respond = std::function<void(HttpResponse)>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void handle(Request request, Respond respond) = 0;
};

// How client certificates are checked for revocation.
enum class Revocation {
  crl,   // against `TlsFiles::crl`, which is then required (a CRL for every CA in the bundle)
  none,  // not at all: a revoked certificate is accepted (say so loudly where it is chosen)
};

struct TlsFiles {
  std::string ca;    // PEM: CA certificate(s) that sign client certificates
  std::string crl;   // PEM: certificate revocation list(s); required with Revocation::crl
  std::string cert;  // PEM: server certificate chain
  std::string key;   // PEM: server private key
  Revocation revocation = Revocation::crl;  // crl with an empty `crl` is a tls_config error
};

// What the last TLS (re)load found in the CRL file; all zero with Revocation::none.
struct CrlInfo {
  std::size_t crls = 0;          // CRLs in the file
  std::int64_t next_update = 0;  // earliest nextUpdate, Unix seconds (0: none given)
  std::int64_t last_update = 0;  // latest lastUpdate (thisUpdate), Unix seconds
};

// One answered request, for the access log (docs/operations.md, "Logs"): never a header, a
// body or the query string (a query can carry a subject reference).
struct AccessRecord {
  std::string peer;    // the certificate's id; "-" when none (plain HTTP, or not yet known)
  std::string method;  // "-" when the request line was never read whole
  std::string path;    // the request target up to its first '?' or '#'; "-" as for method
  unsigned status = 0;
  std::size_t bytes = 0;         // of the response body
  std::int64_t duration_ms = 0;  // from the request's first byte to its answer written
};

// The path of a request target for a log: up to the first '?' or '#', at most 512 bytes
// (longer ones end in "..."); "-" when empty.
std::string loggable_path(std::string_view target);

// A route whose POST bodies may be larger than ServerOptions::max_body_bytes (the agency
// API's batch submit). Decided from the request line, before the body is read.
struct LargeBodyRoute {
  std::string path;           // the exact target path (up to '?'), e.g. /v1/messages:batch
  std::size_t max_bytes = 0;  // its body limit; over it: 413 with `code`
  std::string code;           // e.g. batch_too_large
  std::string limit_name;     // the config key, for the answer's message
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = any free port; see HttpServer::port()
  TlsFiles tls;
  std::size_t max_body_bytes = 256 * 1024;
  // POSTs to these paths take their own limit instead of max_body_bytes; every other request
  // (a large body to any other path) is still refused at max_body_bytes, before its body.
  std::vector<LargeBodyRoute> large_body_routes;
  std::size_t max_connections = 1024;
  // Connections from one source address that have not finished the TLS handshake. A socket
  // past it is closed at accept (rejected{reason="per_source"}): a flood of connections that
  // never send a ClientHello holds this many slots, for handshake_timeout at most.
  std::size_t max_pending_handshakes_per_source = 32;
  // Open connections per authenticated peer (agency, admin or auditor id). A peer's new
  // connection past it reclaims that peer's longest-idle connection; when none of them is
  // idle the new one is closed after the handshake (rejected{reason="per_agency"}).
  std::size_t max_connections_per_agency = 64;
  // At max_connections, the longest-idle keep-alive connection (after the handshake, waiting
  // for a request) is closed to make room for a new socket; only when none is idle is the new
  // socket refused (rejected{reason="max_connections"}).
  std::chrono::milliseconds handshake_timeout{5'000};
  std::chrono::milliseconds request_timeout{30'000};  // whole request once its first byte came
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive wait for the next request
  // How often the CRL file is looked at (inode, size, mtime, ctime); a changed file is
  // loaded as by reload_tls(). 0 = only on reload_tls().
  std::chrono::milliseconds crl_check_interval{0};
  // A warning is logged when the CRL's nextUpdate is less than this far away (and an error
  // once it has passed: from then on OpenSSL refuses every client certificate).
  std::chrono::seconds crl_warn_before{24 * 3600};
  // A failed accept (EMFILE, ENFILE, ENOBUFS, ...) pauses accepting, from
  // accept_backoff_initial doubling to accept_backoff_max while it keeps failing; the
  // failure is logged at most once per accept_error_log_interval (with the count since).
  std::chrono::milliseconds accept_backoff_initial{10};
  std::chrono::milliseconds accept_backoff_max{1'000};
  std::chrono::milliseconds accept_error_log_interval{10'000};
  // Called (on an io thread) when a handshake is refused because of the client certificate:
  // reason (unknown_ca, revoked, expired, not_yet_valid, bad_certificate, no_certificate,
  // no_identity), the remote endpoint, and what the presented certificate (if any) says of
  // itself: subject and SAN URIs, captured while it was being verified, so they are there for
  // a certificate that failed verification too. For the audit log; must not block.
  std::function<void(std::string_view reason, const std::string& remote,
                     const PresentedCertificate& presented)>
      on_certificate_refused;
  // Called (on an io thread) once per answered request, after its answer is written (or the
  // write failed); includes the server's own answers (413, 431, 400). Empty: no access log.
  // Must not block.
  std::function<void(const AccessRecord&)> on_access;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Binds and starts accepting on the io_context. Errors: tls_config, bind.
  virtual Status start() = 0;
  virtual std::uint16_t port() const = 0;
  // Re-reads the TLS files (CA, CRL, server chain and key) and swaps in a new TLS context for
  // new handshakes. Live connections are re-verified against it: one whose certificate no
  // longer verifies (revoked, expired) is closed at once, counted in
  // accord_tls_revalidation_closed_total{reason} and reported to on_certificate_refused.
  // On error the current context stays. Any thread; after start(). Errors: tls_config.
  virtual Result<CrlInfo> reload_tls() = 0;
  // Stops accepting, lets in-flight requests finish and closes idle connections; calls
  // `done` when the last connection is gone.
  virtual void drain(std::function<void()> done) = 0;
  // Closes every connection of one peer (e.g. an agency whose certificate was revoked): idle
  // or handshaking ones at once, one with a request in flight after its answer (sent with
  // Connection: close). Returns how many connections were told. Any thread.
  virtual std::size_t close_peer_connections(PeerRole role, const std::string& id) = 0;
  // How many connections of one peer are open (after their handshake). Any thread.
  virtual std::size_t peer_connections(PeerRole role, const std::string& id) const = 0;
};

std::unique_ptr<HttpServer> make_http_server(boost::asio::io_context& io, ServerOptions options,
                                             RequestHandler& handler, Metrics& metrics);

// Loads the TLS files as start() does and discards them (accord-gateway --check): a missing
// or unreadable file, a key that does not match the chain, a bad CRL. Errors: tls_config.
Status check_tls_files(const TlsFiles& files);

}  // namespace accord::server
