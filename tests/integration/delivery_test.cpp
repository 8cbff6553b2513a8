// Push delivery end to end: the real gateway binary (main registers the built-in adapters), a real
// HTTPS webhook receiver (Python's http.server + ssl requiring the client certificate, started and
// stopped by the test), the file-drop outbound adapter on a real directory, and `accord dlq
// list|retry` as a process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "accord/crypto/key_files.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"
#include "webhook_receiver.hpp"

namespace accord::test {
namespace {

using nlohmann::json;
using verb = boost::beast::http::verb;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string delivery_yaml(std::uint16_t webhook_port, const std::string& drop_dir) {
  return "delivery:\n"
         "  backoff_initial_ms: 50\n"
         "  backoff_max_ms: 500\n"
         "  circuit_failures: 3\n"
         "  circuit_open_ms: 300\n"
         // Ten minutes: every delivery here is woken by a submission, a redrive or the
         // worker's own retry timer, never by the idle poll.
         "  idle_poll_ms: 600000\n"
         "adapters:\n"
         "  provider.lvws:\n"
         "    outbound: {type: webhook, url: \"https://127.0.0.1:" +
         std::to_string(webhook_port) +
         "/accord/inbox\", timeout_ms: 3000}\n"
         "  wcu.met:\n"
         "    outbound: {type: filedrop, directory: " +
         drop_dir + "}\n";
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(drop_dir_);
    config_ = write_config(dir_, delivery_yaml(receiver_.port(), drop_dir_));
  }

  // police.met submits suspect.arrested for `case_urn`; provider.lvws and wcu.met receive it.
  void submit(client::HttpsClient& police, const std::string& id, const std::string& case_urn) {
    auto doc = json::parse(arrested_);
    doc["id"] = id;
    doc["case"]["urn"] = case_urn;
    auto r = police.request(verb::post, "/v1/messages", doc.dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 202u) << r->body;
  }

  std::string cli(const std::string& args, std::uint16_t admin_port) const {
    const auto& pki = Pki::get();
    return binary_dir() + "/tools/accord/accord " + args +
           " --gateway 127.0.0.1:" + std::to_string(admin_port) + " --cert " +
           pki.file("admin.pem") + " --key " + pki.file("admin.key") + " --ca " +
           pki.file("ca.pem");
  }

  TempDir dir_{"accord-delivery-it-"};
  std::string drop_dir_ = dir_.file("drop-wcu");
  WebhookReceiver receiver_{dir_, free_port()};
  std::string config_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(DeliveryTest, ReceiverDownThenUpGetsEverythingInPerCaseOrder) {
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  std::map<std::string, std::vector<std::string>> submitted;  // case → ids in order
  for (int i = 0; i < 30; ++i) {
    const std::string case_urn = "01MP00" + std::to_string(41000 + i % 3);
    const std::string id = "met-arr-" + std::to_string(1000 + i);
    submit(*police, id, case_urn);
    submitted[case_urn].push_back(id);
  }
  // Receiver down: the worker backs off and opens its circuit (/metrics says so once it has
  // failed three times in a row); nothing is lost meanwhile.
  auto admin = make_client("admin", gateway.admin_port());
  std::string metrics;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = admin->request(verb::get, "/metrics", "");
        metrics = r.ok() ? r->body : std::string();
        return metrics.find("accord_delivery_circuit_open{recipient=\"provider.lvws\"} 1\n") !=
               std::string::npos;
      },
      30s))
      << metrics;
  EXPECT_NE(metrics.find("accord_delivery_delivered_total{recipient=\"provider.lvws\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_TRUE(receiver_.received().empty());
  ASSERT_TRUE(receiver_.start());

  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::set<std::string> ids;
        for (const auto& r : receiver_.received()) ids.insert(r["id"].get<std::string>());
        return ids.size() == 30;
      },
      60s));
  // Per case, in submission order (a redelivery, deduplicated by id, may repeat an id but
  // never reorders the first arrivals).
  std::map<std::string, std::vector<std::string>> arrived;
  std::set<std::string> seen;
  for (const auto& r : receiver_.received()) {
    const std::string id = r["id"];
    EXPECT_EQ(r["key"], "police.met/" + id) << "Idempotency-Key is <sender>/<message id>";
    if (seen.insert(id).second) arrived[r["case"].get<std::string>()].push_back(id);
  }
  EXPECT_EQ(arrived, submitted);

  // The file-drop recipient of the same messages: one complete file per copy.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::size_t n = 0;
        for (const auto& e : fs::directory_iterator(drop_dir_)) n += e.is_regular_file();
        return n >= 30;
      },
      30s));
  std::set<std::string> dropped;
  for (const auto& e : fs::directory_iterator(drop_dir_)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    auto doc = json::parse(text.str(), nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << e.path() << " is not a complete JSON document";
    ASSERT_TRUE(doc.contains("envelope") && doc.contains("signature")) << e.path();
    dropped.insert(doc["envelope"]["id"].get<std::string>());
  }
  EXPECT_EQ(dropped.size(), 30u) << "one file per copy, no temp files left behind";
}

