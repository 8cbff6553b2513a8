// The gateway end to end in one process: real mTLS on loopback, the sample London
// agreements, the SQLite spool in a temp dir.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "accord/adapters/zmq/curve_key.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void start(const std::string& extra_yaml = {}) {
    gateway_.reset();
    gateway_ = std::make_unique<InProcessGateway>(write_config(dir_, extra_yaml), &env_);
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {},
                          const std::string& content_type = "application/json") {
    auto client = make_client(who, gateway_->port());
    auto result = client->request(method, target, body, content_type);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  static json body_of(const client::HttpResult& result) {
    return json::parse(result.body, nullptr, false);
  }

  TempDir dir_;
  // The gateway's clock, moved by the tests (leases expire without sleeping). Starts at the
  // real time, where the sample agreements are in force. Outlives the gateway.
  env::FakeEnv env_{env::system_env().now_ms()};
  std::unique_ptr<InProcessGateway> gateway_;
};

TEST_F(GatewayTest, HealthzAnswersAnyVerifiedPeer) {
  for (const std::string who : {"police.met", "admin", "auditor"}) {
    const auto result = call(who, verb::get, "/healthz");
    EXPECT_EQ(result.status, 200u) << who;
    EXPECT_EQ(body_of(result)["status"], "ok");
  }
}

struct Refusal {
  std::string name;
  std::string who;
  verb method;
  std::string target;
  std::string body;
  std::string content_type;
  unsigned status;
  std::string code;
};

class GatewayRefusalTest : public GatewayTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(GatewayRefusalTest, AnswersWithStatusAndCode) {
  const auto& row = GetParam();
  const auto result = call(row.who, row.method, row.target, row.body, row.content_type);
  EXPECT_EQ(result.status, row.status) << result.body;
  const auto body = body_of(result);
  ASSERT_TRUE(body.is_object()) << result.body;
  EXPECT_EQ(body["error"]["code"], row.code) << result.body;
  EXPECT_TRUE(body["error"]["message"].is_string());
}

const std::string kValidButUnknownType =
    R"({"id":"x1","type":"no.such_event","case":{"urn":"01AB1234521","owner":"police.met"},)"
    R"("subject":{"role":"victim","ref":"V-1"},"occurred_at":"2026-11-20T09:30:00Z",)"
    R"("classification":"OFFICIAL","data":{}})";

INSTANTIATE_TEST_SUITE_P(
    Rows, GatewayRefusalTest,
    ::testing::Values(Refusal{"wrong_content_type", "police.met", verb::post, "/v1/messages", "{}",
                              "text/plain", 415, "unsupported_media_type"},
                      Refusal{"not_json", "police.met", verb::post, "/v1/messages", "{nope",
                              "application/json", 400, "invalid_json"},
                      Refusal{"array", "police.met", verb::post, "/v1/messages", "[]",
                              "application/json", 422, "not_an_object"},
                      Refusal{"missing_fields", "police.met", verb::post, "/v1/messages",
                              R"({"id":"a"})", "application/json", 422, "missing_field"},
                      Refusal{"unknown_event", "police.met", verb::post, "/v1/messages",
                              kValidButUnknownType, "application/json", 422, "unknown_event_type"},
                      Refusal{"admin_cannot_submit", "admin", verb::post, "/v1/messages", "{}",
                              "application/json", 403, "forbidden"},
                      Refusal{"auditor_has_no_inbox", "auditor", verb::get, "/v1/inbox", "", "",
                              403, "forbidden"},
                      Refusal{"agency_cannot_scrape_metrics", "police.met", verb::get, "/metrics",
                              "", "", 403, "forbidden"},
                      Refusal{"unknown_path", "police.met", verb::get, "/v2/anything", "", "", 404,
                              "not_found"},
                      Refusal{"wrong_method", "police.met", verb::get, "/v1/messages", "", "", 405,
                              "method_not_allowed"},
                      Refusal{"bad_inbox_query", "police.met", verb::get, "/v1/inbox?max=abc", "",
                              "", 400, "invalid_query"},
                      Refusal{"unknown_inbox_param", "police.met", verb::get,
                              "/v1/inbox?colour=red", "", "", 400, "invalid_query"},
                      Refusal{"ack_unknown", "police.met", verb::post, "/v1/inbox/999999/ack", "",
                              "", 404, "not_found"},
                      Refusal{"ack_not_a_number", "police.met", verb::post, "/v1/inbox/abc/ack", "",
                              "", 404, "not_found"}),
    [](const auto& info) { return info.param.name; });

