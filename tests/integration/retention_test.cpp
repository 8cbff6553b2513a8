// Retention end to end (docs/compliance.md §9): the real gateway in this process with a
// FakeEnv clock, real mTLS clients, a copy of the sample agreements. A copy never acked within
// its recipient's retention is purged by POST /v1/admin/retention/purge: never leased again,
// counted in a retention.purged record, the chain still verifies, and no byte of its protected
// values is left in the database file or its WAL; the file drop's old extracts go too.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/adapters/filedrop.hpp"
#include "accord/agreements/time.hpp"
#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_in_file(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = read_bytes(path);
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error(path + " has no '" + from + "'");
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

// Runs SQL on the closed spool file; the first column of each row, one per line.
std::string sql(const std::string& db_path, const std::string& statement) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) return "open failed";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, statement.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(st, 0);
      out += (out.empty() ? "" : "\n") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
  } else {
    out = std::string("prepare failed: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

constexpr const char* kPurgedMarker = "Custody-Marker-Purge-7Q2X";
constexpr const char* kKeptMarker = "Custody-Marker-Keep-3K9W";

// The real gateway in this process with the file drop registered, as main() does
// (InProcessGateway registers only the ZeroMQ port).
class GatewayWithFiledrop {
 public:
  GatewayWithFiledrop(const std::string& config_path, env::Env* env) {
    auto config = app::load_config(config_path);
    if (!config.ok()) throw std::runtime_error("config: " + config.error().message);
    config->env = env;
    adapters::Registry registry;
    if (auto s = adapters::register_filedrop(registry); !s.ok()) {
      throw std::runtime_error("registry: " + s.error().message);
    }
    auto gateway = app::Gateway::create(std::move(config.value()), std::move(registry));
    if (!gateway.ok()) throw std::runtime_error("gateway: " + gateway.error().message);
    gateway_ = std::move(gateway.value());
    if (auto s = gateway_->start(); !s.ok()) throw std::runtime_error(s.error().message);
  }
  ~GatewayWithFiledrop() { gateway_->stop(); }
  std::uint16_t port() const { return gateway_->port(); }
  std::uint16_t admin_port() const { return gateway_->admin_port(); }
  void stop() { gateway_->stop(); }

 private:
  std::unique_ptr<app::Gateway> gateway_;
};

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(source_dir() + "/config/agreements", agreements_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    // provider.lvws keeps case updates 6 months here; wcu.met keeps them a year (the sample).
    replace_in_file(agreements_.file("met-lvws-referral.yaml"), "period: P2Y", "period: P6M");
    fs::create_directories(drop_.file("done"));
    config_ = write_config(dir_,
                           "retention: {purge_every_seconds: 0, default_period: P1Y}\n"
                           "adapters:\n"
                           "  police.met:\n"
                           "    inbound:\n"
                           "      - {type: filedrop, directory: " +
                               drop_.path() + ", format: jsonl, keep_extracts: P30D}\n",
                           agreements_.path());
    env_.set_now_ms(ms_at("2026-06-01T00:00:00Z"));
    gateway_ = std::make_unique<GatewayWithFiledrop>(config_, &env_);
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}, bool admin = false) {
    auto client = make_client(who, admin ? gateway_->admin_port() : gateway_->port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  json arrest(const std::string& id, const std::string& custody) {
    std::string body = with_id(arrested_, id);
    const auto at = body.find("Southwark custody suite");
    body.replace(at, std::string("Southwark custody suite").size(), custody);
    const auto r = call("police.met", verb::post, "/v1/messages", body);
    EXPECT_EQ(r.status, 202u) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // The message ids `who` can lease now (a one-second lease).
  std::vector<std::string> inbox(const std::string& who) {
    const auto r = call(who, verb::get, "/v1/inbox?max=100&lease_seconds=1");
    EXPECT_EQ(r.status, 200u) << r.body;
    std::vector<std::string> ids;
    const json answer = json::parse(r.body, nullptr, false);
    for (const auto& m : answer["messages"]) ids.push_back(m["message_id"]);
    return ids;
  }

  TempDir dir_;
  TempDir agreements_;
  TempDir drop_;
  std::string config_;
  env::FakeEnv env_;
  std::unique_ptr<GatewayWithFiledrop> gateway_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(RetentionTest, UndeliveredCopyPastRetentionIsPurgedAndLeavesNoTrace) {
  EXPECT_EQ(arrest("arr-old", kPurgedMarker)["recipients"],
            json::array({"provider.lvws", "wcu.met"}));
  ASSERT_EQ(inbox("provider.lvws"), std::vector<std::string>{"arr-old"});  // leased, never acked
  const auto key = call("police.met", verb::get, "/v1/gateway-key");
  ASSERT_EQ(key.status, 200u);
  std::ofstream(dir_.file("gateway-key.json")) << key.body;
  // An extract processed on 2026-06-01, and one the day before the purge.
  const auto file_time = [](std::int64_t ms) {
    return fs::file_time_type::clock::from_sys(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
  };
  for (const char* name : {"old.jsonl", "old.jsonl.report.jsonl"}) {
    std::ofstream(drop_.file(std::string("done/") + name)) << kPurgedMarker << "\n";
    fs::last_write_time(drop_.file(std::string("done/") + name),
                        file_time(ms_at("2026-06-01T00:00:00Z")));
  }
  for (const char* name : {"recent.jsonl", "recent.jsonl.report.jsonl"}) {
    std::ofstream(drop_.file(std::string("done/") + name)) << "{}\n";
    fs::last_write_time(drop_.file(std::string("done/") + name),
                        file_time(ms_at("2027-05-31T00:00:00Z")));
  }

  // A year on: wcu.met's P1Y and provider.lvws's P6M have both run out for arr-old.
  env_.set_now_ms(ms_at("2027-06-01T00:00:00Z"));
  EXPECT_EQ(arrest("arr-new", kKeptMarker)["recipients"],
            json::array({"provider.lvws", "wcu.met"}));
  const auto purged = call("admin", verb::post, "/v1/admin/retention/purge", "{}", true);
  ASSERT_EQ(purged.status, 200u) << purged.body;
  EXPECT_EQ(json::parse(purged.body),
            json::parse(R"({"purged":2,"purged_by_recipient":{"provider.lvws":1,"wcu.met":1},
                            "batches":1,"extracts_deleted":2})"));
  // Never leased again: only the new message is there.
  EXPECT_EQ(inbox("wcu.met"), std::vector<std::string>{"arr-new"});
  env_.set_now_ms(ms_at("2027-06-01T00:00:05Z"));  // lvws's old lease has long run out
  EXPECT_EQ(inbox("provider.lvws"), std::vector<std::string>{"arr-new"});
  // A second run finds nothing.
  EXPECT_EQ(json::parse(
                call("admin", verb::post, "/v1/admin/retention/purge", "{}", true).body)["purged"],
            0);
  const auto metrics = call("admin", verb::get, "/metrics", {}, true);
  EXPECT_NE(metrics.body.find("\naccord_retention_purged_total 2\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("\naccord_retention_extracts_deleted_total 2\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(drop_.file("done/old.jsonl")));
  EXPECT_FALSE(fs::exists(drop_.file("done/old.jsonl.report.jsonl")));
  EXPECT_TRUE(fs::exists(drop_.file("done/recent.jsonl")));
  gateway_->stop();
  gateway_.reset();

  const std::string db = dir_.file("spool.db");
  EXPECT_EQ(sql(db,
                "SELECT message_id || ' ' || recipient || ' ' || state || ' ' || "
                "(payload IS NULL) FROM copies ORDER BY id"),
            "arr-old provider.lvws purged 1\narr-old wcu.met purged 1\n"
            "arr-new provider.lvws leased 0\narr-new wcu.met leased 0");
  // The records: one per batch with counts, the extracts' own, the admin's act; no values.
  const std::string records =
      sql(db,
          "SELECT record FROM audit_records WHERE kind IN ('retention.purged', "
          "'admin.action') ORDER BY seq");
  std::vector<json> parsed;
  std::istringstream lines(records);
  for (std::string line; std::getline(lines, line);) parsed.push_back(json::parse(line));
  ASSERT_EQ(parsed.size(), 5u) << records;
  EXPECT_EQ(parsed[0]["kind"], "retention.purged");
  EXPECT_EQ(parsed[0]["details"]["purged"], "2");
  EXPECT_EQ(parsed[0]["details"]["purged.wcu.met"], "1");
  EXPECT_EQ(parsed[0]["details"]["purged.provider.lvws"], "1");
  EXPECT_EQ(parsed[0]["details"]["actor"], parsed[2]["details"]["actor"]);
  EXPECT_EQ(parsed[1]["kind"], "retention.purged");
  EXPECT_EQ(parsed[1]["details"]["extracts_deleted"], "2");
  EXPECT_EQ(parsed[2]["kind"], "admin.action");
  EXPECT_EQ(parsed[2]["details"]["action"], "retention.purge");
  EXPECT_EQ(parsed[2]["details"]["purged"], "2");
  EXPECT_EQ(parsed[3]["details"]["purged"], "0");  // the second run
  EXPECT_EQ(records.find(kPurgedMarker), std::string::npos);

  const auto verified = run_command(binary_dir() + "/tools/accord/accord audit verify --db " + db +
                                    " --gateway-key " + dir_.file("gateway-key.json"));
  EXPECT_EQ(verified.status, 0) << verified.output;

  // Every byte of the file and its WAL, after a checkpoint: the purged value is gone, the kept
  // one is there (so the scan would see it).
  EXPECT_EQ(sql(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "0");
  std::string bytes = read_bytes(db);
  if (fs::exists(db + "-wal")) bytes += read_bytes(db + "-wal");
  EXPECT_EQ(bytes.find(kPurgedMarker), std::string::npos) << "purged value left on disk";
  EXPECT_NE(bytes.find(kKeptMarker), std::string::npos);
}

}  // namespace
}  // namespace accord::test
