// Signed delivery receipts end to end (docs/receipts.md): the real gateway in this process, real
// mTLS on loopback, the SQLite spool in a temp dir, the development signing keys registered as an
// operator registers them. police.met submits suspect.arrested; provider.lvws's copy is granted
// by a flow with optional receipts, wcu.met's by one edited to `receipts: required`. Every
// refusal is checked for its code, its audit record and for leaving the copy as it was; the
// copy is then acked with a good receipt. A PyNaCl-made receipt (tests/interop/receipt.py) is
// accepted, and a copy pushed by the file-drop adapter is acknowledged afterwards with one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/crypto/delivered_message.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/receipts/receipt.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The sample agreements, with the victim-updates flow (police.met → wcu.met) requiring receipts.
std::string agreements_requiring_receipts(const TempDir& dir) {
  const std::string out = dir.file("agreements");
  fs::create_directories(out);
  for (const auto& entry : fs::directory_iterator(source_dir() + "/config/agreements")) {
    std::string text = read_text(entry.path().string());
    if (entry.path().filename() == "met-wcu-victim-updates.yaml") {
      const std::string flow = "  - name: victim-updates\n";
      const auto at = text.find(flow);
      if (at == std::string::npos) throw std::runtime_error("victim-updates flow not found");
      text.insert(at + flow.size(), "    receipts: required\n");
    }
    std::ofstream(out + "/" + entry.path().filename().string()) << text;
  }
  return out;
}

// A leased copy: its delivery id and the item as the inbox gave it.
struct Leased {
  std::string id;
  std::string item;
};

class ReceiptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<InProcessGateway>(
        write_config(dir_, "", agreements_requiring_receipts(dir_)), &env_);
    const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
    for (int i = 0; i < 3; ++i) {
      const auto r = call("police.met", verb::post, "/v1/messages",
                          with_id(arrested, "receipt-" + std::to_string(i)));
      ASSERT_EQ(r.status, 202u) << r.body;
    }
    lvws_ = lease("provider.lvws");
    wcu_ = lease("wcu.met");
    ASSERT_EQ(lvws_.size(), 3u);
    ASSERT_EQ(wcu_.size(), 3u);
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}) {
    auto client = make_client(who, gateway_->port());
    auto result = client->request(method, target, body);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  // Leases (60 s) every copy waiting for `who`, oldest first.
  std::vector<Leased> lease(const std::string& who) {
    const auto r = call(who, verb::get, "/v1/inbox?max=100&lease_seconds=60");
    EXPECT_EQ(r.status, 200u) << r.body;
    std::vector<Leased> out;
    const json answer = json::parse(r.body, nullptr, false);
    for (const auto& m : answer["messages"]) out.push_back({m["delivery_id"], m.dump()});
    return out;
  }

  // What the item's recipient signs: its copy hash, recomputed from the item.
  static receipts::CopySubject subject_of(const std::string& item, const std::string& recipient) {
    auto message = crypto::parse_inbox_item(item, recipient);
    EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().message);
    const auto& info = message->info;
    return {info.recipient, info.sender, info.message_id,
            receipts::copy_hash(crypto::delivery_signing_input(info, message->envelope))};
  }

  static json receipt(const receipts::CopySubject& subject, const governance::SigningSecret& key) {
    return json::parse(receipts::to_json(receipts::sign(subject, key)));
  }

  // The good receipt for a copy of `recipient`, signed with its registered development key.
  static json good_receipt(const Leased& copy, const std::string& recipient) {
    return receipt(subject_of(copy.item, recipient), dev_signing_secret(recipient));
  }

  client::HttpResult ack(const std::string& who, const std::string& id, const json& body) {
    return call(who, verb::post, "/v1/inbox/" + id + "/ack", body.is_null() ? "" : body.dump());
  }

  // The audit records of `kind` (NDJSON from the admin API), parsed.
  std::vector<json> audit(const std::string& kind) {
    auto r = make_client("auditor", gateway_->admin_port())
                 ->request(verb::get, "/v1/admin/audit/records?kind=" + kind);
    EXPECT_TRUE(r.ok());
    std::vector<json> out;
    if (!r.ok()) return out;
    EXPECT_EQ(r->status, 200u) << r->body;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      json record = json::parse(line, nullptr, false);
      if (record.is_object() && record.value("kind", "") == kind) out.push_back(record);
    }
    return out;
  }

  // The records of `kind` about delivery `id`.
  std::vector<json> audit_of(const std::string& kind, const std::string& id) {
    std::vector<json> out;
    for (auto& r : audit(kind)) {
      if (r.contains("delivery_id") && std::to_string(r["delivery_id"].get<std::int64_t>()) == id)
        out.push_back(r);
    }
    return out;
  }

  TempDir dir_{"accord-receipts-it-"};
  env::FakeEnv env_{env::system_env().now_ms()};
  std::unique_ptr<InProcessGateway> gateway_;
  std::vector<Leased> lvws_;  // optional receipts
  std::vector<Leased> wcu_;   // receipts required
};