TEST_F(GatewayTest, OversizedBodyIs413) {
  const std::string huge(300 * 1024, 'x');
  const auto result = call("police.met", verb::post, "/v1/messages", huge);
  EXPECT_EQ(result.status, 413u);
}

TEST_F(GatewayTest, TlsRefusesBadClientCertificates) {
  const auto& pki = Pki::get();
  struct Row {
    std::string name, cert, key, ca;
  };
  const std::vector<Row> rows = {
      {"no_certificate", "", "", pki.file("ca.pem")},
      {"unknown_ca", pki.file("rogue.pem"), pki.file("rogue.key"), pki.file("ca.pem")},
      {"revoked", pki.file("revoked.pem"), pki.file("revoked.key"), pki.file("ca.pem")},
      {"expired", pki.file("expired.pem"), pki.file("expired.key"), pki.file("ca.pem")},
  };
  for (const auto& row : rows) {
    auto options = client_options("", gateway_->port());
    options.cert = row.cert;
    options.key = row.key;
    auto client = client::HttpsClient::create(options);
    ASSERT_TRUE(client.ok()) << row.name;
    auto result = client.value()->request(verb::get, "/healthz");
    EXPECT_FALSE(result.ok() && result.value().status == 200) << row.name << " was let in";
  }
  // Each refusal is counted by reason.
  const auto metrics = call("admin", verb::get, "/metrics");
  ASSERT_EQ(metrics.status, 200u);
  for (const std::string reason : {"no_certificate", "unknown_ca", "revoked", "expired"}) {
    EXPECT_NE(metrics.body.find("accord_tls_handshake_failures_total{reason=\"" + reason + "\"}"),
              std::string::npos)
        << reason << "\n"
        << metrics.body;
  }
}

TEST_F(GatewayTest, RateLimitAnswers429WithRetryAfter) {
  start("limits: {rate_per_agency: 1, rate_burst: 2}\n");
  auto client = make_client("police.met", gateway_->port());
  unsigned last = 0;
  std::map<std::string, std::string> headers;
  for (int i = 0; i < 5 && last != 429; ++i) {
    auto result = client->request(verb::post, "/v1/messages", "{}");
    ASSERT_TRUE(result.ok());
    last = result.value().status;
    headers = result.value().headers;
  }
  EXPECT_EQ(last, 429u);
  EXPECT_EQ(headers["retry-after"], "1");
}

TEST_F(GatewayTest, MetricsNeedAdminAndShowCounters) {
  ASSERT_EQ(call("police.met", verb::get, "/healthz").status, 200u);
  const auto result = call("admin", verb::get, "/metrics");
  ASSERT_EQ(result.status, 200u);
  EXPECT_NE(result.body.find("accord_messages_accepted_total"), std::string::npos);
  EXPECT_NE(result.body.find("accord_http_requests_total"), std::string::npos);
}

// The ZeroMQ port registered as main() registers it (the harness does the same), and the
// counters of the port and of a push recipient's delivery worker on /metrics. No adapter is
// connected, so the copy for provider.lvws comes back retry_later at once: the worker was
// woken by the submission (its idle poll is 30 s away).
TEST_F(GatewayTest, MetricsShowTheZmqPortAndTheDeliveryWorkers) {
  auto adapter_key = adapters::load_or_create_secret_key(dir_.file("adapter.key"));
  ASSERT_TRUE(adapter_key.ok()) << adapter_key.error().message;
  start("zmq:\n  endpoint: tcp://127.0.0.1:*\n  secret_key: " + dir_.file("zmq.key") +
        "\n  adapters:\n    - agency: provider.lvws\n      public_key: \"" +
        adapter_key->public_key +
        "\"\n"
        "adapters:\n  provider.lvws:\n    outbound: {type: zmq}\n");
  const auto before = call("admin", verb::get, "/metrics");
  ASSERT_EQ(before.status, 200u);
  for (const std::string line : {"accord_zmq_peers_connected 0", "accord_zmq_submits_total 0",
                                 "accord_zmq_handshakes_refused_total 0",
                                 "accord_delivery_delivered_total{recipient=\"provider.lvws\"} 0",
                                 "accord_delivery_circuit_open{recipient=\"provider.lvws\"} 0"}) {
    EXPECT_NE(before.body.find(line + "\n"), std::string::npos) << line << " in\n" << before.body;
  }
  EXPECT_EQ(before.body.find("accord_delivery_delivered_total{recipient=\"wcu.met\"}"),
            std::string::npos)
      << "a mailbox recipient has no delivery worker";

  const auto submitted = call("police.met", verb::post, "/v1/messages",
                              read_source_file("tests/data/integration/suspect_arrested.json"));
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  std::string scraped;
  ASSERT_TRUE(testing::wait_until([&] {
    scraped = call("admin", verb::get, "/metrics").body;
    return scraped.find("accord_delivery_retried_total{recipient=\"provider.lvws\"} 1\n") !=
           std::string::npos;
  })) << scraped;
}

}  // namespace
}  // namespace accord::test