TEST_F(DeliveryTest, RefusedCopyIsDeadLetteredThenRedriven) {
  receiver_.reject({"met-arr-bad"});
  ASSERT_TRUE(receiver_.start());
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  submit(*police, "met-arr-good", "01MP0050001");
  submit(*police, "met-arr-bad", "01MP0050002");

  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto r = run_command(cli("dlq list --format json", gateway.admin_port()));
        return r.status == 0 && r.output.find("met-arr-bad") != std::string::npos;
      },
      30s));
  const auto listed =
      run_command(cli("dlq list --format json --recipient provider.lvws", gateway.admin_port()));
  ASSERT_EQ(listed.status, 0) << listed.output;
  const auto dead = json::parse(listed.output);
  ASSERT_EQ(dead.size(), 1u) << listed.output;
  EXPECT_EQ(dead[0]["message_id"], "met-arr-bad");
  EXPECT_EQ(dead[0]["code"], "permanent_failure");
  EXPECT_EQ(dead[0]["sender"], "police.met");
  const auto table = run_command(cli("dlq list", gateway.admin_port()));
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.output.find("permanent_failure"), std::string::npos) << table.output;

  // Refusals: retry without a target, an auditor certificate, an agency certificate.
  EXPECT_EQ(run_command(cli("dlq retry", gateway.admin_port())).status, 1);
  const auto& pki = Pki::get();
  for (const std::string who : {"auditor", "agency-police.met"}) {
    const auto r =
        run_command(binary_dir() + "/tools/accord/accord dlq list --gateway 127.0.0.1:" +
                    std::to_string(gateway.admin_port()) + " --cert " + pki.file(who + ".pem") +
                    " --key " + pki.file(who + ".key") + " --ca " + pki.file("ca.pem"));
    EXPECT_EQ(r.status, 2) << who << ": " << r.output;
    EXPECT_NE(r.output.find("403"), std::string::npos) << r.output;
  }

  // Fixed: the receiver takes it now; redrive this one copy.
  receiver_.reject({});
  const std::string id = std::to_string(dead[0]["delivery_id"].get<std::int64_t>());
  const auto retried = run_command(cli("dlq retry --id " + id, gateway.admin_port()));
  ASSERT_EQ(retried.status, 0) << retried.output;
  EXPECT_NE(retried.output.find("1 redriven"), std::string::npos) << retried.output;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (const auto& r : receiver_.received()) {
          if (r["id"] == "met-arr-bad") return true;
        }
        return false;
      },
      30s));
  const auto after = run_command(cli("dlq list --format json", gateway.admin_port()));
  EXPECT_EQ(json::parse(after.output).size(), 0u) << after.output;
}

