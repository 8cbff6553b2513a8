// Push delivery with a window (issue 20, docs/adapters.md "Delivery semantics"): the real
// gateway binary, a real HTTPS webhook receiver that keeps connections alive, and the file-drop
// adapter on a real directory.
// - webhook, max_in_flight 6: every copy reaches the receiver exactly once with a 2xx, copies
//   of a case in submission order, the ones the receiver failed are retried and nothing else
//   is sent twice, and all of it over at most 6 TCP connections (keep-alive);
// - file drop: copies written in batches are acked only once their file is there; a copy whose
//   file cannot be written mid batch is not acked while its batch neighbours are, and goes
//   through once the obstacle is gone.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "accord/testing/wait_until.hpp"
#include "harness.hpp"
#include "webhook_receiver.hpp"

namespace accord::test {
namespace {

using nlohmann::json;
using verb = boost::beast::http::verb;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kWindow = 6;

std::string push_yaml(std::uint16_t webhook_port, const std::string& drop_dir) {
  return "delivery:\n"
         "  backoff_initial_ms: 50\n"
         "  backoff_max_ms: 300\n"
         // The receiver's refusals are part of the test, not an outage to break the circuit on.
         "  circuit_failures: 1000\n"
         "  idle_poll_ms: 600000\n"
         "adapters:\n"
         "  provider.lvws:\n"
         "    outbound: {type: webhook, url: \"https://127.0.0.1:" +
         std::to_string(webhook_port) +
         "/accord/inbox\", timeout_ms: 5000, max_in_flight: " + std::to_string(kWindow) +
         // Idle gaps in a slow run must not close connections: the count is the point.
         ", keep_alive_idle_ms: 600000}\n"
         "  wcu.met:\n"
         "    outbound: {type: filedrop, directory: " +
         drop_dir + ", max_in_flight: 32, writers: 4}\n";
}

// "2026-11-22T09:30:00.123Z" → ms since the epoch (the signed received_at).
std::int64_t parse_ms(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  int ms = 0;
  if (in.peek() == '.') {
    in.get();
    in >> ms;
  }
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

class PushWindowTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = write_config(dir_, push_yaml(receiver_.port(), drop_dir_)); }

  void submit(client::HttpsClient& police, const std::string& id, const std::string& case_urn) {
    auto doc = json::parse(arrested_);
    doc["id"] = id;
    doc["case"]["urn"] = case_urn;
    auto r = police.request(verb::post, "/v1/messages", doc.dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 202u) << r->body;
  }

  // The status entry of `recipient`'s copy of `id` (null if none).
  json copy_of(client::HttpsClient& police, const std::string& id, const std::string& recipient) {
    auto r = police.request(verb::get, "/v1/messages/" + id, "");
    if (!r.ok() || r->status != 200) return nullptr;
    const auto status = json::parse(r->body, nullptr, false);
    for (const auto& e : status["recipients"]) {
      if (e["recipient"] == recipient) {
        json out = e;
        out["received_at"] = status["received_at"];
        return out;
      }
    }
    return nullptr;
  }