namespace accord::test {
namespace {

class GatewayFlowTest : public GatewayTest {
 protected:
  // Leases the recipient's whole inbox.
  json inbox(const std::string& recipient) {
    const auto result = call(recipient, verb::get, "/v1/inbox?max=100");
    EXPECT_EQ(result.status, 200u) << result.body;
    return body_of(result)["messages"];
  }
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(GatewayFlowTest, SameMessageReachesTwoRecipientsWithDifferentFields) {
  const auto result = call("police.met", verb::post, "/v1/messages", arrested_);
  ASSERT_EQ(result.status, 202u) << result.body;
  const auto answer = body_of(result);
  EXPECT_EQ(answer["id"], "met-arr-2026-000418");
  EXPECT_EQ(answer["recipients"], json::array({"provider.lvws", "wcu.met"}));

  // Witness Care: victim data masked/generalised, needs and officer dropped.
  const auto wcu = inbox("wcu.met");
  ASSERT_EQ(wcu.size(), 1u);
  EXPECT_EQ(wcu[0]["sender"], "police.met");
  EXPECT_EQ(wcu[0]["message_id"], "met-arr-2026-000418");
  const auto& wcu_data = wcu[0]["envelope"]["data"];
  EXPECT_EQ(wcu_data["victim"]["dob"], "1987");
  EXPECT_EQ(wcu_data["victim"]["contact"]["phone"], "*********123");  // keep_last: 3
  EXPECT_EQ(wcu_data["arrest"]["custody"], "Southwark custody suite");
  EXPECT_FALSE(wcu_data.contains("needs"));
  EXPECT_FALSE(wcu_data.contains("officer"));

  // Victim Support: no victim data at all, the arrest facts only.
  const auto lvws = inbox("provider.lvws");
  ASSERT_EQ(lvws.size(), 1u);
  const auto& lvws_data = lvws[0]["envelope"]["data"];
  EXPECT_FALSE(lvws_data.contains("victim"));
  EXPECT_FALSE(lvws_data.contains("officer"));
  EXPECT_EQ(lvws_data["arrest"]["next_step"], "interview");

  // The sender and uninvolved agencies have nothing.
  EXPECT_TRUE(inbox("police.met").empty());
  EXPECT_TRUE(inbox("provider.survivors-uk").empty());
}

TEST_F(GatewayFlowTest, ResubmissionIsIdempotentAndReuseIsAConflict) {
  const auto first = call("police.met", verb::post, "/v1/messages", arrested_);
  ASSERT_EQ(first.status, 202u);
  const auto again = call("police.met", verb::post, "/v1/messages", arrested_);
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(body_of(again)["duplicate"], true);
  EXPECT_EQ(body_of(again)["received_at"], body_of(first)["received_at"]);
  EXPECT_EQ(inbox("wcu.met").size(), 1u) << "a resubmission stored a second copy";

  auto changed = json::parse(arrested_);
  changed["data"]["arrest"]["next_step"] = "released";
  const auto conflict = call("police.met", verb::post, "/v1/messages", changed.dump());
  EXPECT_EQ(conflict.status, 409u);
  EXPECT_EQ(body_of(conflict)["error"]["code"], "id_conflict");

  // The same id from another sender is another message (ids are per sender), but this
  // sender has no agreement for it: refused, with reasons.
  const auto other = call("cps.london", verb::post, "/v1/messages", arrested_);
  EXPECT_EQ(other.status, 422u) << other.body;
  EXPECT_EQ(body_of(other)["error"]["code"], "not_permitted");
}

TEST_F(GatewayFlowTest, DeniedFlowIsRefusedWithReasons) {
  // police.met → providers: a referral without consent fails every agreement's condition.
  auto referral = json::parse(read_source_file("tests/data/envelope/referral_created.json"));
  referral["data"]["consent"]["referral"] = "refused";
  const auto result = call("police.met", verb::post, "/v1/messages", referral.dump());
  EXPECT_EQ(result.status, 422u) << result.body;
  const auto body = body_of(result);
  EXPECT_EQ(body["error"]["code"], "not_permitted");
  ASSERT_TRUE(body["error"]["details"].is_array()) << result.body;
  EXPECT_FALSE(body["error"]["details"].empty());
  for (const auto& detail : body["error"]["details"]) {
    EXPECT_FALSE(detail["reason"].get<std::string>().empty());
  }
  EXPECT_TRUE(inbox("provider.lvws").empty());
}

// victim.informed is recorded by the gateway itself (docs/envelope.md §5): accepted with no
// recipient when no agreement routes it, delivered where one does, refused with its path when
// a fact is bad; each stored one has its compliance.facts record, details in order.
TEST_F(GatewayFlowTest, VictimInformedIsRecordedByTheGatewayItself) {
  const auto informed = [](const std::string& id, const std::string& channel) {
    const json body = {{"id", id},
                       {"type", "victim.informed"},
                       {"case", {{"urn", "01MP0041726"}, {"owner", "police.met"}}},
                       {"subject", {{"role", "victim"}, {"ref", "V-7F3A91C2"}}},
                       {"occurred_at", "2026-01-05T10:00:00Z"},
                       {"classification", "OFFICIAL"},
                       {"data",
                        {{"informs",
                          {{"sender", "court.london"},
                           {"message_id", "court-list-1"},
                           {"event_type", "hearing.listed"}}},
                         {"channel", channel},
                         {"informed_at", "2026-01-05T10:00:00Z"}}}};
    return body.dump();
  };
  const auto police =
      call("police.met", verb::post, "/v1/messages", informed("met-inf-1", "phone"));
  ASSERT_EQ(police.status, 202u) << police.body;
  EXPECT_EQ(body_of(police)["recipients"], json::array()) << police.body;
  EXPECT_FALSE(body_of(police).contains("withheld")) << police.body;

  const auto wcu = call("wcu.met", verb::post, "/v1/messages", informed("wcu-inf-1", "letter"));
  ASSERT_EQ(wcu.status, 202u) << wcu.body;
  EXPECT_EQ(body_of(wcu)["recipients"], json::array({"provider.lvws"}));
  const auto lvws = inbox("provider.lvws");
  ASSERT_EQ(lvws.size(), 1u);
  EXPECT_EQ(lvws[0]["envelope"]["data"]["informs"]["message_id"], "court-list-1");

  const auto bad = call("wcu.met", verb::post, "/v1/messages", informed("wcu-inf-2", "pigeon"));
  EXPECT_EQ(bad.status, 422u) << bad.body;
  EXPECT_EQ(body_of(bad)["error"]["code"], "invalid_value");
  EXPECT_EQ(body_of(bad)["error"]["path"], "data.channel");

  auto auditor = make_client("auditor", gateway_->admin_port());
  const auto read = auditor->request(verb::get, "/v1/admin/audit/records?kind=compliance.facts");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->status, 200u) << read->body;
  std::vector<std::string> lines;
  std::istringstream text(read->body);
  for (std::string line; std::getline(text, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 2u) << read->body << "(the refused one has none)";
  const std::vector<std::pair<std::string, std::string>> expected = {{"police.met", "phone"},
                                                                     {"wcu.met", "letter"}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(json::parse(lines[i])["sender"], expected[i].first) << lines[i];
    const std::string details =
        R"("details":{"occurred_at":"2026-01-05T10:00:00.000Z","informs_sender":"court.london",)"
        R"("informs_message_id":"court-list-1","informs_event_type":"hearing.listed",)"
        R"("informed_at":"2026-01-05T10:00:00.000Z","channel":")" +
        expected[i].second + R"("}})";
    EXPECT_NE(lines[i].find(details), std::string::npos) << lines[i];
  }
}