TEST_F(ReceiptsTest, AGoodReceiptIsStoredAuditedAndTheCopyAcknowledged) {
  const Leased& copy = lvws_[0];
  const json good = good_receipt(copy, "provider.lvws");
  const auto r = ack("provider.lvws", copy.id, json{{"receipt", good}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "acked");

  const auto stored = audit_of("delivery.receipt", copy.id);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["recipient"], "provider.lvws");
  EXPECT_EQ(stored[0]["sender"], "police.met");
  EXPECT_EQ(stored[0]["message_id"], "receipt-0");
  EXPECT_EQ(stored[0]["details"]["kid"], good["kid"]);
  EXPECT_EQ(stored[0]["details"]["copy_hash"], good["copy_hash"]);
  EXPECT_EQ(stored[0]["details"]["sig"], good["sig"]);
  const auto acked = audit_of("delivery.acked", copy.id);
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0]["details"]["by"], "recipient");
  EXPECT_EQ(acked[0]["details"]["receipt_kid"], good["kid"]);

  // Acknowledged: a second ack, even with another (bad) receipt, is already_acked, unchecked.
  json other = good;
  other["copy_hash"] = std::string(64, '0');
  const auto again = ack("provider.lvws", copy.id, json{{"receipt", other}});
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(json::parse(again.body)["status"], "already_acked");
  EXPECT_EQ(audit_of("delivery.receipt", copy.id).size(), 1u);
  EXPECT_TRUE(audit_of("delivery.receipt_refused", copy.id).empty());

  // Without a receipt where none is required, and with {}: plain acks, as before receipts.
  EXPECT_EQ(json::parse(ack("provider.lvws", lvws_[1].id, nullptr).body)["status"], "acked");
  EXPECT_EQ(json::parse(ack("provider.lvws", lvws_[2].id, json::object()).body)["status"], "acked");
  EXPECT_TRUE(audit_of("delivery.receipt", lvws_[1].id).empty());
}

struct BadRow {
  std::string name;
  unsigned status;
  std::string code;
  std::string path;
};

