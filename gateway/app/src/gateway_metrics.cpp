#include "gateway_metrics.hpp"

#include <functional>

namespace accord::app {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  return {std::move(name), std::move(help), type, {}};
}

}  // namespace

std::vector<prometheus::MetricFamily> agreement_families(const std::vector<AgreementDates>& dates,
                                                         std::int64_t now_ms, int notice_days) {
  const double now = static_cast<double>(now_ms) / 1000.0;
  auto expiry = family("accord_agreement_expiry_seconds",
                       "Seconds until an active agreement's valid_until (negative once it has "
                       "ended and no longer grants)",
                       prometheus::MetricType::Gauge);
  auto review = family("accord_agreement_review_seconds",
                       "Seconds until an active agreement's review_by (negative once overdue)",
                       prometheus::MetricType::Gauge);
  for (const auto& d : dates) {
    prometheus::ClientMetric m;
    m.label = {{"agreement", d.agreement}};
    m.gauge.value = static_cast<double>(d.valid_until_s) - now;
    expiry.metric.push_back(m);
    m.gauge.value = static_cast<double>(d.review_by_s) - now;
    review.metric.push_back(std::move(m));
  }
  auto notice = family("accord_agreement_notice_seconds",
                       "The configured advance notice (agreement_notice_days) in seconds: alert "
                       "when a gauge above falls below it",
                       prometheus::MetricType::Gauge);
  prometheus::ClientMetric n;
  n.gauge.value = static_cast<double>(notice_days) * 86400.0;
  notice.metric.push_back(std::move(n));
  return {std::move(expiry), std::move(review), std::move(notice)};
}

std::vector<prometheus::MetricFamily> retention_families(std::int64_t purged,
                                                         std::int64_t extracts_deleted) {
  auto copies = family("accord_retention_purged_total",
                       "Copies whose payload the retention purge dropped (never delivered within "
                       "their recipient's retention period)",
                       prometheus::MetricType::Counter);
  prometheus::ClientMetric m;
  m.counter.value = static_cast<double>(purged);
  copies.metric.push_back(m);
  auto files = family("accord_retention_extracts_deleted_total",
                      "File-drop extracts and reports deleted past keep_extracts",
                      prometheus::MetricType::Counter);
  m.counter.value = static_cast<double>(extracts_deleted);
  files.metric.push_back(std::move(m));
  return {std::move(copies), std::move(files)};
}

std::vector<prometheus::MetricFamily> flow_families(const std::vector<api::FlowCount>& counts) {
  auto copies = family("accord_flow_copies_total",
                       "Copies stored since start, by sender, recipient and the agreement that "
                       "granted them (\"-\": a notice no agreement granted)",
                       prometheus::MetricType::Counter);
  auto refusals = family("accord_flow_refusals_total",
                         "Recipients refused since start, by sender, recipient and the agreement "
                         "that refused (\"-\": no agreement covers the route)",
                         prometheus::MetricType::Counter);
  for (const auto& c : counts) {
    prometheus::ClientMetric m;
    m.label = {{"sender", c.sender}, {"recipient", c.recipient}, {"agreement", c.agreement}};
    if (c.shared > 0) {
      m.counter.value = static_cast<double>(c.shared);
      copies.metric.push_back(m);
    }
    if (c.refused > 0) {
      m.counter.value = static_cast<double>(c.refused);
      refusals.metric.push_back(std::move(m));
    }
  }
  return {std::move(copies), std::move(refusals)};
}

std::vector<prometheus::MetricFamily> delivery_families(
    const std::map<std::string, delivery::WorkerStats>& workers) {
  using Stats = delivery::WorkerStats;
  struct Column {
    const char* name;
    const char* help;
    bool gauge;
    std::function<double(const Stats&)> value;
  };
  const Column columns[] = {
      {"accord_delivery_delivered_total", "Copies a push adapter delivered (then acked)", false,
       [](const Stats& s) { return static_cast<double>(s.delivered); }},
      {"accord_delivery_retried_total",
       "Transient delivery failures (retry_later): released until a backoff", false,
       [](const Stats& s) { return static_cast<double>(s.retried); }},
      {"accord_delivery_dead_lettered_total",
       "Copies parked as dead letters (permanent_failure, max_attempts, expired)", false,
       [](const Stats& s) { return static_cast<double>(s.dead_lettered); }},
      {"accord_delivery_polls_total",
       "Times the worker looked for copies (a lease, or a decision not to lease)", false,
       [](const Stats& s) { return static_cast<double>(s.polls); }},
      {"accord_delivery_in_flight", "Copies handed to the adapter and not settled yet", true,
       [](const Stats& s) { return static_cast<double>(s.in_flight); }},
      {"accord_delivery_circuit_open",
       "1 while the recipient's circuit breaker is open (no hand-overs), else 0", true,
       [](const Stats& s) { return s.circuit_open ? 1.0 : 0.0; }},
  };
  std::vector<prometheus::MetricFamily> out;
  for (const auto& column : columns) {
    auto f = family(column.name, column.help,
                    column.gauge ? prometheus::MetricType::Gauge : prometheus::MetricType::Counter);
    for (const auto& [recipient, stats] : workers) {
      prometheus::ClientMetric m;
      m.label = {{"recipient", recipient}};
      if (column.gauge) {
        m.gauge.value = column.value(stats);
      } else {
        m.counter.value = column.value(stats);
      }
      f.metric.push_back(std::move(m));
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<prometheus::MetricFamily> storage_families(const std::string& backend, bool ready,
                                                       std::int64_t unavailable_answers) {
  auto info = family("accord_spool_backend",
                     "The spool backend this gateway runs on (the label; the value is always 1)",
                     prometheus::MetricType::Gauge);
  prometheus::ClientMetric b;
  b.label = {{"backend", backend}};
  b.gauge.value = 1;
  info.metric.push_back(std::move(b));
  auto ready_family = family("accord_storage_ready",
                             "1 when the spool can store, 0 while it answers storage_unavailable "
                             "(GET /healthz then answers 503)",
                             prometheus::MetricType::Gauge);
  prometheus::ClientMetric r;
  r.gauge.value = ready ? 1.0 : 0.0;
  ready_family.metric.push_back(std::move(r));
  auto failures = family("accord_storage_unavailable_total",
                         "Spool operations answered storage_unavailable (no PostgreSQL primary, "
                         "the standby not confirming, a full disk)",
                         prometheus::MetricType::Counter);
  prometheus::ClientMetric f;
  f.counter.value = static_cast<double>(unavailable_answers);
  failures.metric.push_back(std::move(f));
  return {std::move(info), std::move(ready_family), std::move(failures)};
}

std::vector<prometheus::MetricFamily> port_families(
    const std::vector<adapters::PortMetric>& values) {
  std::vector<prometheus::MetricFamily> out;
  for (const auto& v : values) {
    auto f = family(v.name, v.help,
                    v.gauge ? prometheus::MetricType::Gauge : prometheus::MetricType::Counter);
    prometheus::ClientMetric m;
    if (v.gauge) {
      m.gauge.value = v.value;
    } else {
      m.counter.value = v.value;
    }
    f.metric.push_back(std::move(m));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace accord::app
