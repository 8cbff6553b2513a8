// The gateway on storage.backend postgresql, end to end: real PostgreSQL servers (a primary
// and a synchronous standby started by tests/support PgCluster), the real gateway in this
// process, real mTLS clients. Submit → 202, lease, ack through the API; two gateways on one
// database; what a start and --check refuse; readiness while the standby is down.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "accord/crypto/signature.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "accord/testing/plain_http.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;
namespace fs = std::filesystem;

client::HttpResult call(std::uint16_t port, const std::string& who, verb method,
                        const std::string& target, const std::string& body = {}) {
  auto client = make_client(who, port);
  auto result = client->request(method, target, body, "application/json");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : client::HttpResult{};
}

json body_of(const client::HttpResult& result) {
  return json::parse(result.body, nullptr, false);
}

std::string arrested(const std::string& id) {
  return with_id(read_source_file("tests/data/integration/suspect_arrested.json"), id);
}

// The value of an unlabelled (or exactly labelled) sample in Prometheus text; -1 if absent.
double metric(const std::string& text, const std::string& sample) {
  const std::regex line("\n" + std::regex_replace(sample, std::regex(R"([{}"])"), R"(\$&)") +
                        R"( ([0-9.e+-]+))");
  std::smatch m;
  return std::regex_search(text, m, line) ? std::stod(m[1]) : -1;
}

// The cluster of this test process (each test runs in its own process under ctest), and a
// fresh database on it.
struct Database {
  testing::PgCluster* cluster = nullptr;
  std::string name;
  std::string uri;
};

Database fresh_database(const std::string& name) {
  auto cluster = testing::shared_pg_cluster();
  if (!cluster.ok()) {
    ADD_FAILURE() << "PostgreSQL servers did not start: " << cluster.error().message;
    return {};
  }
  auto uri = cluster.value()->create_database(name);
  if (!uri.ok()) {
    ADD_FAILURE() << "create database " << name << ": " << uri.error().message;
    return {};
  }
  return {cluster.value(), name, uri.value()};
}

std::string query(const Database& db, const std::string& sql) {
  auto answer = db.cluster->query(sql, db.name);
  EXPECT_TRUE(answer.ok()) << sql << ": " << (answer.ok() ? "" : answer.error().message);
  return answer.ok() ? answer.value() : "";
}

Status check(const std::string& config_path) {
  auto config = app::load_config(config_path);
  if (!config.ok()) return config.error();
  return app::Gateway::check(std::move(config.value()));
}

Result<std::unique_ptr<app::Gateway>> create(const std::string& config_path) {
  auto config = app::load_config(config_path);
  if (!config.ok()) return config.error();
  return app::Gateway::create(std::move(config.value()));
}

