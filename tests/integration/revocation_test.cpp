// Issue 12, item 2 and two bullets of item 4, end to end: revocation without a restart
// (admin reload, SIGHUP, the CRL watcher), explicit revocation settings, unknown_agency on
// every endpoint, fresh gauges on the admin listener, inbound-adapter submissions counted,
// and reload/audit work kept off the io threads.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "accord/api/admin_handler.hpp"
#include "accord/app/config.hpp"
#include "accord/testing/test_crl.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;
using namespace std::chrono_literals;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The value of one sample line ("name{labels} value") in Prometheus text; -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A gateway config whose CRL is a file of this test's own (so it can be rewritten), plus a
// fresh police.met certificate and one for an agency the directory does not list.
class RevocationIt : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& pki = Pki::get();
    ca_ = pki.file("ca.pem");
    ca_key_ = pki.file("ca.key");
    crl_ = dir_.file("crl.pem");
    write_crl({pki.file("revoked.pem")});
    for (const auto& [name, san] :
         {std::pair<std::string, std::string>{"fresh", "URI:urn:accord:agency:police.met"},
          {"stranger", "URI:urn:accord:agency:nobody.unlisted"}}) {
      auto made = testing::make_client_cert(ca_, ca_key_, dir_.path(), name, san);
      ASSERT_TRUE(made.ok()) << made.error().message;
    }
  }

  void write_crl(const std::vector<std::string>& revoked) {
    now_ = unix_now();
    auto st = testing::write_crl(ca_, ca_key_, revoked, now_ - 60, now_ + 86'400 * 7, crl_);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void revoke_fresh() { write_crl({Pki::get().file("revoked.pem"), dir_.file("fresh.pem")}); }

  // write_config() with tls.crl pointing at this test's CRL and `tls_extra` added under tls:.
  std::string config(const std::string& extra = {}, const std::string& tls_extra = {}) {
    auto path = write_config(dir_, extra);
    auto text = slurp(path);
    const std::string shared = "  crl: " + Pki::get().file("crl.pem") + "\n";
    const auto at = text.find(shared);
    EXPECT_NE(at, std::string::npos);
    text.replace(at, shared.size(), "  crl: " + crl_ + "\n" + tls_extra);
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }

  std::unique_ptr<client::HttpsClient> as(const std::string& name, std::uint16_t port) {
    auto options = client_options("police.met", port);
    options.cert = dir_.file(name + ".pem");
    options.key = dir_.file(name + ".key");
    options.timeout = 5s;
    auto c = client::HttpsClient::create(options);
    EXPECT_TRUE(c.ok());
    return c.ok() ? std::move(c.value()) : nullptr;
  }

  static bool served(client::HttpsClient& c) {
    auto res = c.request(verb::get, "/v1/inbox?max=1");
    return res.ok() && res->status == 200;
  }

  TempDir dir_{"accord-revocation-it-"};
  std::string ca_, ca_key_, crl_;
  std::int64_t now_ = 0;
};

TEST_F(RevocationIt, AdminReloadRereadsTheCrlAndClosesTheRevokedAgencysConnections) {
  // No watcher: only the reload can pick the new CRL up.
  InProcessGateway gateway(config({}, "  crl_check_interval_seconds: 0\n"));
  auto fresh = as("fresh", gateway.port());
  ASSERT_TRUE(served(*fresh));
  auto other = make_client("cps.london", gateway.port());
  ASSERT_EQ(other->request(verb::get, "/v1/inbox?max=1")->status, 200u);

  revoke_fresh();
  auto admin = make_client("admin", gateway.admin_port());
  auto reload = admin->request(verb::post, "/v1/admin/agreements/reload", "{}");
  ASSERT_TRUE(reload.ok()) << reload.error().message;
  ASSERT_EQ(reload->status, 200u) << reload->body;
  const auto body = json::parse(reload->body);
  EXPECT_EQ(body["tls_reloaded"], true);
  EXPECT_TRUE(body.contains("crl_next_update")) << reload->body;

  // The open keep-alive connection is cut and every new handshake refused.
  EXPECT_FALSE(served(*fresh));
  EXPECT_FALSE(served(*as("fresh", gateway.port())));
  // Other agencies carry on.
  EXPECT_EQ(other->request(verb::get, "/v1/inbox?max=1")->status, 200u);
  auto metrics = admin->request(verb::get, "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(sample(metrics->body, "accord_tls_revalidation_closed_total{reason=\"revoked\"}"), 1)
      << metrics->body;
  EXPECT_EQ(sample(metrics->body, "accord_tls_crl_next_update_seconds"),
            static_cast<double>(now_ + 86'400 * 7));
}

TEST_F(RevocationIt, SighupRereadsTheCrl) {
  GatewayProcess gateway(config({}, "  crl_check_interval_seconds: 0\n"));
  ASSERT_TRUE(gateway.start());
  ASSERT_TRUE(served(*as("fresh", gateway.port())));
  revoke_fresh();
  ASSERT_EQ(::kill(gateway.pid(), SIGHUP), 0);
  EXPECT_TRUE(testing::wait_until([&] { return !served(*as("fresh", gateway.port())); }, 20s))
      << "the certificate revoked by the new CRL was still served after SIGHUP";
  EXPECT_FALSE(served(*as("fresh", gateway.port())));
  EXPECT_EQ(gateway.terminate(), 0);
}

TEST_F(RevocationIt, AChangedCrlFileIsPickedUpWithinTheInterval) {
  InProcessGateway gateway(config({}, "  crl_check_interval_seconds: 1\n"));
  auto fresh = as("fresh", gateway.port());
  ASSERT_TRUE(served(*fresh));
  revoke_fresh();  // nothing else: no reload, no signal
  EXPECT_TRUE(testing::wait_until([&] { return !served(*as("fresh", gateway.port())); }, 20s))
      << "the watcher never loaded the changed CRL";
  EXPECT_FALSE(served(*fresh));
}

// ---- unknown_agency: a certificate from our CA for an agency the directory does not list ----

struct Endpoint {
  std::string name;
  verb method;
  std::string target;
  std::string body;
};

class UnknownAgency : public RevocationIt, public ::testing::WithParamInterface<Endpoint> {};

TEST_P(UnknownAgency, RefusedOnEveryEndpoint) {
  const auto& row = GetParam();
  InProcessGateway gateway(config());
  const std::string body = row.body == "referral"
                               ? read_source_file("tests/data/integration/suspect_arrested.json")
                               : row.body;
  auto stranger = as("stranger", gateway.port());
  auto result = stranger->request(row.method, row.target, body, "application/json");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 403u) << result->body;
  const auto error = json::parse(result->body, nullptr, false);
  ASSERT_FALSE(error.is_discarded()) << result->body;
  EXPECT_EQ(error["error"]["code"], "unknown_agency") << result->body;
  // The same request from a listed agency's fresh certificate is not refused so.
  auto known =
      as("fresh", gateway.port())->request(row.method, row.target, body, "application/json");
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->body.find("unknown_agency"), std::string::npos) << known->body;
}

INSTANTIATE_TEST_SUITE_P(
    Endpoints, UnknownAgency,
    ::testing::Values(Endpoint{"submit", verb::post, "/v1/messages", "referral"},
                      Endpoint{"inbox", verb::get, "/v1/inbox", ""},
                      Endpoint{"ack_one", verb::post, "/v1/inbox/1/ack", ""},
                      Endpoint{"ack_batch", verb::post, "/v1/inbox/ack",
                               R"({"delivery_ids":["1"]})"},
                      Endpoint{"gateway_key", verb::get, "/v1/gateway-key", ""},
                      Endpoint{"healthz", verb::get, "/healthz", ""},
                      Endpoint{"unknown_path", verb::get, "/v1/nothing", ""}),
    [](const auto& info) { return info.param.name; });

// ---- /metrics on the admin listener is fresh; inbound adapters are counted ----

TEST_F(RevocationIt, AdminMetricsAreFreshWithoutScrapingTheAgencyListener) {
  InProcessGateway gateway(config());
  auto police = make_client("police.met", gateway.port());
  auto sent = police->request(verb::post, "/v1/messages",
                              read_source_file("tests/data/integration/suspect_arrested.json"));
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(sent->status, 202u) << sent->body;
  const auto recipients = json::parse(sent->body)["recipients"];
  ASSERT_FALSE(recipients.empty());
  auto admin = make_client("admin", gateway.admin_port());
  auto metrics = admin->request(verb::get, "/metrics");
  ASSERT_TRUE(metrics.ok());
  for (const auto& r : recipients) {
    EXPECT_EQ(
        sample(metrics->body, "accord_queued_messages{recipient=\"" + r.get<std::string>() + "\"}"),
        1)
        << metrics->body;
  }
  EXPECT_GT(sample(metrics->body, "accord_audit_records"), 0) << metrics->body;
}

TEST_F(RevocationIt, FileDropSubmissionsAreCounted) {
  const std::string drop = dir_.file("drop-police");
  fs::create_directories(drop);
  // The binary: its main() registers the built-in adapters, file drop among them.
  GatewayProcess gateway(
      config("adapters:\n  police.met:\n    inbound:\n"
             "      - {type: filedrop, directory: " +
             drop + ", format: jsonl, poll_ms: 50}\n"));
  ASSERT_TRUE(gateway.start());
  auto doc = json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  {
    std::ofstream f(drop + "/one.jsonl.tmp");
    f << doc.dump() << "\n";
    doc["id"] = "met-counted-2";
    f << doc.dump() << "\n";
  }
  fs::rename(drop + "/one.jsonl.tmp", drop + "/one.jsonl");
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(drop + "/done/one.jsonl"); }, 30s));
  auto admin = make_client("admin", gateway.admin_port());
  auto metrics = admin->request(verb::get, "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(sample(metrics->body, "accord_messages_accepted_total"), 2) << metrics->body;
}