TEST_F(ReceiptsTest, EachBadReceiptIsRefusedAuditedAndLeavesTheCopyLeased) {
  const Leased& a = lvws_[0];
  const Leased& b = lvws_[1];
  const auto subject_a = subject_of(a.item, "provider.lvws");
  const auto subject_b = subject_of(b.item, "provider.lvws");
  const auto& lvws_key = dev_signing_secret("provider.lvws");
  auto unregistered =
      governance::generate_signing_key("provider.lvws", "", env::system_env().now_ms());
  ASSERT_TRUE(unregistered.ok());
  receipts::CopySubject wrong_hash = subject_a;
  wrong_hash.copy_hash = receipts::copy_hash("not this copy");
  json flipped = receipt(subject_a, lvws_key);
  {
    std::string sig = flipped["sig"];
    sig[3] = sig[3] == 'A' ? 'B' : 'A';
    flipped["sig"] = sig;
  }
  json malformed = receipt(subject_a, lvws_key);
  malformed["sig"] = "not base64!";

  const std::vector<std::pair<BadRow, json>> rows = {
      {{"malformed", 400, "invalid_receipt", "receipt.sig"}, malformed},
      {{"not an object", 400, "invalid_receipt", "receipt"}, json::array()},
      {{"unregistered key", 422, "receipt_unknown_key", "receipt.kid"},
       receipt(subject_a, unregistered.value())},
      {{"another agency's key", 422, "receipt_wrong_agency", "receipt.kid"},
       receipt(subject_a, dev_signing_secret("police.met"))},
      {{"wrong hash", 422, "receipt_hash_mismatch", "receipt.copy_hash"},
       receipt(wrong_hash, lvws_key)},
      {{"copy B's receipt replayed on copy A", 422, "receipt_hash_mismatch", "receipt.copy_hash"},
       receipt(subject_b, lvws_key)},
      {{"bad signature", 422, "receipt_bad_signature", "receipt.sig"}, flipped},
  };
  for (const auto& [row, body] : rows) {
    SCOPED_TRACE(row.name);
    const auto r = ack("provider.lvws", a.id, json{{"receipt", body}});
    EXPECT_EQ(r.status, row.status) << r.body;
    const json error = json::parse(r.body, nullptr, false);
    EXPECT_EQ(error["error"]["code"], row.code) << r.body;
    EXPECT_EQ(error["error"]["path"], row.path) << r.body;
  }
  // Audited, one record per refusal, in order, the kid named when one was given as text.
  const auto refused = audit_of("delivery.receipt_refused", a.id);
  ASSERT_EQ(refused.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].first.name);
    EXPECT_EQ(refused[i]["code"], rows[i].first.code);
    EXPECT_EQ(refused[i]["recipient"], "provider.lvws");
    EXPECT_EQ(refused[i]["sender"], "police.met");
    EXPECT_EQ(refused[i]["message_id"], "receipt-0");
    EXPECT_FALSE(refused[i].value("reason", "").empty());
    if (rows[i].second.is_object()) {
      EXPECT_EQ(refused[i]["details"]["kid"], rows[i].second["kid"]);
    } else {
      EXPECT_FALSE(refused[i].contains("details"));
    }
  }
  // Nothing was acked: no ack record, and the copy comes back when its lease lapses.
  EXPECT_TRUE(audit_of("delivery.acked", a.id).empty());
  env_.advance_ms(61'000);
  const auto again = lease("provider.lvws");
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].id, a.id);
  // The copy is still acked later with a good receipt, and then never leased again.
  const auto good = ack("provider.lvws", a.id, json{{"receipt", good_receipt(a, "provider.lvws")}});
  ASSERT_EQ(good.status, 200u) << good.body;
  EXPECT_EQ(json::parse(good.body)["status"], "acked");
  EXPECT_EQ(audit_of("delivery.receipt", a.id).size(), 1u);
  env_.advance_ms(61'000);
  for (const auto& c : lease("provider.lvws")) EXPECT_NE(c.id, a.id);
}

TEST_F(ReceiptsTest, ARequiredReceiptRefusesAnAckWithoutOne) {
  const Leased& copy = wcu_[0];
  for (const json& body : {json(nullptr), json::object()}) {
    const auto r = ack("wcu.met", copy.id, body);
    EXPECT_EQ(r.status, 422u) << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "receipt_required");
  }
  const auto refused = audit_of("delivery.receipt_refused", copy.id);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0]["code"], "receipt_required");
  EXPECT_TRUE(audit_of("delivery.acked", copy.id).empty());

  const auto r = ack("wcu.met", copy.id, json{{"receipt", good_receipt(copy, "wcu.met")}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "acked");
  EXPECT_EQ(audit_of("delivery.receipt", copy.id).size(), 1u);
}

