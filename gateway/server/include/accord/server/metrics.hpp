// Prometheus metrics (prometheus-cpp core): one registry for the process, rendered as text
// at GET /metrics. Counter families are created once; label lookups are thread-safe, so
// every method may be called from any thread. Other components register their own
// families on registry(); the Metrics object must outlive every server that reports to it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace accord::server {

class Metrics {
 public:
  Metrics();

  // accord_tls_handshake_failures_total{reason}: no_certificate, unknown_ca, revoked,
  // expired, not_yet_valid, bad_certificate, protocol_version, timeout, no_identity, other.
  void handshake_failed(const std::string& reason);
  // accord_connections_total / accord_connections_open
  void connection_opened();
  void connection_closed();
  // accord_connections_rejected_total{reason}: accepted sockets closed at once
  // (reason max_connections, per_source, draining), or after the handshake (per_agency).
  void connection_rejected(const std::string& reason);
  // accord_connections_reclaimed_total{reason}: idle keep-alive connections closed to make
  // room for a new one (reason max_connections, per_agency).
  void connection_reclaimed(const std::string& reason);
  // accord_accept_errors_total{reason}: failed accepts (emfile, enfile, enobufs, enomem,
  // aborted, other); each but aborted pauses accepting (accept backoff).
  void accept_failed(const std::string& reason);
  // accord_connection_timeouts_total{phase}: connections cut by a deadline after the
  // handshake (phase idle, request, write); handshake timeouts count as handshake failures.
  void connection_timed_out(const std::string& phase);
  // accord_http_requests_total{code}
  void http_answered(unsigned status);

  prometheus::Registry& registry() { return *registry_; }
  std::string render() const;  // Prometheus text exposition format

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handshake_failures_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Counter>* connections_rejected_;
  prometheus::Family<prometheus::Counter>* timeouts_;
  prometheus::Family<prometheus::Counter>* connections_reclaimed_;
  prometheus::Family<prometheus::Counter>* accept_errors_;
  prometheus::Counter* connections_total_;
  prometheus::Gauge* connections_open_;
};

}  // namespace accord::server
