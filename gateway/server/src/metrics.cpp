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
                             .Add({})),
      crl_next_update_(&prometheus::BuildGauge()
                            .Name("accord_tls_crl_next_update_seconds")
                            .Help("nextUpdate of the loaded CRL, Unix seconds (0: none)")
                            .Register(*registry_)
                            .Add({})),
      revalidation_closed_(
          &prometheus::BuildCounter()
               .Name("accord_tls_revalidation_closed_total")
               .Help("Live connections closed after a TLS reload because their certificate no "
                     "longer verifies, by reason")
               .Register(*registry_)) {}

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

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.push_back(std::move(collector));
}

void Metrics::crl_loaded(std::int64_t next_update) {
  crl_next_update_->Set(static_cast<double>(next_update));
}

void Metrics::revalidation_closed(const std::string& reason) {
  revalidation_closed_->Add({{"reason", reason}}).Increment();
}

std::size_t Metrics::add_refresher(std::function<void()> refresh) {
  std::lock_guard lock(refreshers_mu_);
  const std::size_t id = next_refresher_++;
  refreshers_.emplace(id, std::move(refresh));
  return id;
}

void Metrics::remove_refresher(std::size_t id) {
  std::lock_guard lock(refreshers_mu_);
  refreshers_.erase(id);
}

std::string Metrics::render() const {
  {
    // Held while refreshing, so remove_refresher() waits for a refresh in progress.
    std::lock_guard lock(refreshers_mu_);
    for (const auto& [id, refresh] : refreshers_) refresh();
  }
  auto families = registry_->Collect();
  std::lock_guard lock(collectors_mutex_);
  for (const auto& collect : collectors_) {
    auto more = collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace accord::server