// ---- configuration: revocation is explicit ----

struct ConfigRow {
  std::string name;
  std::string tls;         // the tls: block's lines after ca/cert/key
  std::string error_part;  // empty: valid
  server::Revocation revocation = server::Revocation::crl;
  std::int64_t interval_s = 60;
};

class RevocationConfig : public ::testing::TestWithParam<ConfigRow> {};

TEST_P(RevocationConfig, IsCheckedAtLoad) {
  const auto& row = GetParam();
  const std::string yaml = "tls:\n  ca: ca.pem\n  cert: s.pem\n  key: s.key\n" + row.tls +
                           "storage: {path: spool.db}\nvocabulary: v.yaml\nagencies: a.yaml\n"
                           "agreements: agreements\n";
  auto config = app::parse_config(yaml, "/etc/accord", "gateway.yaml");
  if (row.error_part.empty()) {
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->server.tls.revocation, row.revocation);
    EXPECT_EQ(config->server.crl_check_interval, std::chrono::seconds(row.interval_s));
    return;
  }
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, "invalid_config");
  EXPECT_NE(config.error().message.find(row.error_part), std::string::npos)
      << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RevocationConfig,
    ::testing::Values(
        ConfigRow{"crl_default", "  crl: crl.pem\n", ""},
        ConfigRow{"absent_crl_is_an_error", "", "tls.crl"},
        ConfigRow{"explicit_none", "  revocation: none\n", "", server::Revocation::none},
        ConfigRow{"none_with_a_crl", "  revocation: none\n  crl: crl.pem\n", "remove one"},
        ConfigRow{"unknown_mode", "  revocation: ocsp\n  crl: crl.pem\n", "crl or none"},
        ConfigRow{"interval_off", "  crl: crl.pem\n  crl_check_interval_seconds: 0\n", "",
                  server::Revocation::crl, 0},
        ConfigRow{"interval_set", "  crl: crl.pem\n  crl_check_interval_seconds: 5\n", "",
                  server::Revocation::crl, 5},
        ConfigRow{"interval_negative", "  crl: crl.pem\n  crl_check_interval_seconds: -1\n",
                  "0 (off) or more"},
        ConfigRow{"warn_zero", "  crl: crl.pem\n  crl_warn_before_hours: 0\n", "greater than 0"}),
    [](const auto& info) { return info.param.name; });

