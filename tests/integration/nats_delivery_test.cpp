// NATS JetStream delivery end to end: the real gateway binary (main registers the nats adapter)
// delivering to a real nats-server -js over mutual TLS; the copy read back from the stream by a
// JetStream consumer is the delivered item, verified and opened by `accord decrypt`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "accord/crypto/key_files.hpp"
#include "accord/testing/dev_pki.hpp"
#include "accord/testing/nats_server.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using nlohmann::json;
using verb = boost::beast::http::verb;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// provider.lvws receives through the nats adapter at `url`. The NATS server's PKI is the test
// support one, not the gateway's: the adapter's own tls setting.
std::string nats_adapter_yaml(const std::string& url) {
  const auto& pki = testing::dev_pki();
  return "adapters:\n"
         "  provider.lvws:\n"
         "    outbound:\n"
         "      type: nats\n"
         "      url: " +
         url +
         "\n"
         "      server_name: localhost\n"
         "      stream: LVWS\n"
         "      reconnect_wait_ms: 100\n"
         "      tls: {ca: " +
         pki.ca() + ", cert: " + pki.server_cert() + ", key: " + pki.server_key() + "}\n";
}

TEST(NatsDelivery, CheckValidatesTheSettingsWithTheServerDown) {
  ASSERT_TRUE(testing::dev_pki().ok()) << testing::dev_pki().error();
  testing::NatsServer nats;  // never started: --check does not connect
  TempDir dir{"accord-nats-check-"};
  const std::string gateway = binary_dir() + "/gateway/app/accord-gateway";
  const auto good = run_command(gateway + " --check --config " +
                                write_config(dir, nats_adapter_yaml(nats.url())));
  EXPECT_EQ(good.status, 0) << good.output;

  TempDir bad_dir{"accord-nats-check-"};
  const std::string bad = write_config(bad_dir, nats_adapter_yaml("nats://127.0.0.1:4222"));
  const auto refused = run_command(gateway + " --check --config " + bad);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("plain nats:// is refused"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(bad + ":"), std::string::npos) << "config file:line:col\n"
                                                               << refused.output;
}

TEST(NatsDelivery, GatewayPublishesToJetStreamAndAcksOnPubAck) {
  ASSERT_TRUE(testing::dev_pki().ok()) << testing::dev_pki().error();
  testing::NatsServer nats;
  ASSERT_EQ(nats.start(), "");
  ASSERT_EQ(nats.add_stream("LVWS", {"accord.deliver.provider.lvws"}), "");

  TempDir dir{"accord-nats-it-"};
  // provider.lvws makes its key pair; the operator registers the public half.
  TempDir keys, lvws_secret;
  auto key = crypto::generate_agency_key("provider.lvws", 1'763'800'000'000);
  ASSERT_TRUE(key.ok()) << key.error().message;
  auto written = crypto::write_key_files(lvws_secret.path(), *key);
  ASSERT_TRUE(written.ok()) << written.error().message;
  fs::copy_file(written->public_path,
                keys.file(fs::path(written->public_path).filename().string()));

  const std::string config =
      write_config(dir,
                   "delivery:\n  backoff_initial_ms: 50\n  backoff_max_ms: 500\n"
                   "keys: " +
                       keys.path() + "\n" + nats_adapter_yaml(nats.url()));
  GatewayProcess gateway(config);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  const std::string envelope = read_source_file("tests/data/envelope/referral_created.json");
  const std::string id = json::parse(envelope)["id"];
  const auto accepted = police->request(verb::post, "/v1/messages", envelope);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  ASSERT_EQ(accepted->status, 202u) << accepted->body;  // to provider.lvws, fields encrypted

  std::vector<testing::StoredNatsMessage> held;
  std::string error;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        held = nats.read_stream("LVWS", error);
        return !held.empty();
      },
      30s))
      << error;
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].subject, "accord.deliver.provider.lvws");
  EXPECT_EQ(held[0].headers["Nats-Msg-Id"], "police.met/" + id + "/provider.lvws");
  EXPECT_EQ(held[0].headers["Accord-Message-Id"], id);
  const auto item = json::parse(held[0].data);
  EXPECT_EQ(item["sender"], "police.met");
  EXPECT_EQ(item["recipient"], "provider.lvws");
  EXPECT_EQ(item["message_id"], id);

  // The copy is acked on the PubAck: the worker counts it delivered and never sends it again.
  auto admin = make_client("admin", gateway.admin_port());
  std::string metrics;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = admin->request(verb::get, "/metrics", "");
        metrics = r.ok() ? r->body : std::string();
        return metrics.find("accord_delivery_delivered_total{recipient=\"provider.lvws\"} 1\n") !=
               std::string::npos;
      },
      30s))
      << metrics;

  // What the stream holds verifies and opens with the recipient's key, as any delivered item.
  const auto key_answer = police->request(verb::get, "/v1/gateway-key", "");
  ASSERT_TRUE(key_answer.ok() && key_answer->status == 200u);
  const std::string gateway_key = dir.file("gateway-key.json");
  std::ofstream(gateway_key) << key_answer->body;
  const std::string item_file = dir.file("item.json");
  std::ofstream(item_file, std::ios::binary) << held[0].data;
  const auto opened =
      run_command(binary_dir() + "/tools/accord/accord decrypt --key " + lvws_secret.path() +
                  " --gateway-key " + gateway_key + " " + item_file);
  EXPECT_EQ(opened.status, 0) << opened.output;
  EXPECT_NE(opened.output.find("gateway signature verified"), std::string::npos) << opened.output;
  EXPECT_NE(opened.output.find("protected fields opened"), std::string::npos) << opened.output;
  EXPECT_EQ(nats.read_stream("LVWS", error).size(), 1u) << "acked once, published once";
}

}  // namespace
}  // namespace accord::test
