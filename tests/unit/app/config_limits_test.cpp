// The connection-flood limits in the configuration (issue #12 item 1): defaults, values,
// and a clear error for a bad one.
#include <gtest/gtest.h>

#include <string>

#include "accord/app/config.hpp"

namespace accord::app {
namespace {

std::string config_with(const std::string& limits) {
  return "tls: {ca: ca.pem, cert: server.pem, key: server.key, crl: crl.pem}\n"
         "storage: {path: var/spool.db}\n"
         "vocabulary: vocabulary.yaml\n"
         "agencies: agencies.yaml\n"
         "agreements: agreements\n" +
         (limits.empty() ? std::string() : "limits: {" + limits + "}\n");
}

TEST(ConfigLimits, FloodDefaults) {
  auto config = parse_config(config_with(""), "/etc/accord", "gateway.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server.max_connections, 1024u);
  EXPECT_EQ(config->server.max_pending_handshakes_per_source, 32u);
  EXPECT_EQ(config->server.max_connections_per_agency, 64u);
  EXPECT_EQ(config->server.handshake_timeout, std::chrono::milliseconds(5000));
}

struct LimitRow {
  const char* name;
  const char* limits;
  bool ok;
  std::size_t per_source, per_agency;  // when ok
  const char* error;                   // part of the message when not ok
};

class ConfigLimitRows : public ::testing::TestWithParam<LimitRow> {};

TEST_P(ConfigLimitRows, Row) {
  const auto& row = GetParam();
  auto config = parse_config(config_with(row.limits), "/etc/accord", "gateway.yaml");
  ASSERT_EQ(config.ok(), row.ok) << (config.ok() ? "" : config.error().message);
  if (row.ok) {
    EXPECT_EQ(config->server.max_pending_handshakes_per_source, row.per_source);
    EXPECT_EQ(config->server.max_connections_per_agency, row.per_agency);
  } else {
    EXPECT_EQ(config.error().code, "invalid_config");
    EXPECT_NE(config.error().message.find(row.error), std::string::npos) << config.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigLimitRows,
    ::testing::Values(
        LimitRow{"Both", "max_pending_handshakes_per_source: 4, max_connections_per_agency: 100",
                 true, 4, 100, ""},
        LimitRow{"PerSourceOnly", "max_pending_handshakes_per_source: 1", true, 1, 64, ""},
        LimitRow{"PerSourceZero", "max_pending_handshakes_per_source: 0", false, 0, 0,
                 "limits.max_pending_handshakes_per_source must be greater than 0"},
        LimitRow{"PerAgencyZero", "max_connections_per_agency: 0", false, 0, 0,
                 "limits.max_connections_per_agency must be greater than 0"},
        LimitRow{"PerAgencyNotANumber", "max_connections_per_agency: many", false, 0, 0,
                 "limits.max_connections_per_agency has the wrong type"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::app