// ---- reloads and audit queries leave the io thread ----

struct OffloadRow {
  std::string name;
  std::string who;  // admin or auditor
  verb method;
  std::string target;
  bool offloaded;
};

class AdminOffload : public ::testing::TestWithParam<OffloadRow> {};

TEST_P(AdminOffload, BlockingRoutesRunOnTheOffloadThread) {
  const auto& row = GetParam();
  server::Metrics metrics;
  std::thread::id worked_on;
  std::size_t offloaded = 0;
  api::AdminHooks hooks;
  hooks.reload = [&]() -> Result<api::ReloadReport> {
    worked_on = std::this_thread::get_id();
    return api::ReloadReport{"sha256:a", "sha256:b", 1};
  };
  hooks.describe_agreements = [] { return std::string("{}"); };
  hooks.audit_db_path = "/nonexistent/spool.db";
  hooks.offload = [&](std::function<void()> work) {
    ++offloaded;
    std::thread(std::move(work)).join();  // another thread, as the gateway's pool is
  };
  api::AdminHandler handler(hooks, metrics);
  server::Request request;
  request.http.method(row.method);
  request.http.target(row.target);
  // Admin POSTs take JSON only (415 otherwise, answered before any work is offloaded).
  if (row.method == verb::post)
    request.http.set(boost::beast::http::field::content_type, "application/json");
  request.peer.role = row.who == "admin" ? server::PeerRole::admin : server::PeerRole::auditor;
  request.peer.id = row.who;
  std::promise<unsigned> answered;
  handler.handle(std::move(request),
                 [&](server::HttpResponse response) { answered.set_value(response.result_int()); });
  auto status = answered.get_future();
  ASSERT_EQ(status.wait_for(10s), std::future_status::ready);
  EXPECT_NE(status.get(), 0u);
  EXPECT_EQ(offloaded, row.offloaded ? 1u : 0u);
  if (row.name == "reload") {
    EXPECT_NE(worked_on, std::this_thread::get_id());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, AdminOffload,
    ::testing::Values(
        OffloadRow{"reload", "admin", verb::post, "/v1/admin/agreements/reload", true},
        OffloadRow{"audit_head", "auditor", verb::get, "/v1/admin/audit/head", true},
        OffloadRow{"audit_records", "auditor", verb::get, "/v1/admin/audit/records?limit=5", true},
        OffloadRow{"healthz", "admin", verb::get, "/healthz", false},
        OffloadRow{"metrics", "auditor", verb::get, "/metrics", false},
        OffloadRow{"agreements", "admin", verb::get, "/v1/admin/agreements", true}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::test