TEST_F(ReceiptsTest, TheBatchAcksEachCopyOnItsOwnReceipt) {
  // wcu.met: copy 0 with its receipt, copy 1 with copy 0's (replayed), copy 2 with none
  // (required): one acked, two refused, each with its code.
  const json body = {{"delivery_ids", {wcu_[0].id, wcu_[1].id, wcu_[2].id}},
                     {"receipts",
                      {{wcu_[0].id, good_receipt(wcu_[0], "wcu.met")},
                       {wcu_[1].id, good_receipt(wcu_[0], "wcu.met")}}}};
  const auto r = call("wcu.met", verb::post, "/v1/inbox/ack", body.dump());
  ASSERT_EQ(r.status, 200u) << r.body;
  const json results = json::parse(r.body)["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0], (json{{"delivery_id", wcu_[0].id}, {"status", "acked"}}));
  EXPECT_EQ(results[1]["status"], "refused");
  EXPECT_EQ(results[1]["code"], "receipt_hash_mismatch");
  EXPECT_FALSE(results[1].value("message", "").empty());
  EXPECT_EQ(results[2]["status"], "refused");
  EXPECT_EQ(results[2]["code"], "receipt_required");
  EXPECT_EQ(audit_of("delivery.receipt_refused", wcu_[1].id).size(), 1u);
  EXPECT_EQ(audit_of("delivery.receipt_refused", wcu_[2].id).size(), 1u);

  // A receipt keyed by an id not in the batch refuses the whole request: nothing acked.
  const json stray = {{"delivery_ids", {wcu_[1].id}},
                      {"receipts", {{wcu_[2].id, good_receipt(wcu_[2], "wcu.met")}}}};
  const auto refused = call("wcu.met", verb::post, "/v1/inbox/ack", stray.dump());
  EXPECT_EQ(refused.status, 400u) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "invalid_request");
  EXPECT_EQ(json::parse(refused.body)["error"]["path"], "receipts." + wcu_[2].id);
  EXPECT_TRUE(audit_of("delivery.acked", wcu_[1].id).empty());
}

TEST_F(ReceiptsTest, AnotherAgencysCopyIsNotFoundWhateverTheReceipt) {
  // wcu.met acks provider.lvws's copy with provider.lvws's own good receipt: 404, no record.
  const auto r =
      ack("wcu.met", lvws_[0].id, json{{"receipt", good_receipt(lvws_[0], "provider.lvws")}});
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "not_found");
  EXPECT_TRUE(audit_of("delivery.receipt_refused", lvws_[0].id).empty());
  // A body that is not {"receipt": ...}: 400, before anything is looked up.
  const auto odd = ack("provider.lvws", lvws_[0].id, json{{"receipts", json::object()}});
  EXPECT_EQ(odd.status, 400u) << odd.body;
  EXPECT_EQ(json::parse(odd.body)["error"]["code"], "invalid_request");
  EXPECT_EQ(json::parse(odd.body)["error"]["path"], "receipts");
}