// Issue 11 (4): a webhook body and a file-drop file are the same self-contained signed item as
// the mailbox's, so `accord decrypt` verifies the gateway signature and opens the protected
// fields from the delivered bytes alone. Before, the body had no received_at or recipient and
// the file no sender: the command refused both ("received_at" missing).
TEST_F(DeliveryTest, WebhookBodyAndDroppedFileVerifyAsDelivered) {
  // Each recipient makes its key pair; the operator registers only the public halves.
  TempDir keys, lvws_secret, wcu_secret;
  for (const auto& [agency, secret_dir] :
       {std::pair<std::string, const TempDir*>{"provider.lvws", &lvws_secret},
        std::pair<std::string, const TempDir*>{"wcu.met", &wcu_secret}}) {
    auto key = crypto::generate_agency_key(agency, 1'763'800'000'000);
    ASSERT_TRUE(key.ok()) << key.error().message;
    auto written = crypto::write_key_files(secret_dir->path(), *key);
    ASSERT_TRUE(written.ok()) << written.error().message;
    fs::copy_file(written->public_path,
                  keys.file(fs::path(written->public_path).filename().string()));
  }
  const std::string config = write_config(
      dir_, delivery_yaml(receiver_.port(), drop_dir_) + "keys: " + keys.path() + "\n");
  ASSERT_TRUE(receiver_.start());
  GatewayProcess gateway(config);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  submit(*police, "met-arr-verify", "01MP0060001");  // to provider.lvws and wcu.met
  const auto referral = police->request(
      verb::post, "/v1/messages", read_source_file("tests/data/envelope/referral_created.json"));
  ASSERT_TRUE(referral.ok()) << referral.error().message;
  ASSERT_EQ(referral->status, 202u) << referral->body;  // to provider.lvws, fields encrypted
  const std::string referral_id =
      json::parse(read_source_file("tests/data/envelope/referral_created.json"))["id"];

  // The recipient's pinned copy of the gateway's public key.
  const auto key_answer = police->request(verb::get, "/v1/gateway-key", "");
  ASSERT_TRUE(key_answer.ok() && key_answer->status == 200u);
  const std::string gateway_key = dir_.file("gateway-key.json");
  std::ofstream(gateway_key) << key_answer->body;

  std::string dropped;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (const auto& e : fs::directory_iterator(drop_dir_)) {
          const std::string name = e.path().filename().string();
          if (e.is_regular_file() && name.find("met-arr-verify") != std::string::npos &&
              name.front() != '.') {
            dropped = e.path().string();
          }
        }
        return !dropped.empty() && fs::exists(receiver_.body_file("met-arr-verify")) &&
               fs::exists(receiver_.body_file(referral_id));
      },
      30s));

  struct Row {
    std::string name;
    std::string file;
    const TempDir* secret;
    std::string opened;
  };
  const std::vector<Row> rows = {
      {"webhook body", receiver_.body_file("met-arr-verify"), &lvws_secret, "signature verified"},
      {"webhook body, encrypted fields", receiver_.body_file(referral_id), &lvws_secret,
       "protected fields opened"},
      {"file-drop file", dropped, &wcu_secret, "signature verified"},
  };
  const std::string accord = binary_dir() + "/tools/accord/accord";
  for (const auto& row : rows) {
    const auto r = run_command(accord + " decrypt --key " + row.secret->path() + " --gateway-key " +
                               gateway_key + " " + row.file);
    EXPECT_EQ(r.status, 0) << row.name << ": " << r.output;
    EXPECT_NE(r.output.find("gateway signature verified"), std::string::npos)
        << row.name << ": " << r.output;
    EXPECT_NE(r.output.find(row.opened), std::string::npos) << row.name << ": " << r.output;
    // The item names who sent it, to whom, and when, as signed.
    std::ifstream in(row.file);
    std::stringstream text;
    text << in.rdbuf();
    const auto item = json::parse(text.str());
    EXPECT_EQ(item["sender"], "police.met") << row.name;
    EXPECT_TRUE(item.contains("recipient") && item.contains("received_at")) << row.name;
  }
  // The check can fail: the wcu.met file is not provider.lvws's to open.
  const auto wrong = run_command(accord + " decrypt --key " + lvws_secret.path() +
                                 " --gateway-key " + gateway_key + " " + dropped);
  EXPECT_EQ(wrong.status, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("delivered to wcu.met"), std::string::npos) << wrong.output;
}

