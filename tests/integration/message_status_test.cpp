// GET /v1/messages/{id} and `accord status` end to end (issue 18 §3): the real gateway on real
// mTLS, the sample agreements (one edited so that a recipient is withheld), a real spool, the
// real `accord` binary. The mailbox journey runs in process on a FakeEnv clock (a lease lapses
// because the test moves the clock); push delivery runs the gateway binary against a real
// HTTPS webhook receiver (tests/integration/webhook_receiver.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "accord/core/time_format.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"
#include "webhook_receiver.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;
using namespace std::chrono_literals;

// Replaces `from` (which must occur) with `to` in the file.
void edit(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = read_text(path);
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error(path + " has no '" + from + "'");
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

// The member names of an object, to say "this member is absent" for all of them at once.
std::set<std::string> keys_of(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

// A copy's member names but copy_hash, which every copy has: 64 lower-case hex (the seal step
// computes it, docs/receipts.md §1).
std::set<std::string> copy_keys(const json& copy) {
  auto keys = keys_of(copy);
  EXPECT_EQ(keys.erase("copy_hash"), 1u) << copy.dump();
  const std::string hash = copy.value("copy_hash", "");
  EXPECT_EQ(hash.size(), 64u) << copy.dump();
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << copy.dump();
  return keys;
}

client::HttpResult call(const std::string& who, std::uint16_t port, verb method,
                        const std::string& target, const std::string& body = {}) {
  auto client = make_client(who, port);
  auto result = client->request(method, target, body, "application/json");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : client::HttpResult{};
}

// The status of `id` as `who` sees it; fails the test unless it is 200.
json status_of(const std::string& who, std::uint16_t port, const std::string& id) {
  const auto r = call(who, port, verb::get, "/v1/messages/" + id);
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body, nullptr, false);
}

// The entry of `recipient` in a status (the first one), or null.
json entry_of(const json& status, const std::string& recipient) {
  for (const auto& e : status["recipients"]) {
    if (e["recipient"] == recipient) return e;
  }
  return nullptr;
}

std::string accord_cli(const std::string& who, std::uint16_t port, const std::string& args) {
  const auto& pki = Pki::get();
  return binary_dir() + "/tools/accord/accord " + args +
         " --gateway 127.0.0.1:" + std::to_string(port) + " --cert " + pki.agency_cert(who) +
         " --key " + pki.agency_key(who) + " --ca " + pki.file("ca.pem") + " 2>&1";
}

// Mailbox recipients on a moved clock. police.met -> provider.lvws ended at 2027-06-01 (the
// sample agreement, edited and signed again), so suspect.arrested goes to wcu.met only and
// provider.lvws is withheld (agreement_expired).
class MessageStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(source_dir() + "/config/agreements", agreements_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    const std::string lvws = agreements_.file("met-lvws-referral.yaml");
    edit(lvws, "valid_until: 2029-04-01", "valid_until: 2027-06-01");
    edit(lvws, "review_by: 2027-09-30", "review_by: 2027-05-01");
    ASSERT_GT(sign_agreements(agreements_.path(), signatures_dir(dir_)), 0);
    gateway_ =
        std::make_unique<InProcessGateway>(write_config(dir_, {}, agreements_.path()), &env_);
  }

  std::uint16_t port() const { return gateway_->port(); }

  json submit(const std::string& id) {
    const auto r = call("police.met", port(), verb::post, "/v1/messages", with_id(arrested_, id));
    EXPECT_EQ(r.status, 202u) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // wcu.met leases its mailbox for `seconds`; the delivery ids it got.
  std::vector<std::string> lease(int seconds) {
    const auto r = call("wcu.met", port(), verb::get,
                        "/v1/inbox?max=10&lease_seconds=" + std::to_string(seconds));
    EXPECT_EQ(r.status, 200u) << r.body;
    const json body = json::parse(r.body, nullptr, false);
    std::vector<std::string> ids;
    for (const auto& m : body["messages"]) ids.push_back(m["delivery_id"]);
    return ids;
  }

  TempDir dir_;
  TempDir agreements_;
  env::FakeEnv env_{ms_at("2027-06-02T09:30:00Z") + 123};
  std::unique_ptr<InProcessGateway> gateway_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(MessageStatusTest, MailboxCopyGoesQueuedLeasedQueuedLeasedAcknowledged) {
  const json accepted = submit("met-status-1");
  ASSERT_EQ(accepted["recipients"], json::array({"wcu.met"})) << accepted.dump();
  const std::string received_at = format_time_ms(env_.now_ms());

  const json withheld = {{"recipient", "provider.lvws"},
                         {"state", "withheld"},
                         {"code", "agreement_expired"},
                         {"reason", accepted["withheld"][0]["reason"]}};
  json s = status_of("police.met", port(), "met-status-1");
  EXPECT_EQ(keys_of(s), (std::set<std::string>{"message_id", "sender", "type", "case_urn",
                                               "received_at", "complete", "recipients"}));
  EXPECT_EQ(s["message_id"], "met-status-1");
  EXPECT_EQ(s["sender"], "police.met");
  EXPECT_EQ(s["type"], "suspect.arrested");
  EXPECT_EQ(s["case_urn"], "01MP0041726");
  EXPECT_EQ(s["received_at"], received_at);
  EXPECT_EQ(s["complete"], false);
  ASSERT_EQ(s["recipients"].size(), 2u) << s.dump();
  EXPECT_EQ(s["recipients"][0], withheld) << "sorted by recipient: provider.lvws first";
  json copy = s["recipients"][1];
  EXPECT_EQ(copy["recipient"], "wcu.met");
  EXPECT_EQ(copy["state"], "queued");
  EXPECT_EQ(copy["attempts"], 0);
  ASSERT_TRUE(copy["delivery_id"].is_string()) << copy.dump();
  const std::string delivery_id = copy["delivery_id"];
  EXPECT_EQ(copy_keys(copy),
            (std::set<std::string>{"recipient", "state", "delivery_id", "attempts"}))
      << copy.dump();

  // Leased for a minute: the copy is in wcu.met's hands until then.
  ASSERT_EQ(lease(60), std::vector<std::string>{delivery_id});
  const std::string expires = format_time_ms(env_.now_ms() + 60'000);
  copy = entry_of(status_of("police.met", port(), "met-status-1"), "wcu.met");
  EXPECT_EQ(copy["state"], "leased") << copy.dump();
  EXPECT_EQ(copy["attempts"], 1);
  EXPECT_EQ(copy["lease_expires_at"], expires);

  // The lease lapses unacknowledged: queued again, the lapsed expiry no longer shown.
  env_.advance_ms(60'000);
  copy = entry_of(status_of("police.met", port(), "met-status-1"), "wcu.met");
  EXPECT_EQ(copy["state"], "queued") << copy.dump();
  EXPECT_EQ(copy["attempts"], 1);
  EXPECT_FALSE(copy.contains("lease_expires_at")) << copy.dump();

  ASSERT_EQ(lease(60), std::vector<std::string>{delivery_id});
  env_.advance_ms(5'000);
  const auto ack = call("wcu.met", port(), verb::post, "/v1/inbox/" + delivery_id + "/ack");
  ASSERT_EQ(ack.status, 200u) << ack.body;
  s = status_of("police.met", port(), "met-status-1");
  EXPECT_EQ(s["complete"], true) << s.dump();
  EXPECT_EQ(s["recipients"][0], withheld);
  copy = s["recipients"][1];
  EXPECT_EQ(copy["state"], "acknowledged") << copy.dump();
  EXPECT_EQ(copy["attempts"], 2);
  EXPECT_EQ(copy["acknowledged_at"], format_time_ms(env_.now_ms()));
  EXPECT_EQ(copy_keys(copy), (std::set<std::string>{"recipient", "state", "delivery_id", "attempts",
                                                    "acknowledged_at"}))
      << "a mailbox copy is never `delivered` by a channel: " << copy.dump();
}

TEST_F(MessageStatusTest, AnotherAgencysMessageIsNotFoundExactlyLikeAnUnknownOne) {
  // Asked before the id exists anywhere, and after police.met used it: the same answer.
  const auto before = call("wcu.met", port(), verb::get, "/v1/messages/met-status-2");
  EXPECT_EQ(before.status, 404u) << before.body;
  submit("met-status-2");
  const auto after = call("wcu.met", port(), verb::get, "/v1/messages/met-status-2");
  EXPECT_EQ(after.status, 404u);
  EXPECT_EQ(after.body, before.body) << "no existence leak";
  const json error = json::parse(after.body)["error"];
  EXPECT_EQ(error["code"], "not_found");
  EXPECT_EQ(error["path"], "message_id");
  // wcu.met holds the copy: being a recipient does not make the sender's status its own.
  EXPECT_EQ(lease(30).size(), 1u);
  EXPECT_EQ(call("wcu.met", port(), verb::get, "/v1/messages/met-status-2").body, before.body);
  // The sender itself sees it, also through a percent-encoded id.
  EXPECT_EQ(status_of("police.met", port(), "met%2Dstatus%2D2")["message_id"], "met-status-2");
}

TEST_F(MessageStatusTest, RefusesBadIdsOtherMethodsAndOtherCertificates) {
  struct Row {
    std::string target;
    unsigned status;
    std::string code;
  };
  const std::vector<Row> rows = {
      {"/v1/messages/", 400, "invalid_message_id"},
      {"/v1/messages/met/1", 400, "invalid_message_id"},
      {"/v1/messages/met%2F1", 400, "invalid_message_id"},
      {"/v1/messages/met%zz", 400, "invalid_message_id"},
      {"/v1/messages/met%201", 400, "invalid_message_id"},
      {"/v1/messages/" + std::string(129, 'x'), 400, "invalid_message_id"},
      {"/v1/messages/" + std::string(128, 'x'), 404, "not_found"},
      {"/v1/messages/never-used?x=1", 404, "not_found"},
  };
  for (const auto& row : rows) {
    const auto r = call("police.met", port(), verb::get, row.target);
    EXPECT_EQ(r.status, row.status) << row.target << ": " << r.body;
    const json body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body["error"]["code"], row.code) << row.target << ": " << r.body;
    EXPECT_EQ(body["error"]["path"], "message_id") << row.target;
  }
  submit("met-status-3");
  const auto post = call("police.met", port(), verb::post, "/v1/messages/met-status-3", "{}");
  EXPECT_EQ(post.status, 405u) << post.body;
  EXPECT_EQ(json::parse(post.body)["error"]["code"], "method_not_allowed");
  const auto admin = call("admin", port(), verb::get, "/v1/messages/met-status-3");
  EXPECT_EQ(admin.status, 403u) << admin.body;
  EXPECT_EQ(json::parse(admin.body)["error"]["code"], "forbidden");
}

TEST_F(MessageStatusTest, CliShowsTheTableAndTheJson) {
  submit("met-status-4");
  const auto table = run_command(accord_cli("police.met", port(), "status met-status-4"));
  ASSERT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("message met-status-4 (suspect.arrested, case 01MP0041726)"),
            std::string::npos)
      << table.output;
  EXPECT_NE(table.output.find(": not complete\n"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("RECIPIENT"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("provider.lvws  withheld"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("agreement_expired: "), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("wcu.met        queued"), std::string::npos) << table.output;

  const auto as_json = run_command(accord_cli("police.met", port(), "status met-status-4 --json"));
  ASSERT_EQ(as_json.status, 0) << as_json.output;
  EXPECT_EQ(json::parse(as_json.output, nullptr, false),
            status_of("police.met", port(), "met-status-4"));

  const auto other = run_command(accord_cli("wcu.met", port(), "status met-status-4"));
  EXPECT_EQ(other.status, 2) << other.output;
  EXPECT_NE(other.output.find("404 not_found"), std::string::npos) << other.output;
  const auto bad = run_command(accord_cli("police.met", port(), "status met/4"));
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("not a message id"), std::string::npos) << bad.output;
}

// Push delivery: provider.lvws takes its copies by webhook (the gateway binary registers the
// built-in adapters), wcu.met by mailbox.
class PushStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ =
        write_config(dir_,
                     "delivery:\n"
                     "  backoff_initial_ms: 50\n"
                     "  backoff_max_ms: 500\n"
                     "  idle_poll_ms: 600000\n"
                     "adapters:\n"
                     "  provider.lvws:\n"
                     "    outbound: {type: webhook, url: \"https://127.0.0.1:" +
                         std::to_string(receiver_.port()) + "/accord/inbox\", timeout_ms: 3000}\n");
  }

  void submit(std::uint16_t port, const std::string& id) {
    const auto r = call("police.met", port, verb::post, "/v1/messages", with_id(arrested_, id));
    ASSERT_EQ(r.status, 202u) << r.body;
  }

  // Waits until provider.lvws's copy of `id` is in `state`; its entry then.
  json wait_for(std::uint16_t port, const std::string& id, const std::string& state) {
    json entry;
    EXPECT_TRUE(testing::wait_until(
        [&] {
          entry = entry_of(status_of("police.met", port, id), "provider.lvws");
          return entry.is_object() && entry["state"] == state;
        },
        30s))
        << id << " never became " << state << ": " << entry.dump();
    return entry;
  }

  TempDir dir_{"accord-status-it-"};
  WebhookReceiver receiver_{dir_, free_port()};
  std::string config_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(PushStatusTest, WebhookDeliveredThenAcknowledgedByTheRecipient) {
  ASSERT_TRUE(receiver_.start());
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  submit(gateway.port(), "met-push-1");

  json copy = wait_for(gateway.port(), "met-push-1", "delivered");
  EXPECT_EQ(copy["attempts"], 1) << copy.dump();
  EXPECT_TRUE(copy["delivered_at"].is_string()) << copy.dump();
  EXPECT_FALSE(copy.contains("acknowledged_at")) << copy.dump();
  EXPECT_FALSE(copy.contains("lease_expires_at")) << copy.dump();
  // The delivered item carries the delivery id the recipient acks it by.
  const json item = json::parse(read_text(receiver_.body_file("met-push-1")), nullptr, false);
  ASSERT_EQ(item["delivery_id"], copy["delivery_id"]) << item.dump();

  const std::string id = copy["delivery_id"];
  const auto ack = call("provider.lvws", gateway.port(), verb::post, "/v1/inbox/" + id + "/ack");
  ASSERT_EQ(ack.status, 200u) << ack.body;
  EXPECT_EQ(json::parse(ack.body)["status"], "acked");
  const json s = status_of("police.met", gateway.port(), "met-push-1");
  copy = entry_of(s, "provider.lvws");
  EXPECT_EQ(copy["state"], "acknowledged") << copy.dump();
  EXPECT_TRUE(copy["delivered_at"].is_string()) << copy.dump();
  EXPECT_TRUE(copy["acknowledged_at"].is_string()) << copy.dump();
  EXPECT_GE(copy["acknowledged_at"].get<std::string>(), copy["delivered_at"].get<std::string>());
  EXPECT_EQ(s["complete"], false) << "wcu.met has not acknowledged: " << s.dump();
  EXPECT_EQ(entry_of(s, "wcu.met")["state"], "queued") << s.dump();
}

TEST_F(PushStatusTest, RefusedCopyIsDeadLettered) {
  receiver_.reject({"met-push-bad"});
  ASSERT_TRUE(receiver_.start());
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  submit(gateway.port(), "met-push-bad");

  const json copy = wait_for(gateway.port(), "met-push-bad", "dead_lettered");
  EXPECT_TRUE(copy["dead_lettered_at"].is_string()) << copy.dump();
  ASSERT_TRUE(copy["dead_letter"].is_object()) << copy.dump();
  EXPECT_EQ(copy["dead_letter"]["code"], "permanent_failure") << copy.dump();
  EXPECT_FALSE(copy.contains("delivered_at")) << copy.dump();
  EXPECT_FALSE(copy.contains("acknowledged_at")) << copy.dump();
  // The copy stays parked: the sender's view does not change on its own.
  EXPECT_EQ(entry_of(status_of("police.met", gateway.port(), "met-push-bad"), "provider.lvws"),
            copy);
}

}  // namespace
}  // namespace accord::test
