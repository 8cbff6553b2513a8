#include "accord/server/metrics.hpp"

#include <gtest/gtest.h>

#include "accord/testing/metric_value.hpp"

namespace accord::server {
namespace {

using accord::testing::metric_value;

TEST(Metrics, RenderNamesEveryFamily) {
  Metrics m;
  m.handshake_failed("revoked");
  m.connection_opened();
  m.connection_rejected("max_connections");
  m.connection_timed_out("idle");
  m.http_answered(200);
  m.connection_reclaimed("per_agency");
  m.accept_failed("emfile");
  const std::string text = m.render();
  for (const char* family : {"accord_tls_handshake_failures_total", "accord_connections_total",
                             "accord_connections_open", "accord_connections_rejected_total",
                             "accord_connection_timeouts_total", "accord_http_requests_total",
                             "accord_connections_reclaimed_total", "accord_accept_errors_total"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family), std::string::npos) << family;
  }
  EXPECT_NE(text.find("accord_tls_handshake_failures_total{reason=\"revoked\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("accord_http_requests_total{code=\"200\"} 1"), std::string::npos) << text;
}

TEST(Metrics, CountsPerLabelAndGaugeGoesBackDown) {
  Metrics m;
  m.handshake_failed("expired");
  m.handshake_failed("expired");
  m.handshake_failed("unknown_ca");
  m.http_answered(413);
  m.connection_opened();
  m.connection_opened();
  m.connection_closed();
  const auto& r = m.registry();
  EXPECT_EQ(metric_value(r, "accord_tls_handshake_failures_total", {{"reason", "expired"}}), 2);
  EXPECT_EQ(metric_value(r, "accord_tls_handshake_failures_total", {{"reason", "unknown_ca"}}), 1);
  EXPECT_EQ(metric_value(r, "accord_tls_handshake_failures_total", {{"reason", "revoked"}}),
            std::nullopt);
  EXPECT_EQ(metric_value(r, "accord_http_requests_total", {{"code", "413"}}), 1);
  EXPECT_EQ(metric_value(r, "accord_connections_total"), 2);
  EXPECT_EQ(metric_value(r, "accord_connections_open"), 1);
}

TEST(Metrics, OtherComponentsAddFamiliesToTheSameRegistry) {
  Metrics m;
  prometheus::BuildCounter()
      .Name("accord_test_things_total")
      .Help("t")
      .Register(m.registry())
      .Add({})
      .Increment();
  EXPECT_NE(m.render().find("accord_test_things_total 1"), std::string::npos);
}

TEST(Metrics, CollectorsAreAskedAtEveryRender) {
  Metrics m;
  double value = 86400;
  m.add_collector([&value] {
    prometheus::ClientMetric metric;
    metric.label = {{"agreement", "a@1"}};
    metric.gauge.value = value;
    return std::vector<prometheus::MetricFamily>{
        {"accord_agreement_expiry_seconds", "help", prometheus::MetricType::Gauge, {metric}}};
  });
  EXPECT_NE(m.render().find("accord_agreement_expiry_seconds{agreement=\"a@1\"} 86400"),
            std::string::npos)
      << m.render();
  value = -5;  // the value as of the scrape, not of registration
  EXPECT_NE(m.render().find("accord_agreement_expiry_seconds{agreement=\"a@1\"} -5"),
            std::string::npos)
      << m.render();
}

}  // namespace
}  // namespace accord::server
