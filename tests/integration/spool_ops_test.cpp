// Issue #12 (spool integrity and operations), against the real accord-gateway binary and the
// in-process gateway: a spool that lost its database is refused unless the operator accepts
// the gap (and then it is audited); a second gateway on one spool is refused; --check
// changes nothing and fails where start fails; the pseudonym secret is never made again
// once the gateway has run.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;

std::string gateway_binary() {
  return binary_dir() + "/gateway/app/accord-gateway";
}

// `timeout`: on a build that does not refuse, the gateway would run and this would wait.
CommandResult run_gateway(const std::string& config, const std::string& args = {}) {
  return run_command("timeout 60 " + gateway_binary() + " --config " + config + " " + args);
}

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    out.insert(entry.path().filename().string());
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> audit_kinds(const std::string& db_path) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT kind FROM audit_records ORDER BY seq", -1, &st, nullptr);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

int submit(std::uint16_t port, const std::string& id) {
  auto envelope =
      nlohmann::json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  envelope["id"] = id;
  auto answer =
      make_client("police.met", port)->request(verb::post, "/v1/messages", envelope.dump());
  return answer.ok() ? static_cast<int>(answer.value().status) : -1;
}

TEST(SpoolOpsTest, CheckCreatesNothingAndChangesNothing) {
  TempDir dir;
  const auto config = write_config(dir);
  const auto before = files_in(dir.path());
  const auto fresh = run_gateway(config, "--check");
  EXPECT_EQ(fresh.status, 0) << fresh.output;
  EXPECT_EQ(files_in(dir.path()), before)
      << "--check created files (keys, spool) on a fresh install: " << fresh.output;

  // After a real run: --check leaves the spool's bytes and the directory as they are.
  {
    GatewayProcess gateway(config);
    ASSERT_TRUE(gateway.start());
    EXPECT_EQ(submit(gateway.port(), "check-1"), 202);
    EXPECT_EQ(gateway.terminate(), 0);
  }
  const auto after_run = files_in(dir.path());
  const auto db_bytes = slurp(dir.file("spool.db"));
  const auto again = run_gateway(config, "--check");
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(files_in(dir.path()), after_run) << again.output;
  EXPECT_EQ(slurp(dir.file("spool.db")), db_bytes) << "--check changed the spool";
}

TEST(SpoolOpsTest, CheckFailsOnAMissingInboundDirectoryAsStartDoes) {
  TempDir dir;
  const auto config = write_config(dir,
                                   "adapters:\n  police.met:\n    inbound:\n"
                                   "      - {type: filedrop, directory: " +
                                       dir.file("no-such-drop") + ", format: jsonl}\n");
  const auto checked = run_gateway(config, "--check");
  EXPECT_EQ(checked.status, 1) << checked.output;
  EXPECT_NE(checked.output.find("no-such-drop does not exist"), std::string::npos)
      << checked.output;
  const auto started = run_gateway(config);
  EXPECT_EQ(started.status, 1) << started.output;
  EXPECT_NE(started.output.find("no-such-drop does not exist"), std::string::npos)
      << started.output;
}

TEST(SpoolOpsTest, SecondGatewayOnOneSpoolIsRefused) {
  TempDir dir;
  const auto config = write_config(dir);
  GatewayProcess first(config);
  ASSERT_TRUE(first.start());
  const auto second = run_gateway(config);
  EXPECT_EQ(second.status, 1) << second.output;
  EXPECT_NE(second.output.find("in use by another gateway"), std::string::npos) << second.output;
  EXPECT_EQ(submit(first.port(), "still-mine"), 202) << "the first gateway was disturbed";
  EXPECT_EQ(first.terminate(), 0);
}

TEST(SpoolOpsTest, DeletedSpoolIsRefusedUnlessTheGapIsAcceptedAndAudited) {
  TempDir dir;
  const auto config = write_config(dir);
  {
    GatewayProcess gateway(config);
    ASSERT_TRUE(gateway.start());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(submit(gateway.port(), "gone-" + std::to_string(i)), 202);
    EXPECT_EQ(gateway.terminate(), 0);
  }
  ASSERT_TRUE(fs::exists(dir.file("spool.db.manifest")));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    fs::remove(dir.file("spool.db") + suffix, ec);
  }
  for (const std::string args : {"--check", ""}) {
    const auto refused = run_gateway(config, args);
    EXPECT_EQ(refused.status, 1) << args << ": " << refused.output;
    EXPECT_NE(refused.output.find("spool.db is missing"), std::string::npos)
        << args << ": " << refused.output;
    EXPECT_NE(refused.output.find("--accept-spool-gap"), std::string::npos) << refused.output;
  }
  EXPECT_FALSE(fs::exists(dir.file("spool.db"))) << "a refused start created the database";

  {
    GatewayProcess gateway(config, {"--accept-spool-gap"});
    ASSERT_TRUE(gateway.start()) << "--accept-spool-gap did not start";
    EXPECT_EQ(gateway.terminate(), 0);
  }
  const auto kinds = audit_kinds(dir.file("spool.db"));
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front(), "admin.spool_gap_accepted") << "the gap is the first record";
  // The accepted state is the baseline now: a plain start works.
  GatewayProcess plain(config);
  EXPECT_TRUE(plain.start());
  EXPECT_EQ(plain.terminate(), 0);
}

TEST(SpoolOpsTest, PseudonymSecretIsNeverMadeAgainOnceTheGatewayHasRun) {
  TempDir dir;
  const auto config = write_config(dir);
  {
    InProcessGateway gateway(config);
    ASSERT_TRUE(fs::exists(dir.file("pseudonym.key")));
    EXPECT_EQ(fs::status(dir.file("pseudonym.key")).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    fs::remove(dir.file("pseudonym.key"));
    auto reloaded = gateway.gateway().reload_policy();
    ASSERT_FALSE(reloaded.ok()) << "a reload made a new pseudonym secret";
    EXPECT_EQ(reloaded.error().code, "pseudonym_secret_missing");
    EXPECT_NE(reloaded.error().message.find("restore it from backup"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir.file("pseudonym.key")));
  }
  // Nor at the next start: the spool shows the gateway has run.
  auto loaded = app::load_config(config);
  ASSERT_TRUE(loaded.ok());
  auto restarted = app::Gateway::create(std::move(loaded.value()));
  ASSERT_FALSE(restarted.ok()) << "a restart made a new pseudonym secret";
  EXPECT_EQ(restarted.error().code, "pseudonym_secret_missing");
  EXPECT_FALSE(fs::exists(dir.file("pseudonym.key")));
}

}  // namespace
}  // namespace accord::test