TEST(PgGateway, AcceptsDeliversAndAcksThroughTheApi) {
  const auto db = fresh_database("gateway_e2e");
  ASSERT_NE(db.cluster, nullptr);
  TempDir dir;
  InProcessGateway gateway(write_pg_config(dir, db.uri, dir.path()));

  const auto accepted =
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-e2e-1"));
  ASSERT_EQ(accepted.status, 202u) << accepted.body;
  const auto recipients = body_of(accepted)["recipients"];
  EXPECT_NE(std::find(recipients.begin(), recipients.end(), "wcu.met"), recipients.end());
  // Stored on the primary, with the standby's confirmation behind the 202.
  EXPECT_EQ(query(db, "SELECT count(*) FROM submissions WHERE message_id = 'pg-e2e-1'"), "1");
  EXPECT_EQ(query(db, "SELECT count(*) FROM copies WHERE message_id = 'pg-e2e-1'"),
            std::to_string(recipients.size()));

  const auto again =
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-e2e-1"));
  EXPECT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(body_of(again)["duplicate"], true);
  // Its compliance facts, in the append's transaction (docs/compliance.md §3).
  EXPECT_EQ(query(db,
                  "SELECT count(*) FROM audit_records WHERE kind = 'compliance.facts' "
                  "AND message_id = 'pg-e2e-1'"),
            "1");

  // An event the gateway records itself, routed to no one: stored with no copy, and a
  // resend is a duplicate with the same empty answer.
  const json informed = {
      {"id", "pg-inf-1"},
      {"type", "victim.informed"},
      {"case", {{"urn", "01MP0041726"}, {"owner", "police.met"}}},
      {"subject", {{"role", "victim"}, {"ref", "V-7F3A91C2"}}},
      {"occurred_at", "2026-01-05T10:00:00Z"},
      {"classification", "OFFICIAL"},
      {"data",
       {{"informs", {{"message_id", "pg-e2e-1"}, {"event_type", "suspect.arrested"}}},
        {"channel", "phone"},
        {"informed_at", "2026-01-05T10:00:00Z"}}}};
  for (const unsigned status : {202u, 200u}) {
    const auto recorded =
        call(gateway.port(), "police.met", verb::post, "/v1/messages", informed.dump());
    ASSERT_EQ(recorded.status, status) << recorded.body;
    EXPECT_EQ(body_of(recorded)["recipients"], json::array()) << recorded.body;
  }
  EXPECT_EQ(query(db, "SELECT count(*) FROM copies WHERE message_id = 'pg-inf-1'"), "0");
  EXPECT_EQ(query(db,
                  "SELECT count(*) FROM audit_records WHERE kind = 'compliance.facts' "
                  "AND message_id = 'pg-inf-1'"),
            "1");

  const auto leased = call(gateway.port(), "wcu.met", verb::get, "/v1/inbox?max=10");
  ASSERT_EQ(leased.status, 200u) << leased.body;
  const auto messages = body_of(leased)["messages"];
  ASSERT_EQ(messages.size(), 1u) << leased.body;
  const std::string id = messages[0]["delivery_id"];
  const auto acked = call(gateway.port(), "wcu.met", verb::post, "/v1/inbox/" + id + "/ack");
  EXPECT_EQ(acked.status, 200u) << acked.body;
  EXPECT_EQ(query(db, "SELECT state FROM copies WHERE id = " + id), "acked");
  const auto empty = call(gateway.port(), "wcu.met", verb::get, "/v1/inbox?max=10");
  EXPECT_EQ(body_of(empty)["messages"].size(), 0u) << empty.body;

  // The deployment's key is this gateway's.
  const auto key = body_of(call(gateway.port(), "police.met", verb::get, "/v1/gateway-key"));
  EXPECT_EQ(query(db, "SELECT value FROM accord_meta WHERE key = 'gateway_kid'"),
            key["kid"].get<std::string>());

  const auto health = call(gateway.port(), "police.met", verb::get, "/healthz");
  EXPECT_EQ(health.status, 200u) << health.body;
  const auto metrics = call(gateway.port(), "admin", verb::get, "/metrics").body;
  EXPECT_EQ(metric(metrics, R"(accord_spool_backend{backend="postgresql"})"), 1) << metrics;
  EXPECT_EQ(metric(metrics, "accord_storage_ready"), 1) << metrics;
  EXPECT_EQ(metric(metrics, "accord_storage_unavailable_total"), 0) << metrics;
}

// Two gateways of one deployment: what one accepts the other delivers; a gateway without the
// shared files is refused before it serves anything.
TEST(PgGateway, GatewaysShareOneDeploymentAndItsKeys) {
  const auto db = fresh_database("gateway_pair");
  ASSERT_NE(db.cluster, nullptr);
  TempDir shared, a_dir, b_dir;
  InProcessGateway a(write_pg_config(a_dir, db.uri, shared.path()));
  InProcessGateway b(write_pg_config(b_dir, db.uri, shared.path()));

  const auto accepted =
      call(a.port(), "police.met", verb::post, "/v1/messages", arrested("pg-pair-1"));
  ASSERT_EQ(accepted.status, 202u) << accepted.body;
  // Dedup across gateways: the same id through b is a duplicate.
  const auto resent =
      call(b.port(), "police.met", verb::post, "/v1/messages", arrested("pg-pair-1"));
  EXPECT_EQ(resent.status, 200u) << resent.body;
  const auto leased = call(b.port(), "wcu.met", verb::get, "/v1/inbox?max=10");
  const auto messages = body_of(leased)["messages"];
  ASSERT_EQ(messages.size(), 1u) << leased.body;
  const std::string id = messages[0]["delivery_id"];
  EXPECT_EQ(call(a.port(), "wcu.met", verb::post, "/v1/inbox/" + id + "/ack").status, 200u);

  // A third gateway with files of its own: no pseudonym secret is made once the deployment
  // has run (it would change pseudonyms depending on the gateway)...
  TempDir c_dir, c_keys;
  auto c = create(write_pg_config(c_dir, db.uri, c_keys.path()));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "pseudonym_secret_missing") << c.error().message;
  EXPECT_FALSE(fs::exists(c_keys.file("pseudonym.key")));
  // ...and with the secret but another signing key, the spool refuses it.
  fs::copy_file(shared.file("pseudonym.key"), c_keys.file("pseudonym.key"));
  c = create(write_pg_config(c_dir, db.uri, c_keys.path()));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "key_mismatch") << c.error().message;
}