// File drop inbound end to end: police.met's extract (JSON lines) dropped in its directory is
// submitted through the pipeline as police.met, and reaches the recipients; a file with a bad
// line is not half-imported silently: it lands in failed/ with a per-row report.
TEST(DeliveryInboundTest, DroppedExtractIsImportedAndABadOneIsReported) {
  TempDir dir{"accord-inbound-it-"};
  const std::string drop = dir.file("drop-police");
  const std::string out = dir.file("out-wcu");
  fs::create_directories(drop);
  fs::create_directories(out);
  const std::string config = write_config(dir,
                                          "delivery: {idle_poll_ms: 50}\n"
                                          "adapters:\n"
                                          "  police.met:\n"
                                          "    inbound:\n"
                                          "      - {type: filedrop, directory: " +
                                              drop +
                                              ", format: jsonl, poll_ms: 100}\n"
                                              "  wcu.met:\n"
                                              "    outbound: {type: filedrop, directory: " +
                                              out + "}\n");
  GatewayProcess gateway(config);
  ASSERT_TRUE(gateway.start());
  const auto arrested =
      json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  auto write_extract = [&](const std::string& name, const std::vector<std::string>& lines) {
    const std::string tmp = drop + "/" + name + ".tmp";
    {
      std::ofstream f(tmp);
      for (const auto& l : lines) f << l << "\n";
    }
    fs::rename(tmp, drop + "/" + name);  // producers rename complete files into place
  };
  std::vector<std::string> good;
  for (int i = 0; i < 3; ++i) {
    auto doc = arrested;
    doc["id"] = "met-extract-" + std::to_string(i);
    good.push_back(doc.dump());
  }
  write_extract("nightly-1.jsonl", good);
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(drop + "/done/nightly-1.jsonl"); }, 30s))
      << "the extract never reached done/";
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::size_t n = 0;
        for (const auto& e : fs::directory_iterator(out)) n += e.is_regular_file();
        return n == 3;
      },
      30s))
      << "the imported updates never reached wcu.met";

  auto bad = good;
  bad[1] = "{\"id\": \"met-extract-broken\", \"type\": ";  // truncated JSON
  write_extract("nightly-2.jsonl", bad);
  ASSERT_TRUE(
      testing::wait_until([&] { return fs::exists(drop + "/failed/nightly-2.jsonl"); }, 30s))
      << "a file with a bad line must go to failed/";
  bool report_found = false;
  for (const auto& e : fs::directory_iterator(drop + "/failed")) {
    if (e.path().string().find("report") == std::string::npos) continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    report_found = text.str().find("refused") != std::string::npos;
  }
  EXPECT_TRUE(report_found) << "failed/ holds a per-row report naming the refused row";
}

TEST_F(DeliveryTest, DlqEndpointsRefuseBadRequests) {
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto admin = make_client("admin", gateway.admin_port());
  struct Row {
    verb method;
    std::string target, body;
    unsigned status;
  };
  for (const Row& row : std::vector<Row>{
           {verb::get, "/v1/admin/dlq?limit=0", "", 400},
           {verb::get, "/v1/admin/dlq?limit=x", "", 400},
           {verb::get, "/v1/admin/dlq?recipient=a%2Fb", "", 400},
           {verb::get, "/v1/admin/dlq?colour=red", "", 400},
           {verb::post, "/v1/admin/dlq/retry", "{nope", 400},
           {verb::post, "/v1/admin/dlq/retry", "[]", 400},
           {verb::post, "/v1/admin/dlq/retry", R"({"delivery_id":"7"})", 400},
           {verb::post, "/v1/admin/dlq/retry", R"({"delivery_id":0})", 400},
           {verb::post, "/v1/admin/dlq/retry", R"({"everything":true})", 400},
           {verb::post, "/v1/admin/dlq/retry", R"({"recipient":"x","recipient":"provider.lvws"})",
            400},
           {verb::post, "/v1/admin/dlq", "", 405},
           {verb::get, "/v1/admin/dlq/retry", "", 405},
           {verb::get, "/v1/admin/dlq/other", "", 404},
           {verb::get, "/v1/admin/dlq?recipient=provider.lvws&limit=5", "", 200},
           {verb::post, "/v1/admin/dlq/retry", R"({"recipient":"provider.lvws"})", 200},
       }) {
    auto r = admin->request(row.method, row.target, row.body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, row.status) << row.target << " " << row.body << ": " << r->body;
    if (row.status == 400) {
      EXPECT_TRUE(json::parse(r->body).contains("error")) << r->body;
    }
  }
}

}  // namespace
}  // namespace accord::test