TEST_F(ReceiptsTest, AReceiptMadeByPyNaClAloneIsAccepted) {
  const Leased& copy = lvws_[0];
  const std::string item = dir_.file("item.json");
  std::ofstream(item) << copy.item;
  const auto made =
      run_command("/usr/bin/python3 " + source_dir() + "/tests/interop/receipt.py sign " + item +
                  " " + DevSigningKeys::get().secret_file("provider.lvws") + " 2>&1");
  ASSERT_EQ(made.status, 0) << made.output;
  const json receipt = json::parse(made.output, nullptr, false);
  ASSERT_TRUE(receipt.is_object()) << made.output;
  // The same copy hash the gateway computed when it signed the copy.
  EXPECT_EQ(receipt["copy_hash"], subject_of(copy.item, "provider.lvws").copy_hash);
  const auto r = ack("provider.lvws", copy.id, json{{"receipt", receipt}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "acked");
  ASSERT_EQ(audit_of("delivery.receipt", copy.id).size(), 1u);
}

TEST_F(ReceiptsTest, TheCliSignsAReceiptForEveryCopyItAcks) {
  const auto& pki = Pki::get();
  const std::string cli = binary_dir() + "/tools/accord/accord";
  // accord receipt sign: the same receipt the library makes (Ed25519 is deterministic).
  const std::string item = dir_.file("cli-item.json");
  std::ofstream(item) << lvws_[0].item;
  const std::string key = DevSigningKeys::get().secret_file("provider.lvws");
  const auto signed_out = run_command(cli + " receipt sign --key " + key + " " + item + " 2>&1");
  ASSERT_EQ(signed_out.status, 0) << signed_out.output;
  EXPECT_EQ(json::parse(signed_out.output, nullptr, false),
            good_receipt(lvws_[0], "provider.lvws"));

  // accord inbox --ack --receipt-key: every copy leased is acked with its receipt.
  env_.advance_ms(61'000);  // the leases of SetUp lapse
  const auto inbox =
      run_command(cli + " inbox --ack --json --receipt-key " + key +
                  " --gateway 127.0.0.1:" + std::to_string(gateway_->port()) + " --cert " +
                  pki.agency_cert("provider.lvws") + " --key " + pki.agency_key("provider.lvws") +
                  " --ca " + pki.file("ca.pem") + " 2>&1");
  ASSERT_EQ(inbox.status, 0) << inbox.output;
  for (const auto& copy : lvws_) {
    SCOPED_TRACE(copy.id);
    const auto stored = audit_of("delivery.receipt", copy.id);
    ASSERT_EQ(stored.size(), 1u) << inbox.output;
    EXPECT_EQ(stored[0]["details"]["kid"], dev_signing_secret("provider.lvws").key.kid);
  }
}

// A copy the file-drop adapter pushed is done for the spool (acked by the channel), and its
// recipient acknowledges it afterwards, by the item's delivery_id, with a receipt.
TEST(ReceiptsPushed, APushedCopyIsAcknowledgedAfterwardsWithAReceipt) {
  TempDir dir("accord-receipts-push-");
  const std::string drop = dir.file("drop-wcu");
  fs::create_directories(drop);
  GatewayProcess gateway(write_config(dir,
                                      "delivery: {idle_poll_ms: 600000}\n"
                                      "adapters:\n"
                                      "  wcu.met:\n"
                                      "    outbound: {type: filedrop, directory: " +
                                          drop + "}\n",
                                      agreements_requiring_receipts(dir)));
  ASSERT_TRUE(gateway.start());
  const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
  auto posted = make_client("police.met", gateway.port())
                    ->request(verb::post, "/v1/messages", with_id(arrested, "pushed-1"));
  ASSERT_TRUE(posted.ok());
  ASSERT_EQ(posted->status, 202u) << posted->body;
  std::string item;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (const auto& entry : fs::directory_iterator(drop)) {
          const std::string name = entry.path().filename().string();
          if (name.ends_with(".json") && !name.starts_with(".")) {
            item = read_text(entry.path().string());
          }
        }
        return !item.empty() && json::accept(item);
      },
      20s));
  const json parsed = json::parse(item);
  const std::string id = parsed["delivery_id"];
  auto message = crypto::parse_inbox_item(item, "wcu.met");
  ASSERT_TRUE(message.ok()) << message.error().message;
  const receipts::CopySubject subject{
      "wcu.met", "police.met", "pushed-1",
      receipts::copy_hash(crypto::delivery_signing_input(message->info, message->envelope))};
  auto wcu = make_client("wcu.met", gateway.port());
  // Required for this flow: without a receipt the recipient's ack is refused, even though the
  // channel delivered the copy.
  auto bare = wcu->request(verb::post, "/v1/inbox/" + id + "/ack", "");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->status, 422u) << bare->body;
  const json body = {{"receipt", json::parse(receipts::to_json(
                                     receipts::sign(subject, dev_signing_secret("wcu.met"))))}};
  auto r = wcu->request(verb::post, "/v1/inbox/" + id + "/ack", body.dump());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200u) << r->body;
  EXPECT_EQ(json::parse(r->body)["status"], "acked");
  auto again = wcu->request(verb::post, "/v1/inbox/" + id + "/ack", body.dump());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(json::parse(again->body)["status"], "already_acked");
  EXPECT_EQ(gateway.terminate(), 0);
}

}  // namespace
}  // namespace accord::test