TEST_F(GatewayFlowTest, EncryptFlowWithoutARegisteredKeyIsRefused) {
  // The referral flow encrypts safe-contact fields; no key is registered in this gateway,
  // so the copy is refused at decision time rather than delivered in clear.
  const auto referral = read_source_file("tests/data/envelope/referral_created.json");
  const auto result = call("police.met", verb::post, "/v1/messages", referral);
  EXPECT_EQ(result.status, 422u) << result.body;
  bool refused_for_lvws = false;
  const auto body = body_of(result);
  for (const auto& detail : body["error"]["details"]) {
    refused_for_lvws |=
        detail["recipient"] == "provider.lvws" && detail["code"] == "no_recipient_key";
  }
  EXPECT_TRUE(refused_for_lvws) << result.body;
  EXPECT_TRUE(inbox("provider.lvws").empty());
}

TEST_F(GatewayFlowTest, InboxLeasesAcksAndRedelivers) {
  ASSERT_EQ(call("police.met", verb::post, "/v1/messages", arrested_).status, 202u);
  // A short lease: the copy is hidden while leased, then comes back with attempts + 1.
  const auto first = call("wcu.met", verb::get, "/v1/inbox?max=10&lease_seconds=1");
  auto messages = body_of(first)["messages"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["attempts"], 1);
  const std::string delivery = messages[0]["delivery_id"];
  EXPECT_TRUE(inbox("wcu.met").empty()) << "a leased copy was handed out twice";
  env_.advance_ms(999);
  EXPECT_TRUE(inbox("wcu.met").empty()) << "a lease expired before its end";
  env_.advance_ms(1);
  messages = inbox("wcu.met");
  ASSERT_EQ(messages.size(), 1u) << "an expired lease did not redeliver";
  EXPECT_EQ(messages[0]["attempts"], 2);
  EXPECT_EQ(messages[0]["delivery_id"], delivery);

  // Another agency cannot ack it; the owner can, twice.
  EXPECT_EQ(call("provider.lvws", verb::post, "/v1/inbox/" + delivery + "/ack").status, 404u);
  const auto ack = call("wcu.met", verb::post, "/v1/inbox/" + delivery + "/ack");
  EXPECT_EQ(ack.status, 200u);
  EXPECT_EQ(body_of(ack)["status"], "acked");
  const auto again = call("wcu.met", verb::post, "/v1/inbox/" + delivery + "/ack");
  EXPECT_EQ(body_of(again)["status"], "already_acked");
  env_.advance_ms(3'600'000);  // past any lease (the default is 300 s)
  EXPECT_TRUE(inbox("wcu.met").empty()) << "an acked copy came back";
}

