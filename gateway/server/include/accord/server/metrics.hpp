// Prometheus metrics (prometheus-cpp core): one registry for the process, rendered as text
// at GET /metrics. Counter families are created once; label lookups are thread-safe.
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

  // accord_tls_handshake_failures_total{reason}
  void handshake_failed(const std::string& reason);
  // accord_connections_total / accord_connections_open
  void connection_opened();
  void connection_closed();
  // accord_http_requests_total{code}
  void http_answered(unsigned status);

  prometheus::Registry& registry() { return *registry_; }
  std::string render() const;  // Prometheus text exposition format

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handshake_failures_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Counter* connections_total_;
  prometheus::Gauge* connections_open_;
};

}  // namespace accord::server
