// accord spool backup and the restore procedure of docs/operations.md ("Backing up and
// restoring"), against the real accord-gateway binary and the real `accord` CLI: a backup taken
// while the gateway keeps accepting submissions is one consistent file whose audit chain
// verifies; restored into a fresh data directory with the two key files, a gateway starts on
// it and serves the copies it held; restored over the spool it came from, the start is refused
// until the operator accepts the gap, which is then on the audit record.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;

std::string cli() {
  return binary_dir() + "/tools/accord/accord ";
}

int submit(client::HttpsClient& client, const std::string& id) {
  const auto envelope =
      with_id(read_source_file("tests/data/integration/suspect_arrested.json"), id);
  auto answer = client.request(verb::post, "/v1/messages", envelope);
  return answer.ok() ? static_cast<int>(answer.value().status) : -1;
}

// Every message id in `who`'s mailbox (each page leased for ten minutes; nothing acked).
std::vector<std::string> inbox_ids(std::uint16_t port, const std::string& who) {
  std::vector<std::string> ids;
  auto client = make_client(who, port);
  for (;;) {
    auto answer = client->request(verb::get, "/v1/inbox?max=100&lease_seconds=600");
    if (!answer.ok() || answer.value().status != 200) {
      ADD_FAILURE() << "inbox of " << who << " failed";
      return ids;
    }
    const auto messages = nlohmann::json::parse(answer.value().body)["messages"];
    if (messages.empty()) return ids;
    for (const auto& m : messages) ids.push_back(m["message_id"].get<std::string>());
  }
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

unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

// Submits without pause from its own connection until stopped; counts what was accepted.
class Writer {
 public:
  explicit Writer(std::uint16_t port)
      : thread_([this, port] {
          auto client = make_client("police.met", port);
          for (int i = 0; !stop_; ++i) {
            if (submit(*client, "during-" + std::to_string(i)) != 202) continue;
            std::lock_guard lock(mutex_);
            ++accepted_;
            changed_.notify_all();
          }
        }) {}
  ~Writer() { stop(); }

  // Returns once `n` more submissions than now have been accepted.
  void wait_for_more(int n) {
    std::unique_lock lock(mutex_);
    const int target = accepted_ + n;
    changed_.wait(lock, [&] { return accepted_ >= target; });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  int accepted_ = 0;
  std::thread thread_;
};

class SpoolBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Checkpoints every few records: the copies hold signed checkpoints to verify.
    config_ = write_config(dir_, "audit: {checkpoint_every_records: 20}\n");
    gateway_ = std::make_unique<GatewayProcess>(config_);
    ASSERT_TRUE(gateway_->start());
    auto key = make_client("police.met", gateway_->port())->request(verb::get, "/v1/gateway-key");
    ASSERT_TRUE(key.ok());
    ASSERT_EQ(key->status, 200u) << key->body;
    std::ofstream(dir_.file("gateway-key.json")) << key->body;
    auto client = make_client("police.met", gateway_->port());
    for (int i = 0; i < 5; ++i) ASSERT_EQ(submit(*client, "before-" + std::to_string(i)), 202);
  }

  // A backup taken while a writer keeps submitting (accepted before, during and after it).
  CommandResult backup_under_load(const std::string& target) {
    Writer writer(gateway_->port());
    writer.wait_for_more(1);
    auto result = run_command(cli() + "spool backup --db " + dir_.file("spool.db") + " --to " +
                              target + " --gateway-key " + dir_.file("gateway-key.json"));
    // Two more: the second was sent after the copy had ended, so the live spool is ahead of it.
    writer.wait_for_more(2);
    writer.stop();
    return result;
  }

  TempDir dir_;
  TempDir backups_;
  std::string config_;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(SpoolBackupTest, BackupUnderLoadVerifiesAndRestoresIntoAFreshDataDirectory) {
  const auto copy = backups_.file("spool-backup.db");
  const auto taken = backup_under_load(copy);
  ASSERT_EQ(taken.status, 0) << taken.output;
  EXPECT_NE(taken.output.find("backed up " + dir_.file("spool.db") + " -> " + copy),
            std::string::npos)
      << taken.output;
  EXPECT_NE(taken.output.find("audit chain verified"), std::string::npos) << taken.output;
  EXPECT_EQ(taken.output.find(" 0 checkpoints"), std::string::npos)
      << "no signed checkpoint in the copy: the key was not put to the test\n"
      << taken.output;
  EXPECT_EQ(mode_of(copy), 0600u) << "the backup holds shared fields in clear";
  EXPECT_FALSE(fs::exists(copy + "-wal")) << "the backup is one file";

  // The auditor's check of the copy, as the restore procedure runs it before a start.
  const auto verified = run_command(cli() + "audit verify --db " + copy + " --gateway-key " +
                                    dir_.file("gateway-key.json"));
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_EQ(gateway_->terminate(), 0);

  // A fresh data directory: the copy as spool.db, the two key files beside it.
  TempDir fresh;
  const auto fresh_config = write_config(fresh);
  fs::copy_file(copy, fresh.file("spool.db"));
  for (const char* key : {"pseudonym.key", "gateway-signing.key"}) {
    fs::copy_file(dir_.file(key), fresh.file(key));
  }
  GatewayProcess restored(fresh_config);
  ASSERT_TRUE(restored.start()) << "no gateway starts on the restored spool";
  const auto ids = inbox_ids(restored.port(), "wcu.met");
  for (int i = 0; i < 5; ++i) {
    const auto id = "before-" + std::to_string(i);
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end())
        << id << " queued before the backup is not in the restored mailbox";
  }
  auto key = make_client("police.met", restored.port())->request(verb::get, "/v1/gateway-key");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(nlohmann::json::parse(key->body)["kid"],
            nlohmann::json::parse(read_text(dir_.file("gateway-key.json")))["kid"])
      << "the restored gateway signs with another key";
  EXPECT_EQ(restored.terminate(), 0);
}

