// Prometheus metrics (prometheus-cpp core): one registry for the process, rendered as text
// at GET /metrics. Counter families are created once; label lookups are thread-safe, so
// every method may be called from any thread. Other components register their own
// families on registry(); the Metrics object must outlive every server that reports to it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

  // accord_tls_crl_next_update_seconds: the loaded CRL's earliest nextUpdate (Unix
  // seconds; 0 when revocation checking is off or the CRL gives none).
  void crl_loaded(std::int64_t next_update);
  // accord_tls_revalidation_closed_total{reason}: live connections closed because their
  // certificate failed verification against a reloaded CRL (revoked, expired, ...).
  void revalidation_closed(const std::string& reason);

  // Runs `refresh` before every render() (from whichever thread renders), so gauges that
  // mirror other state are fresh whichever listener is scraped. Returns an id for
  // remove_refresher(), which the owner of `refresh` must call before it goes away.
  std::size_t add_refresher(std::function<void()> refresh);
  void remove_refresher(std::size_t id);

  prometheus::Registry& registry() { return *registry_; }
  std::string render() const;  // Prometheus text exposition format; runs the refreshers first

  // Families computed when /metrics is rendered (values that depend on the time of the
  // scrape, e.g. seconds until an agreement ends). Called from any thread that renders;
  // the collector must be thread-safe and outlive the Metrics object's use.
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;
  void add_collector(Collector collector);

 private:
  mutable std::mutex collectors_mutex_;
  std::vector<Collector> collectors_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handshake_failures_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Counter>* connections_rejected_;
  prometheus::Family<prometheus::Counter>* timeouts_;
  prometheus::Family<prometheus::Counter>* connections_reclaimed_;
  prometheus::Family<prometheus::Counter>* accept_errors_;
  prometheus::Counter* connections_total_;
  prometheus::Gauge* connections_open_;
  prometheus::Gauge* crl_next_update_;
  prometheus::Family<prometheus::Counter>* revalidation_closed_;
  mutable std::mutex refreshers_mu_;
  std::size_t next_refresher_ = 1;
  std::map<std::size_t, std::function<void()>> refreshers_;  // guarded by refreshers_mu_
};

}  // namespace accord::server