// accord-gateway --check on PostgreSQL: each outcome, and nothing changed by any of them.
TEST(PgGatewayCheck, FreshDatabaseIsValidAndStaysUntouched) {
  const auto db = fresh_database("check_fresh");
  ASSERT_NE(db.cluster, nullptr);
  TempDir dir;
  const auto status = check(write_pg_config(dir, db.uri, dir.path()));
  EXPECT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(query(db, "SELECT (to_regclass('accord_meta') IS NULL)::text"), "true");
  EXPECT_FALSE(fs::exists(dir.file("gateway-signing.key")));
  EXPECT_FALSE(fs::exists(dir.file("pseudonym.key")));
}

TEST(PgGatewayCheck, RunningDeploymentIsValidAndAnotherKeyIsKeyMismatch) {
  const auto db = fresh_database("check_running");
  ASSERT_NE(db.cluster, nullptr);
  TempDir shared, dir;
  const auto config = write_pg_config(dir, db.uri, shared.path());
  {
    InProcessGateway running(config);
    const auto status = check(config);  // beside the running gateway: no lock to take
    EXPECT_TRUE(status.ok()) << status.error().message;
  }
  TempDir other;
  fs::copy_file(shared.file("pseudonym.key"), other.file("pseudonym.key"));
  ASSERT_TRUE(crypto::GatewaySigner::load_or_create(other.file("gateway-signing.key"), 0).ok());
  const auto status = check(write_pg_config(dir, db.uri, other.path()));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "key_mismatch") << status.error().message;
}

TEST(PgGatewayCheck, UnreachableServerIsStorageUnavailable) {
  TempDir dir;
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const auto status =
      check(write_pg_config(dir, "postgresql://accord@127.0.0.1:1/accord", dir.path()));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "storage_unavailable") << status.error().message;
}

TEST(PgGatewayCheck, ServerWithoutSynchronousStandbyIsNotDurable) {
  auto cluster = testing::PgCluster::start({.standby = false, .synchronous = false});
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  auto uri = cluster.value()->create_database("check_async");
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  TempDir dir;
  const auto config = write_pg_config(dir, uri.value(), dir.path());
  const auto status = check(config);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "not_durable") << status.error().message;
  // A start is refused the same way, before anything is served.
  auto gateway = create(config);
  ASSERT_FALSE(gateway.ok());
  EXPECT_EQ(gateway.error().code, "not_durable") << gateway.error().message;
}

