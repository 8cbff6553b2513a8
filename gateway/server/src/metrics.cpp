#include "accord/server/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <string>

namespace accord::server {

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      handshake_failures_(&prometheus::BuildCounter()
                               .Name("accord_tls_handshake_failures_total")
                               .Help("TLS handshakes refused or failed, by reason")
                               .Register(*registry_)),
      http_requests_(&prometheus::BuildCounter()
                          .Name("accord_http_requests_total")
                          .Help("HTTP responses written, by status code")
                          .Register(*registry_)),
      connections_rejected_(&prometheus::BuildCounter()
                                 .Name("accord_connections_rejected_total")
                                 .Help("Accepted sockets closed at once, by reason")
                                 .Register(*registry_)),
      timeouts_(&prometheus::BuildCounter()
                     .Name("accord_connection_timeouts_total")
                     .Help("Connections cut by a deadline after the handshake, by phase")
                     .Register(*registry_)),
      connections_reclaimed_(&prometheus::BuildCounter()
                                  .Name("accord_connections_reclaimed_total")
                                  .Help("Idle connections closed to make room, by reason")
                                  .Register(*registry_)),
      accept_errors_(&prometheus::BuildCounter()
                          .Name("accord_accept_errors_total")
                          .Help("Failed accepts (each pauses accepting), by reason")
                          .Register(*registry_)),
      connections_total_(&prometheus::BuildCounter()
                              .Name("accord_connections_total")
                              .Help("TCP connections accepted and served")
                              .Register(*registry_)
                              .Add({})),
      connections_open_(&prometheus::BuildGauge()
                             .Name("accord_connections_open")
                             .Help("Connections currently open")
                             .Register(*registry_)
                             .Add({})) {}

void Metrics::handshake_failed(const std::string& reason) {
  handshake_failures_->Add({{"reason", reason}}).Increment();
}

void Metrics::connection_opened() {
  connections_total_->Increment();
  connections_open_->Increment();
}

void Metrics::connection_closed() {
  connections_open_->Decrement();
}

void Metrics::connection_rejected(const std::string& reason) {
  connections_rejected_->Add({{"reason", reason}}).Increment();
}

void Metrics::connection_reclaimed(const std::string& reason) {
  connections_reclaimed_->Add({{"reason", reason}}).Increment();
}

void Metrics::accept_failed(const std::string& reason) {
  accept_errors_->Add({{"reason", reason}}).Increment();
}

void Metrics::connection_timed_out(const std::string& phase) {
  timeouts_->Add({{"phase", phase}}).Increment();
}

void Metrics::http_answered(unsigned status) {
  http_requests_->Add({{"code", std::to_string(status)}}).Increment();
}

std::string Metrics::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace accord::server
