// The accord-gateway binary as a child process: crash safety under kill -9, graceful
// SIGTERM, and the accord CLI against it.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

// Submits numbered copies of one envelope from several threads and remembers every id that
// was answered 202 — the ids the gateway promised to keep.
class Load {
 public:
  Load(std::atomic<std::uint16_t>& port, int threads) : port_(port) {
    const auto base = json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([this, base, t] { run(base, t); });
    }
  }
  ~Load() { stop(); }

  void stop() {
    running_ = false;
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }
  std::set<std::string> acknowledged() {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }

 private:
  void run(json envelope, int thread) {
    std::unique_ptr<client::HttpsClient> client;
    std::uint16_t connected_port = 0;
    for (int n = 0; running_; ++n) {
      if (!client || connected_port != port_.load()) {
        connected_port = port_.load();
        auto options = client_options("police.met", connected_port);
        options.timeout = std::chrono::milliseconds(5'000);
        auto created = client::HttpsClient::create(options);
        if (!created.ok()) return;
        client = std::move(created.value());
      }
      const std::string id = "k-" + std::to_string(thread) + "-" + std::to_string(n);
      envelope["id"] = id;
      auto result = client->request(verb::post, "/v1/messages", envelope.dump());
      if (result.ok() && result.value().status == 202) {
        std::lock_guard lock(mutex_);
        acknowledged_.insert(id);
      } else if (!result.ok()) {
        client.reset();  // the gateway died: reconnect to wherever it comes back
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  std::atomic<std::uint16_t>& port_;
  std::atomic<bool> running_{true};
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::set<std::string> acknowledged_;  // guarded by mutex_
};

// Every message id in `recipient`'s mailbox (leases everything for 10 minutes).
std::set<std::string> mailbox_ids(const std::string& recipient, std::uint16_t port) {
  std::set<std::string> ids;
  auto client = make_client(recipient, port);
  for (;;) {
    auto result = client->request(verb::get, "/v1/inbox?max=100&lease_seconds=600");
    if (!result.ok() || result.value().status != 200) {
      ADD_FAILURE() << "inbox failed";
      return ids;
    }
    const auto messages = json::parse(result.value().body)["messages"];
    if (messages.empty()) return ids;
    for (const auto& message : messages) ids.insert(message["message_id"].get<std::string>());
  }
}

TEST(GatewayProcessTest, Kill9UnderLoadLosesNoAcknowledgedMessage) {
  TempDir dir;
  GatewayProcess gateway(write_config(dir));
  ASSERT_TRUE(gateway.start());
  std::atomic<std::uint16_t> port{gateway.port()};
  std::mt19937 random(20261122);
  std::uniform_int_distribution<int> delay_ms(80, 400);

  std::size_t acknowledged_before_last_kill = 0;
  {
    Load load(port, 4);
    for (int kill = 0; kill < 20; ++kill) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
      gateway.kill9();
      acknowledged_before_last_kill = load.acknowledged().size();
      ASSERT_TRUE(gateway.start()) << "restart " << kill << " failed";
      port = gateway.port();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    load.stop();
    const auto acknowledged = load.acknowledged();
    ASSERT_GT(acknowledged_before_last_kill, 100u) << "the load never got going";

    // Both recipients of the flow hold every acknowledged id.
    for (const std::string recipient : {"wcu.met", "provider.lvws"}) {
      const auto stored = mailbox_ids(recipient, gateway.port());
      std::size_t missing = 0;
      for (const auto& id : acknowledged) missing += stored.count(id) == 0 ? 1 : 0;
      EXPECT_EQ(missing, 0u) << recipient << " lost " << missing << " of " << acknowledged.size()
                             << " acknowledged messages";
    }
    std::printf("kill -9 loop: 20 kills, %zu acknowledged, 0 missing expected\n",
                acknowledged.size());
  }
  EXPECT_EQ(gateway.terminate(), 0);
}

TEST(GatewayProcessTest, SigtermDrainsAndExitsCleanly) {
  TempDir dir;
  GatewayProcess gateway(write_config(dir));
  ASSERT_TRUE(gateway.start());
  std::atomic<std::uint16_t> port{gateway.port()};
  std::set<std::string> acknowledged;
  {
    Load load(port, 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(gateway.terminate(), 0) << "SIGTERM did not exit 0";
    load.stop();
    acknowledged = load.acknowledged();
  }
  ASSERT_FALSE(acknowledged.empty());
  ASSERT_TRUE(gateway.start());
  const auto stored = mailbox_ids("wcu.met", gateway.port());
  for (const auto& id : acknowledged) EXPECT_EQ(stored.count(id), 1u) << id;
}

TEST(GatewayProcessTest, RefusesToStartOnBadConfiguration) {
  TempDir dir;
  const std::string binary = binary_dir() + "/gateway/app/accord-gateway";
  struct Row {
    std::string name, extra, expect;
  };
  const std::vector<Row> rows = {
      {"unknown_key", "colour: blue\n", "unknown key 'colour'"},
      {"misspelt_key", "agreement_notice_day: 3\n",
       "unknown key 'agreement_notice_day' in the configuration; did you mean "
       "'agreement_notice_days'?"},
      {"bad_value", "agreement_notice_days: 0\n", "agreement_notice_days must be greater than 0"},
      // write_config() already sets threads: a second one is refused, not silently read.
      {"duplicate_key", "threads: 0\n", "duplicate key 'threads' in the top level (first at 3:1)"},
  };
  for (const auto& row : rows) {
    const auto config = write_config(dir, row.extra);
    const auto result = run_command(binary + " --config " + config + " --check");
    EXPECT_EQ(result.status, 2) << row.name << ": " << result.output;
    EXPECT_NE(result.output.find(row.expect), std::string::npos)
        << row.name << ": " << result.output;
  }
  // A broken agreement set stops the start with the file and line.
  TempDir agreements;
  run_command("cp " + source_dir() + "/config/agreements/*.yaml " + agreements.path());
  run_command("printf 'id: broken\\nversion: one\\n' > " + agreements.file("zz-broken.yaml"));
  const auto config = write_config(dir, "", agreements.path());
  const auto result = run_command(binary + " --config " + config + " --check");
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_NE(result.output.find("zz-broken.yaml:"), std::string::npos) << result.output;
}

// limits.max_connections against RLIMIT_NOFILE (issue #12 item 1): with the hard limit too
// low, start (and --check) refuses with the numbers; with only the soft limit low, the
// gateway raises it. Both listeners (agency and admin) count: 2 x 1024 + 256 = 2304.
TEST(GatewayProcessTest, MaxConnectionsIsCheckedAgainstTheOpenFileLimit) {
  TempDir dir;
  const std::string binary = binary_dir() + "/gateway/app/accord-gateway";
  const auto config = write_config(dir, "limits: {max_connections: 1024}\n");
  struct Row {
    std::string name, nofile;
    int status;
    std::string expect;
  };
  const std::vector<Row> rows = {
      {"hard_too_low", "512:512", 1, "needs about 2304 file descriptors"},
      {"hard_just_below", "2303:2303", 1, "RLIMIT_NOFILE allows 2303"},
      {"soft_low_hard_enough", "256:4096", 0, "raised the open file limit"},
      {"enough", "4096:4096", 0, ""},
  };
  for (const auto& row : rows) {
    const auto result = run_command("prlimit --nofile=" + row.nofile + " " + binary + " --config " +
                                    config + " --check");
    EXPECT_EQ(result.status, row.status) << row.name << ": " << result.output;
    EXPECT_NE(result.output.find(row.expect), std::string::npos)
        << row.name << ": " << result.output;
  }
}

TEST(GatewayProcessTest, CliSendsReadsAndAcks) {
  TempDir dir;
  GatewayProcess gateway(write_config(dir));
  ASSERT_TRUE(gateway.start());
  const auto& pki = Pki::get();
  const std::string cli = binary_dir() + "/tools/accord/accord";
  auto as = [&](const std::string& agency) {
    return " --gateway 127.0.0.1:" + std::to_string(gateway.port()) + " --ca " +
           pki.file("ca.pem") + " --cert " + pki.agency_cert(agency) + " --key " +
           pki.agency_key(agency) + " ";
  };
  const std::string envelope = source_dir() + "/tests/data/integration/suspect_arrested.json";

  auto sent = run_command(cli + " send" + as("police.met") + envelope);
  ASSERT_EQ(sent.status, 0) << sent.output;
  EXPECT_NE(sent.output.find("met-arr-2026-000418"), std::string::npos) << sent.output;

  auto refused = run_command(cli + " send" + as("cps.london") + envelope);
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("not_permitted"), std::string::npos) << refused.output;

  auto listed = run_command(cli + " inbox --json --ack" + as("wcu.met"));
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find("met-arr-2026-000418"), std::string::npos) << listed.output;
  auto empty = run_command(cli + " inbox --json" + as("wcu.met"));
  EXPECT_EQ(empty.status, 0) << empty.output;
  EXPECT_EQ(empty.output.find("met-arr-2026-000418"), std::string::npos)
      << "--ack did not acknowledge: " << empty.output;

  auto unknown = run_command(cli + " ack 424242" + as("wcu.met"));
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_EQ(gateway.terminate(), 0);
}

}  // namespace
}  // namespace accord::test