TEST_F(GatewayFlowTest, CopiesSurviveARestart) {
  ASSERT_EQ(call("police.met", verb::post, "/v1/messages", arrested_).status, 202u);
  start();  // same data directory, new process state
  EXPECT_EQ(inbox("wcu.met").size(), 1u);
  EXPECT_EQ(inbox("provider.lvws").size(), 1u);
}

}  // namespace
}  // namespace accord::test

namespace accord::test {
namespace {

// Agreements in a directory the test may change, to exercise reloads.
class GatewayReloadTest : public GatewayFlowTest {
 protected:
  void SetUp() override {
    run_command("cp " + source_dir() + "/config/agreements/*.yaml " + agreements_.path());
    gateway_ = std::make_unique<InProcessGateway>(write_config(dir_, "", agreements_.path()));
  }
  client::HttpResult admin(const std::string& who, verb method, const std::string& target) {
    auto client = make_client(who, gateway_->admin_port());
    auto result = client->request(method, target);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }
  json recipients_of_new_arrest(const std::string& id) {
    const auto result = call("police.met", verb::post, "/v1/messages", with_id(arrested_, id));
    EXPECT_EQ(result.status, 202u) << result.body;
    return body_of(result)["recipients"];
  }
  TempDir agreements_;
};

TEST_F(GatewayReloadTest, AdminListenerTakesAdminAndAuditorOnly) {
  ASSERT_NE(gateway_->admin_port(), 0);
  EXPECT_EQ(admin("police.met", verb::get, "/v1/admin/agreements").status, 403u);
  EXPECT_EQ(admin("auditor", verb::post, "/v1/admin/agreements/reload").status, 403u);
  const auto listed = admin("auditor", verb::get, "/v1/admin/agreements");
  ASSERT_EQ(listed.status, 200u);
  const auto body = body_of(listed);
  EXPECT_EQ(body["agreements"].size(), 11u) << listed.body;  // config/agreements
  EXPECT_TRUE(body["hash"].get<std::string>().starts_with("sha256:"));
  const auto reload = admin("admin", verb::post, "/v1/admin/agreements/reload");
  ASSERT_EQ(reload.status, 200u) << reload.body;
  EXPECT_EQ(body_of(reload)["changed"], false);
  EXPECT_EQ(body_of(reload)["new_hash"], body["hash"]);
}

TEST_F(GatewayReloadTest, ReloadChangesRoutingAtomicallyAndRefusesABrokenSet) {
  EXPECT_EQ(recipients_of_new_arrest("r-1"), json::array({"provider.lvws", "wcu.met"}));
  auto client = make_client("police.met", gateway_->port());  // kept open across reloads

  // Withdraw the police → Victim Support agreement: new submissions stop reaching it.
  std::filesystem::remove(agreements_.file("met-lvws-referral.yaml"));
  const auto reload = admin("admin", verb::post, "/v1/admin/agreements/reload");
  ASSERT_EQ(reload.status, 200u) << reload.body;
  EXPECT_EQ(body_of(reload)["changed"], true);
  EXPECT_EQ(body_of(reload)["agreements"], 10);
  EXPECT_EQ(recipients_of_new_arrest("r-2"), json::array({"wcu.met"}));
  auto same_connection = client->request(verb::post, "/v1/messages", with_id(arrested_, "r-3"));
  ASSERT_TRUE(same_connection.ok()) << "a reload dropped a kept-alive connection";
  EXPECT_EQ(same_connection.value().status, 202u);

  // A broken file: refused with the file named, and the last good set keeps serving.
  run_command("printf 'id: broken\\nversion: one\\n' > " + agreements_.file("zz-broken.yaml"));
  const auto refused = admin("admin", verb::post, "/v1/admin/agreements/reload");
  EXPECT_EQ(refused.status, 422u);
  EXPECT_NE(refused.body.find("zz-broken.yaml"), std::string::npos) << refused.body;
  EXPECT_EQ(recipients_of_new_arrest("r-4"), json::array({"wcu.met"}));
  EXPECT_EQ(body_of(admin("auditor", verb::get, "/v1/admin/agreements"))["agreements"].size(), 10u);
}

// The gateway's secrets and keys draw their randomness from its Env: two first starts with the
// same seed make the same pseudonym secret and signing key, another seed makes others. Each
// secret is created 0600.
TEST(GatewayEnv, FirstStartSecretsComeFromTheEnvsRandomness) {
  struct Made {
    std::string pseudonym, signing_key;
  };
  auto first_start = [](std::uint64_t seed) {
    TempDir dir;
    env::FakeEnv env(1'790'000'000'000);  // 2026-09-21: one instant for both starts
    env.seed_random(seed);
    auto config = app::load_config(write_config(dir));
    EXPECT_TRUE(config.ok()) << config.error().message;
    config->env = &env;
    auto gateway = app::Gateway::create(std::move(config.value()));
    EXPECT_TRUE(gateway.ok()) << gateway.error().message;
    Made made;
    for (auto [file, out] : {std::pair{"pseudonym.key", &made.pseudonym},
                             std::pair{"gateway-signing.key", &made.signing_key}}) {
      EXPECT_EQ(std::filesystem::status(dir.file(file)).permissions(),
                std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
          << file;
      *out = env::system_env().read_file(dir.file(file)).value();
    }
    return made;
  };
  const Made a = first_start(7), again = first_start(7), other = first_start(8);
  EXPECT_EQ(a.pseudonym.size(), 32u);
  EXPECT_EQ(a.pseudonym, again.pseudonym);
  EXPECT_EQ(a.signing_key, again.signing_key);
  EXPECT_NE(a.pseudonym, other.pseudonym);
  EXPECT_NE(a.signing_key, other.signing_key);
}

}  // namespace
}  // namespace accord::test