  TempDir dir_{"accord-push-window-it-"};
  std::string drop_dir_ = dir_.file("drop-wcu");
  WebhookReceiver receiver_{dir_, free_port()};
  std::string config_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(PushWindowTest, WebhookWindowDeliversEachCopyOnceInCaseOrderOverKeptAliveConnections) {
  fs::create_directories(drop_dir_);
  std::set<std::string> fail_first;
  std::map<std::string, std::vector<std::string>> submitted;  // case → ids in order
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "met-win-" + std::to_string(1000 + i);
    ids.push_back(id);
    if (i % 7 == 3) fail_first.insert(id);
  }
  receiver_.fail_first_attempt(fail_first);
  ASSERT_TRUE(receiver_.start());
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  for (int i = 0; i < 60; ++i) {
    const std::string case_urn = "01MP00" + std::to_string(42000 + i % 8);
    submit(*police, ids[i], case_urn);
    submitted[case_urn].push_back(ids[i]);
  }
  ASSERT_TRUE(testing::wait_until([&] { return receiver_.received().size() >= 60; }, 60s))
      << receiver_.received().size() << " of 60";
  // Every copy acked (delivered) once the receiver answered 2xx: nothing left to send again.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (const auto& id : ids) {
          if (copy_of(*police, id, "provider.lvws")["state"] != "delivered") return false;
        }
        return true;
      },
      30s));

  // Exactly once with a 2xx per copy, and per case in submission order.
  std::map<std::string, int> accepted;
  std::map<std::string, std::vector<std::string>> arrived;
  for (const auto& r : receiver_.received()) {
    const std::string id = r["id"];
    EXPECT_EQ(r["key"], "police.met/" + id);
    ++accepted[id];
    arrived[r["case"].get<std::string>()].push_back(id);
  }
  EXPECT_EQ(accepted.size(), 60u);
  for (const auto& [id, n] : accepted) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(arrived, submitted);

  // The failed first attempts were retried (attempt 2), and nothing else was sent twice.
  std::map<std::string, std::vector<int>> attempts;  // id → statuses in order
  std::set<int> connections;
  const auto requests = receiver_.requests();
  for (const auto& r : requests) {
    attempts[r["id"].get<std::string>()].push_back(r["status"].get<int>());
    connections.insert(r["peer_port"].get<int>());
  }
  for (const auto& id : ids) {
    const std::vector<int> expected =
        fail_first.contains(id) ? std::vector<int>{503, 200} : std::vector<int>{200};
    EXPECT_EQ(attempts[id], expected) << id;
  }
  EXPECT_EQ(requests.size(), 60u + fail_first.size());
  // Keep-alive: 68 POSTs over at most the window's connections (one per POST without it).
  EXPECT_LE(connections.size(), static_cast<std::size_t>(kWindow)) << requests.size() << " POSTs";
  EXPECT_GE(connections.size(), 1u);
}

TEST_F(PushWindowTest, FileDropAcksABatchOnlyForFilesWrittenAndRetriesTheUnwritable) {
  // Until the directory exists every write fails: the copies wait, none acked.
  std::ofstream(drop_dir_) << "not a directory yet";
  ASSERT_TRUE(receiver_.start());
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  std::vector<std::string> ids;
  for (int i = 0; i < 24; ++i) {
    ids.push_back("met-fd-" + std::to_string(2000 + i));
    submit(*police, ids.back(), "01MP00" + std::to_string(43000 + i));  // one case each
  }
  // The copy whose file will be in the way: its name from the signed received_at and id.
  const json blocked_copy = copy_of(*police, ids[7], "wcu.met");
  ASSERT_TRUE(blocked_copy.is_object());
  const std::string blocked_name = std::to_string(parse_ms(blocked_copy["received_at"])) + "-" +
                                   blocked_copy["delivery_id"].get<std::string>() + "-" + ids[7] +
                                   ".json";
  for (const auto& id : ids) EXPECT_NE(copy_of(*police, id, "wcu.met")["state"], "delivered");

  fs::remove(drop_dir_);
  fs::create_directories(drop_dir_ + "/" + blocked_name);  // rename onto it fails: EISDIR
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (std::size_t i = 0; i < ids.size(); ++i) {
          if (i != 7 && copy_of(*police, ids[i], "wcu.met")["state"] != "delivered") return false;
        }
        return true;
      },
      60s));
  // Every acked copy has its complete file; the blocked one is not acked and has no file.
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(drop_dir_)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file()) continue;
    EXPECT_NE(name.front(), '.') << "a temporary left behind: " << name;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    const auto doc = json::parse(text.str(), nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << name << " is not a complete JSON document";
    files.insert(doc["envelope"]["id"].get<std::string>());
  }
  std::set<std::string> expected(ids.begin(), ids.end());
  expected.erase(ids[7]);
  EXPECT_EQ(files, expected);
  const json still = copy_of(*police, ids[7], "wcu.met");
  EXPECT_NE(still["state"], "delivered") << still.dump();

  // The obstacle removed: the same copy goes through under the same name.
  fs::remove(drop_dir_ + "/" + blocked_name);
  ASSERT_TRUE(testing::wait_until(
      [&] { return copy_of(*police, ids[7], "wcu.met")["state"] == "delivered"; }, 60s));
  EXPECT_TRUE(fs::is_regular_file(drop_dir_ + "/" + blocked_name));
}

}  // namespace
}  // namespace accord::test
