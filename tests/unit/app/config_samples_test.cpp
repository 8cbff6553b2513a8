// The sample configurations in config/ load, and the high-availability pair is a pair: the
// same database, agreements, signatures and key files on both gateways, only the addresses
// differ.
#include <gtest/gtest.h>

#include "accord/app/config.hpp"
#include "accord/testing/golden.hpp"

namespace accord::app {
namespace {

GatewayConfig load(const std::string& relative) {
  auto config = load_config(testing::source_dir() + "/" + relative);
  EXPECT_TRUE(config.ok()) << relative << ": "
                           << (config.ok() ? ""
                                           : config.error().path + ": " + config.error().message);
  return config.ok() ? std::move(config.value()) : GatewayConfig{};
}

TEST(ConfigSamples, LondonIsEmbedded) {
  const auto london = load("config/london.yaml");
  EXPECT_EQ(london.storage_backend, StorageBackend::sqlite);
  // The compliance tracker and the monthly feed to MOPAC (docs/compliance.md §6).
  EXPECT_TRUE(london.compliance.enabled);
  EXPECT_EQ(london.compliance.oversight_feed.sender, "gateway.london");
  EXPECT_EQ(london.compliance.oversight_feed.recipient, "oversight.mopac");
  // Where scripts/run-gateway.sh co-signs the sample agreements and registers the signing
  // keys (scripts/sign-sample-agreements.sh var/london): not the agreements directory, which
  // is in git.
  EXPECT_TRUE(london.signatures_path.ends_with("/var/london/signatures")) << london.signatures_path;
  EXPECT_TRUE(london.keys_path.ends_with("/var/london/keys")) << london.keys_path;
  // Probes on loopback without a certificate (docs/operations.md, "Health checks"); text logs.
  EXPECT_TRUE(london.health_enabled);
  EXPECT_EQ(london.health_address, "127.0.0.1");
  EXPECT_EQ(london.health_port, 8081);
  EXPECT_EQ(london.log_format, logging::LogFormat::text);
  EXPECT_FALSE(london.log_access);
}

TEST(ConfigSamples, HighAvailabilityPairSharesEverythingButTheAddresses) {
  const auto a = load("config/ha/gateway-a.yaml");
  const auto b = load("config/ha/gateway-b.yaml");
  for (const auto* gateway : {&a, &b}) {
    EXPECT_EQ(gateway->storage_backend, StorageBackend::postgresql);
    const std::string& uri = gateway->postgresql.uri;
    // Both servers, and only the one that takes writes: libpq follows a promoted standby.
    EXPECT_NE(uri.find(":5432,"), std::string::npos) << uri;
    EXPECT_NE(uri.find("target_session_attrs=read-write"), std::string::npos) << uri;
    EXPECT_EQ(uri.find('@'), uri.find("accord@") + 6) << "no password in the file: " << uri;
  }
  EXPECT_EQ(a.postgresql.uri, b.postgresql.uri);
  EXPECT_EQ(a.postgresql.commit_timeout_ms, b.postgresql.commit_timeout_ms);
  EXPECT_EQ(a.signing_key_path, b.signing_key_path);
  EXPECT_EQ(a.pseudonym_key_path, b.pseudonym_key_path);
  EXPECT_EQ(a.keys_path, b.keys_path);
  // The same signed statements, so both gateways hold the same versions in force.
  EXPECT_EQ(a.signatures_path, b.signatures_path);
  EXPECT_NE(a.signatures_path, a.agreements_path);
  EXPECT_EQ(a.agreements_path, b.agreements_path);
  EXPECT_EQ(a.agencies_path, b.agencies_path);
  EXPECT_EQ(a.vocabulary_path, b.vocabulary_path);
  EXPECT_EQ(a.storage.audit.checkpoint_every_ms, b.storage.audit.checkpoint_every_ms);
  EXPECT_EQ(a.api.default_lease_ms, b.api.default_lease_ms);
  EXPECT_EQ(a.delivery.lease_ms, b.delivery.lease_ms);
  EXPECT_NE(a.server.address, b.server.address);
  EXPECT_NE(a.admin_address, b.admin_address);
}

}  // namespace
}  // namespace accord::app