// No acknowledgement without the standby: while it is down submissions answer 503
// storage_unavailable with Retry-After and /healthz says not ready; once it is back the same
// submission succeeds and the gateway is ready again.
TEST(PgGateway, NotReadyWhileTheStandbyIsDownThenServesAgain) {
  const auto db = fresh_database("gateway_standby_down");
  ASSERT_NE(db.cluster, nullptr);
  TempDir dir;
  InProcessGateway gateway(write_pg_config(dir, db.uri, dir.path(), "health_listen: {port: 0}\n",
                                           "    commit_timeout_seconds: 1\n"));
  const auto health_port = gateway.gateway().health_port();
  ASSERT_EQ(
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-up-1")).status,
      202u);
  EXPECT_EQ(testing::plain_request(health_port, "GET", "/readyz").status, 200u);

  ASSERT_TRUE(db.cluster->stop_standby().ok());
  const auto refused =
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-down-1"));
  EXPECT_EQ(refused.status, 503u) << refused.body;
  EXPECT_EQ(body_of(refused)["error"]["code"], "storage_unavailable") << refused.body;
  EXPECT_EQ(refused.headers.count("retry-after") ? refused.headers.at("retry-after") : "", "5");
  for (const std::string who : {"police.met", "admin"}) {
    const auto port = who == "admin" ? gateway.admin_port() : gateway.port();
    const auto health = call(port, who, verb::get, "/healthz");
    EXPECT_EQ(health.status, 503u) << who << ": " << health.body;
    EXPECT_EQ(body_of(health)["status"], "unavailable") << health.body;
    EXPECT_EQ(body_of(health)["error"]["code"], "storage_unavailable") << health.body;
  }
  // The health listener's /readyz says the same, without a certificate (docs/operations.md,
  // "Health checks"); /livez: the process still serves.
  const auto readyz = testing::plain_request(health_port, "GET", "/readyz");
  ASSERT_TRUE(readyz.ok) << readyz.error;
  EXPECT_EQ(readyz.status, 503u) << readyz.body;
  EXPECT_EQ(readyz.headers.count("retry-after") ? readyz.headers.at("retry-after") : "", "5");
  EXPECT_EQ(json::parse(readyz.body, nullptr, false)["status"], "unavailable") << readyz.body;
  EXPECT_EQ(json::parse(readyz.body, nullptr, false)["code"], "storage_unavailable") << readyz.body;
  EXPECT_EQ(json::parse(readyz.body, nullptr, false)["error"]["code"], "storage_unavailable")
      << readyz.body;
  EXPECT_EQ(testing::plain_request(health_port, "GET", "/livez").status, 200u);
  const auto metrics = call(gateway.port(), "admin", verb::get, "/metrics").body;
  EXPECT_EQ(metric(metrics, "accord_storage_ready"), 0) << metrics;
  EXPECT_GE(metric(metrics, "accord_storage_unavailable_total"), 1) << metrics;

  ASSERT_TRUE(db.cluster->start_standby().ok());
  // It may have committed on the primary alone: then it is a duplicate now, answered only
  // once the standby has it too.
  const auto resent =
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-down-1"));
  EXPECT_TRUE(resent.status == 202u || resent.status == 200u) << resent.body;
  EXPECT_EQ(call(gateway.port(), "police.met", verb::get, "/healthz").status, 200u);
  EXPECT_EQ(testing::plain_request(health_port, "GET", "/readyz").status, 200u);
}

// The primary dies: 503 and not ready, nothing acknowledged; the standby is promoted: the
// gateway finds it through the multi-host URI by itself (no restart) and serves again, with
// every copy acknowledged before the kill there.
TEST(PgGateway, FollowsThePromotedStandbyWithoutARestart) {
  const auto db = fresh_database("gateway_failover");
  ASSERT_NE(db.cluster, nullptr);
  TempDir dir;
  InProcessGateway gateway(write_pg_config(dir, db.uri, dir.path()));
  const auto before =
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-before"));
  ASSERT_EQ(before.status, 202u) << before.body;

  ASSERT_TRUE(db.cluster->kill_primary().ok());
  const auto refused =
      call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-after"));
  EXPECT_EQ(refused.status, 503u) << refused.body;
  EXPECT_EQ(body_of(refused)["error"]["code"], "storage_unavailable") << refused.body;
  EXPECT_EQ(call(gateway.port(), "police.met", verb::get, "/healthz").status, 503u);

  ASSERT_TRUE(db.cluster->promote_standby().ok());
  // The sender resends until acknowledged, as a client told Retry-After would.
  unsigned status = 0;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        status =
            call(gateway.port(), "police.met", verb::post, "/v1/messages", arrested("pg-after"))
                .status;
        return status == 202u || status == 200u;
      },
      std::chrono::seconds(60)))
      << "last answer " << status;
  EXPECT_EQ(call(gateway.port(), "police.met", verb::get, "/healthz").status, 200u);
  EXPECT_EQ(query(db, "SELECT count(*) FROM submissions WHERE message_id = 'pg-before'"), "1");
  EXPECT_EQ(query(db, "SELECT count(*) FROM copies WHERE message_id = 'pg-before'"),
            std::to_string(body_of(before)["recipients"].size()));
}

// --accept-spool-gap is about the SQLite manifest: refused as a usage error on postgresql.
TEST(PgGatewayProcess, AcceptSpoolGapIsRefusedOnPostgresql) {
  TempDir dir;
  const auto config = write_pg_config(dir, "postgresql://accord@127.0.0.1:1/accord", dir.path());
  const auto result = run_command(binary_dir() + "/gateway/app/accord-gateway --config " + config +
                                  " --accept-spool-gap");
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("--accept-spool-gap applies to the embedded SQLite spool only"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace accord::test