TEST_F(SpoolBackupTest, RefusesAnExistingTargetAndLeavesNothingOnFailure) {
  const auto copy = backups_.file("spool-backup.db");
  ASSERT_EQ(backup_under_load(copy).status, 0);
  const auto bytes = read_text(copy);
  const auto again =
      run_command(cli() + "spool backup --db " + dir_.file("spool.db") + " --to " + copy);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_NE(again.output.find("already exists"), std::string::npos) << again.output;
  EXPECT_EQ(read_text(copy), bytes) << "an existing backup was overwritten";

  const struct {
    std::string args;
    std::string says;
  } refused[] = {
      {"--db " + dir_.file("no-such.db") + " --to " + backups_.file("a.db"), "does not exist"},
      {"--db postgresql://accord@db1/accord --to " + backups_.file("b.db"), "pg_basebackup"},
      {"--db " + dir_.file("spool.db") + " --to " + backups_.file("c.db") +
           " --gateway-key not-a-key",
       "gateway-key"},
      {"--db " + dir_.file("spool.db") + " --to " + backups_.file("no-dir/d.db"), "d.db"},
  };
  for (const auto& row : refused) {
    const auto r = run_command(cli() + "spool backup " + row.args);
    EXPECT_EQ(r.status, 1) << row.args << ": " << r.output;
    EXPECT_NE(r.output.find(row.says), std::string::npos) << row.args << ": " << r.output;
  }
  std::ofstream(backups_.file("not-a-spool.txt"))
      << "these are not the pages you are looking for\n";
  const auto foreign = run_command(cli() + "spool backup --db " + backups_.file("not-a-spool.txt") +
                                   " --to " + backups_.file("e.db"));
  EXPECT_EQ(foreign.status, 1) << foreign.output;
  EXPECT_NE(foreign.output.find("not a database"), std::string::npos) << foreign.output;
  fs::remove(backups_.file("not-a-spool.txt"));

  // A key other than the gateway's (a valid one): the copy's checkpoints do not verify under
  // it; exit 4, and the copy stays for inspection.
  const auto wrong = run_command(cli() + "spool backup --db " + dir_.file("spool.db") + " --to " +
                                 backups_.file("wrong-key.db") +
                                 " --gateway-key 5uiH+nwRCFMHqRI1AmcIeUDznY6FIytZhn03UQGQL4A=");
  EXPECT_EQ(wrong.status, 4) << wrong.output;
  EXPECT_NE(wrong.output.find("does not verify"), std::string::npos) << wrong.output;
  EXPECT_TRUE(fs::exists(backups_.file("wrong-key.db")));
  fs::remove(backups_.file("wrong-key.db"));

  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(backups_.path())) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, std::vector<std::string>{"spool-backup.db"}) << "a failed backup left files";
  EXPECT_EQ(gateway_->terminate(), 0);
}

// Restored over the spool it came from: the manifest remembers more than the copy holds, so
// the start is refused until the operator accepts the gap, which the audit log then records.
TEST_F(SpoolBackupTest, RestoreInPlaceNeedsTheGapAcceptedAndRecordsIt) {
  const auto copy = backups_.file("spool-backup.db");
  ASSERT_EQ(backup_under_load(copy).status, 0);
  EXPECT_EQ(gateway_->terminate(), 0);  // a clean stop: the manifest covers everything since

  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    fs::remove(dir_.file("spool.db") + suffix, ec);
  }
  fs::copy_file(copy, dir_.file("spool.db"));
  const auto refused =
      run_command("timeout 60 " + binary_dir() + "/gateway/app/accord-gateway --config " + config_);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("--accept-spool-gap"), std::string::npos) << refused.output;

  GatewayProcess accepted(config_, {"--accept-spool-gap"});
  ASSERT_TRUE(accepted.start()) << "--accept-spool-gap did not start on the restored spool";
  const auto ids = inbox_ids(accepted.port(), "wcu.met");
  EXPECT_NE(std::find(ids.begin(), ids.end(), "before-0"), ids.end());
  EXPECT_EQ(accepted.terminate(), 0);
  const auto kinds = audit_kinds(dir_.file("spool.db"));
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "admin.spool_gap_accepted"), kinds.end())
      << "the restore's gap is not on the audit record";
  const auto verified = run_command(cli() + "audit verify --db " + dir_.file("spool.db") +
                                    " --gateway-key " + dir_.file("gateway-key.json"));
  EXPECT_EQ(verified.status, 0) << verified.output;
}

}  // namespace
}  // namespace accord::test