namespace accord::test {
namespace {

TEST(GatewayProcessTest, SighupReloadsAgreements) {
  TempDir dir, agreements;
  run_command("cp " + source_dir() + "/config/agreements/*.yaml " + agreements.path());
  GatewayProcess gateway(write_config(dir, "", agreements.path()));
  ASSERT_TRUE(gateway.start());
  auto client = make_client("police.met", gateway.port());
  auto envelope = json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  auto recipients = [&](const std::string& id) {
    envelope["id"] = id;
    auto result = client->request(verb::post, "/v1/messages", envelope.dump());
    EXPECT_TRUE(result.ok() && result.value().status == 202);
    return result.ok() ? json::parse(result.value().body)["recipients"] : json();
  };
  EXPECT_EQ(recipients("h-0").size(), 2u);
  std::filesystem::remove(agreements.file("met-lvws-referral.yaml"));
  ::kill(gateway.pid(), SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 100 && !reloaded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reloaded = recipients("h-" + std::to_string(i + 1)).size() == 1;
  }
  EXPECT_TRUE(reloaded) << "SIGHUP did not reload the agreements";
  EXPECT_EQ(gateway.terminate(), 0);
}

}  // namespace
}  // namespace accord::test

namespace accord::test {
namespace {

TEST(AgreementsCliTest, ValidateExplainDiffAgainstTheSampleSet) {
  const std::string cli = binary_dir() + "/tools/accord/accord";
  const std::string samples = source_dir() + "/config/agreements";
  const std::string in_repo = " --agencies " + source_dir() + "/config/agencies.yaml" +
                              " --vocabulary " + source_dir() + "/config/vocabulary.yaml ";
  const std::string arrest = source_dir() + "/tests/data/integration/suspect_arrested.json";

  auto valid = run_command(cli + " agreements validate" + in_repo + samples);
  EXPECT_EQ(valid.status, 0) << valid.output;
  EXPECT_NE(valid.output.find("0 errors"), std::string::npos) << valid.output;

  TempDir changed;
  run_command("cp " + samples + "/*.yaml " + changed.path());
  std::filesystem::remove(changed.file("met-lvws-referral.yaml"));
  auto same = run_command(cli + " agreements diff " + samples + " " + samples);
  EXPECT_EQ(same.status, 0) << same.output;
  auto diff = run_command(cli + " agreements diff " + samples + " " + changed.path());
  EXPECT_EQ(diff.status, 1) << "diff exits 1 when exposure changed, like diff(1)\n" << diff.output;
  EXPECT_NE(diff.output.find("police.met -> provider.lvws  suspect.arrested  no longer received"),
            std::string::npos)
      << diff.output;

  auto explained = run_command(cli + " agreements explain --vocabulary " + source_dir() +
                               "/config/vocabulary.yaml --agreements " + samples +
                               " --from police.met --to provider.lvws " + arrest);
  EXPECT_EQ(explained.status, 0) << explained.output;
  EXPECT_NE(explained.output.find("data.victim.dob            drop"), std::string::npos)
      << explained.output;

  run_command("printf 'id: broken\\nversion: one\\n' > " + changed.file("zz-broken.yaml"));
  auto invalid = run_command(cli + " agreements validate" + in_repo + changed.path());
  EXPECT_EQ(invalid.status, 1) << invalid.output;
  EXPECT_NE(invalid.output.find("zz-broken.yaml:1:1: error:"), std::string::npos) << invalid.output;
}

}  // namespace
}  // namespace accord::test
