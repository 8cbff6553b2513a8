// Governed agreements end to end (issue 16; docs/operations.md, "Governing agreements"): an
// unsigned change never reaches a recipient while the signed version keeps serving; one
// party's suspension takes effect at once and survives a restart; every bad statement is
// refused with its code and audited, from a file and over the admin API; a restart writes no
// lifecycle record twice; two gateways on one PostgreSQL database agree. Real mTLS on
// loopback, real signing keys (Ed25519), a real spool read back with AuditReader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/agreements/time.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/governance/signing.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;

constexpr const char* kReferral = "met-lvws-referral";
constexpr const char* kUpdates = "met-wcu-victim-updates";

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in the text");
  return text.replace(at, from.size(), to);
}

// One agreement.* or decision record of the log, parsed.
struct Record {
  std::int64_t seq = 0;
  json j;
};

// Signs for one agency: a key pair made here, its public half registered in the keys dir.
struct Signer {
  governance::SigningSecret secret;

  governance::Statement statement(governance::StatementKind kind, const std::string& agreement,
                                  int version, const std::string& text,
                                  const std::string& reason = {}) const {
    governance::Statement s;
    s.kind = kind;
    s.agreement = agreement;
    s.version = version;
    s.content_hash = governance::content_hash(text);
    s.agency = secret.key.agency;
    s.kid = secret.key.kid;
    s.signed_at = "2027-04-30T10:00:00.000Z";
    s.reason = reason;
    return governance::sign(std::move(s), secret);
  }
};

class GovernanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two sample agreements: the referral one the story is about, and Witness Care's
    // updates, which keep every arrest accepted whatever Victim Support is sent.
    for (const char* id : {kReferral, kUpdates}) {
      fs::copy_file(source_dir() + "/config/agreements/" + std::string(id) + ".yaml",
                    agreements_.file(std::string(id) + ".yaml"));
    }
    // v1 ends where v2 (written later) begins: two active versions may not overlap.
    const std::string v1 = referral_v1();
    write_text(v1_path(), replaced(replaced(read_text(v1_path()), "valid_until: 2029-04-01",
                                            "valid_until: 2027-06-01"),
                                   "review_by: 2027-09-30", "review_by: 2027-05-15"));
    for (const char* agency : {"police.met", "provider.lvws", "wcu.met", "court.snaresbrook"}) {
      signers_[agency] = make_signer(agency);
    }
    env_.set_now_ms(ms_at("2027-05-01T00:00:00Z"));
  }

  std::string v1_path() const { return agreements_.file(std::string(kReferral) + ".yaml"); }
  std::string v2_path() const { return agreements_.file(std::string(kReferral) + "-v2.yaml"); }
  static std::string referral_v1() {
    return read_text(source_dir() + "/config/agreements/" + std::string(kReferral) + ".yaml");
  }
  // v2: in force from v1's end, and Victim Support also gets the victim's needs on updates.
  std::string v2_text() const {
    std::string text = read_text(v1_path());
    text = replaced(text, "version: 1", "version: 2");
    text = replaced(text, "valid_from: 2026-04-01", "valid_from: 2027-06-01");
    text = replaced(text, "valid_until: 2027-06-01", "valid_until: 2029-04-01");
    text = replaced(text, "review_by: 2027-05-15", "review_by: 2028-09-30");
    // The case-updates flow's `data.needs.*: drop` (the referral flow shares needs already).
    const auto updates = text.find("name: case-updates");
    const auto drop = text.find("data.needs.*: drop", updates);
    if (updates == std::string::npos || drop == std::string::npos) {
      throw std::runtime_error("the sample referral agreement changed");
    }
    return text.replace(drop, std::string("data.needs.*: drop").size(), "data.needs.*: share");
  }

  Signer make_signer(const std::string& agency) {
    auto secret = governance::generate_signing_key(agency, agency + " DPO", env_.now_ms());
    if (!secret.ok()) throw std::runtime_error("signing key: " + secret.error().message);
    write_text(keys_.file(governance::public_file_name(secret->key)),
               governance::public_key_json(secret->key));
    return Signer{std::move(secret.value())};
  }

  // `agency` signs `text` (version `version` of `agreement`) into the signatures dir.
  governance::Statement sign_file(const std::string& agency, const std::string& agreement,
                                  int version, const std::string& text) {
    auto s = signers_.at(agency).statement(governance::StatementKind::signature, agreement, version,
                                           text);
    write_text(sigs_.file(governance::statement_file_name(s)), governance::to_json(s));
    return s;
  }

  // Both sample agreements signed by every party, as an operator would have them.
  void sign_samples() {
    sign_file("police.met", kReferral, 1, read_text(v1_path()));
    sign_file("provider.lvws", kReferral, 1, read_text(v1_path()));
    const std::string updates = read_text(agreements_.file(std::string(kUpdates) + ".yaml"));
    sign_file("police.met", kUpdates, 1, updates);
    sign_file("wcu.met", kUpdates, 1, updates);
  }

  std::string config(const std::string& extra = {}) {
    return write_config(dir_,
                        "keys: " + keys_.path() + "\nsignatures: " + sigs_.path() + "\n" + extra,
                        agreements_.path());
  }

  void start() {
    gateway_.reset();
    gateway_ = std::make_unique<InProcessGateway>(config(), &env_);
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}, bool admin_port = false) {
    auto client = make_client(who, admin_port ? gateway_->admin_port() : gateway_->port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  json admin_post(const std::string& target, const std::string& body, unsigned want) {
    const auto r = call("admin", verb::post, target, body, true);
    EXPECT_EQ(r.status, want) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  json reload() { return admin_post("/v1/admin/agreements/reload", "{}", 200); }

  // The governance members of `agreement`@`version` in GET /v1/admin/agreements.
  json governed(const std::string& agreement, int version) {
    const auto r = call("admin", verb::get, "/v1/admin/agreements", {}, true);
    EXPECT_EQ(r.status, 200u) << r.body;
    const json listing = json::parse(r.body);
    for (const auto& a : listing["agreements"]) {
      if (a["id"] == agreement && a["version"] == version) return a;
    }
    ADD_FAILURE() << agreement << " v" << version << " is not listed: " << r.body;
    return json::object();
  }

  // An arrest from police.met; its answer.
  json arrest(const std::string& id) {
    const auto r = call("police.met", verb::post, "/v1/messages", with_id(arrested_, id));
    EXPECT_EQ(r.status, 202u) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // What Victim Support was sent for message `id` (null when nothing).
  json lvws_copy(const std::string& id) {
    const auto r = call("provider.lvws", verb::get, "/v1/inbox?max=100");
    EXPECT_EQ(r.status, 200u) << r.body;
    const json inbox = json::parse(r.body);
    for (const auto& m : inbox["messages"]) {
      if (m["message_id"] == id) return m["envelope"];
    }
    return nullptr;
  }

  // Records of the log whose kind starts with `kind_prefix`, in seq order.
  std::vector<Record> records(const std::string& kind_prefix, const std::string& db = {}) {
    auto reader = spool::AuditReader::open(db.empty() ? dir_.file("spool.db") : db);
    EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message);
    std::vector<Record> out;
    if (!reader.ok()) return out;
    spool::AuditFilter filter;
    filter.kind = kind_prefix;
    std::int64_t after = 0;
    for (;;) {
      auto page = reader.value()->query(filter, after, spool::kMaxAuditPage);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) return out;
      for (const auto& row : page->rows) {
        out.push_back({row.seq, json::parse(row.record)});
        after = row.seq;
      }
      if (!page->more) return out;
    }
  }

  // The refusals recorded for `source` with `code`.
  std::size_t refusals(const std::string& code, const std::string& source) {
    std::size_t n = 0;
    for (const auto& r : records("agreement.signature_refused")) {
      n += r.j.value("code", "") == code && r.j["details"].value("source", "") == source;
    }
    return n;
  }

  // Which version granted Victim Support's copy of message `id` (decision.accepted).
  std::string granted_by(const std::string& id) {
    for (const auto& r : records("decision.accepted")) {
      if (r.j.value("message_id", "") == id && r.j.value("recipient", "") == "provider.lvws") {
        return r.j.value("agreement", "");
      }
    }
    return "";
  }

  static bool has(const json& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  }

  TempDir dir_;
  TempDir agreements_;
  TempDir keys_;
  TempDir sigs_;
  std::map<std::string, Signer> signers_;
  env::FakeEnv env_;  // the gateway's clock: moved by the test, outlives the gateway
  std::unique_ptr<InProcessGateway> gateway_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(GovernanceTest, AnUnsignedChangeNeverReachesARecipient) {
  sign_samples();
  start();
  EXPECT_EQ(governed(kReferral, 1)["governance"], "active");
  EXPECT_EQ(governed(kReferral, 1)["signed_by"].size(), 2u);
  EXPECT_EQ(arrest("a1")["recipients"], json::array({"provider.lvws", "wcu.met"}));
  EXPECT_EQ(granted_by("a1"), "met-lvws-referral@1");

  // v2 shares the victim's needs. Dropped in unsigned: archived, held, and v1 keeps serving.
  write_text(v2_path(), v2_text());
  const json reloaded = reload();
  ASSERT_TRUE(reloaded["held"].is_array()) << reloaded.dump();
  bool says_whom = false;
  for (const auto& line : reloaded["held"]) {
    const std::string text = line.get<std::string>();
    says_whom = says_whom || (text.starts_with("met-lvws-referral v2: ") &&
                              text.find("provider.lvws") != std::string::npos &&
                              text.find("police.met") != std::string::npos);
  }
  EXPECT_TRUE(says_whom) << reloaded.dump();
  const json v2 = governed(kReferral, 2);
  EXPECT_EQ(v2["governance"], "awaiting_signatures");
  EXPECT_EQ(v2["missing"], json::array({"police.met", "provider.lvws"}));
  EXPECT_EQ(v2["status"], "draft");
  EXPECT_EQ(arrest("a2")["recipients"], json::array({"provider.lvws", "wcu.met"}));
  EXPECT_EQ(granted_by("a2"), "met-lvws-referral@1");
  const json a2 = lvws_copy("a2");
  ASSERT_TRUE(a2.is_object());
  EXPECT_FALSE(a2["data"].contains("needs")) << a2.dump();

  // v1's file edited in place without raising the version: that text grants nothing.
  const std::string signed_v1 = read_text(v1_path());
  write_text(v1_path(), replaced(signed_v1, "title: ", "title: (edited) "));
  reload();
  EXPECT_EQ(governed(kReferral, 1)["governance"], "version_reused");
  EXPECT_EQ(arrest("a3")["recipients"], json::array({"wcu.met"}));
  EXPECT_TRUE(lvws_copy("a3").is_null());
  bool reused_recorded = false;
  for (const auto& r : records("agreement.not_activated")) {
    reused_recorded = reused_recorded || (r.j["agreement"] == "met-lvws-referral@1" &&
                                          r.j.value("code", "") == "version_reused");
  }
  EXPECT_TRUE(reused_recorded);
  // The signed text restored: its signatures count again.
  write_text(v1_path(), signed_v1);
  reload();
  EXPECT_EQ(governed(kReferral, 1)["governance"], "active");
  EXPECT_EQ(arrest("a4")["recipients"], json::array({"provider.lvws", "wcu.met"}));

  // Past v1's end, with v2 still unsigned: Victim Support gets nothing at all.
  env_.set_now_ms(ms_at("2027-06-02T00:00:00Z"));
  EXPECT_EQ(arrest("a5")["recipients"], json::array({"wcu.met"}));
  EXPECT_TRUE(lvws_copy("a5").is_null());

  // One party signs by file: still held, one signature missing.
  sign_file("police.met", kReferral, 2, v2_text());
  reload();
  EXPECT_EQ(governed(kReferral, 2)["missing"], json::array({"provider.lvws"}));
  EXPECT_EQ(arrest("a6")["recipients"], json::array({"wcu.met"}));

  // The other over the admin API: activated by that call, and copies follow v2.
  const auto lvws = signers_.at("provider.lvws")
                        .statement(governance::StatementKind::signature, kReferral, 2, v2_text());
  const json accepted =
      admin_post("/v1/admin/agreements/signatures", governance::to_json(lvws), 200);
  EXPECT_EQ(accepted["status"], "accepted");
  EXPECT_EQ(accepted["agreement"], "met-lvws-referral@2");
  EXPECT_EQ(accepted["governance"], "active");
  EXPECT_EQ(accepted["missing"], json::array());
  EXPECT_EQ(arrest("a7")["recipients"], json::array({"provider.lvws", "wcu.met"}));
  EXPECT_EQ(granted_by("a7"), "met-lvws-referral@2");
  const json a7 = lvws_copy("a7");
  ASSERT_TRUE(a7.is_object());
  EXPECT_EQ(a7["data"]["needs"]["safety"], "high") << a7.dump();

  // The log tells it: v2 archived with its text, each signature (file, then api), the
  // activation, each before the load it belongs to; no decision ever granted by v2 before.
  const auto lifecycle = records("agreement.");
  std::vector<std::string> v2_story;
  std::int64_t activated_seq = 0;
  for (const auto& r : lifecycle) {
    if (r.j["agreement"] != "met-lvws-referral@2") continue;
    v2_story.push_back(r.j["kind"].get<std::string>());
    if (r.j["kind"] == "agreement.proposed") {
      EXPECT_EQ(r.j["details"]["text"], v2_text());
      EXPECT_EQ(r.j["details"]["content_hash"], governance::content_hash(v2_text()));
    }
    if (r.j["kind"] == "agreement.signed" && r.j["details"]["agency"] == "provider.lvws") {
      EXPECT_EQ(r.j["details"]["source"], "api");
    }
    if (r.j["kind"] == "agreement.activated") activated_seq = r.seq;
  }
  EXPECT_EQ(std::count(v2_story.begin(), v2_story.end(), "agreement.proposed"), 1);
  EXPECT_EQ(std::count(v2_story.begin(), v2_story.end(), "agreement.signed"), 2);
  EXPECT_EQ(std::count(v2_story.begin(), v2_story.end(), "agreement.activated"), 1);
  ASSERT_GT(activated_seq, 0);
  bool loaded_after = false;
  for (const auto& r : records("admin.agreements_loaded")) {
    loaded_after = loaded_after || r.seq == activated_seq + 1;
  }
  EXPECT_TRUE(loaded_after) << "the activation is not right before its load's record";
  for (const auto& r : records("decision.accepted")) {
    if (r.j.value("agreement", "") == "met-lvws-referral@2") {
      EXPECT_GT(r.seq, activated_seq);
    }
  }
}

TEST_F(GovernanceTest, OnePartysSuspensionTakesEffectAtOnceAndSurvivesARestart) {
  sign_samples();
  start();
  EXPECT_EQ(arrest("s1")["recipients"], json::array({"provider.lvws", "wcu.met"}));

  const auto suspension = signers_.at("provider.lvws")
                              .statement(governance::StatementKind::suspension, kReferral, 1,
                                         read_text(v1_path()), "breach under investigation");
  const json answer =
      admin_post("/v1/admin/agreements/suspensions", governance::to_json(suspension), 200);
  EXPECT_EQ(answer["governance"], "suspended");
  EXPECT_EQ(arrest("s2")["recipients"], json::array({"wcu.met"}));
  const json listed = governed(kReferral, 1);
  EXPECT_EQ(listed["governance"], "suspended");
  ASSERT_EQ(listed["suspended_by"].size(), 1u);
  EXPECT_EQ(listed["suspended_by"][0]["agency"], "provider.lvws");

  // The statement file goes and the gateway restarts: the log keeps it suspended.
  fs::remove(sigs_.file(governance::statement_file_name(suspension)));
  gateway_.reset();
  start();
  EXPECT_EQ(governed(kReferral, 1)["governance"], "suspended");
  EXPECT_EQ(arrest("s3")["recipients"], json::array({"wcu.met"}));
  std::size_t suspended = 0;
  for (const auto& r : records("agreement.suspended")) {
    ++suspended;
    EXPECT_EQ(r.j["reason"], "breach under investigation");
    EXPECT_EQ(r.j["details"]["source"], "api");
  }
  EXPECT_EQ(suspended, 1u);
  // Who asked is recorded too.
  bool action = false;
  for (const auto& r : records("admin.action")) {
    action = action || r.j["details"].value("action", "") == "agreements.suspend";
  }
  EXPECT_TRUE(action);
}

TEST_F(GovernanceTest, ARestartWritesNoLifecycleRecordTwice) {
  sign_samples();
  write_text(v2_path(), v2_text());  // held: a not_activated record too
  start();
  const auto first = records("agreement.");
  ASSERT_FALSE(first.empty());
  gateway_.reset();
  start();
  reload();
  EXPECT_TRUE(gateway_->gateway().check_governance().ok());
  EXPECT_EQ(records("agreement.").size(), first.size());

  // Past v1's valid_until the minute check records the expiry, once.
  env_.set_now_ms(ms_at("2027-06-01T00:00:01Z"));
  EXPECT_TRUE(gateway_->gateway().check_governance().ok());
  EXPECT_TRUE(gateway_->gateway().check_governance().ok());
  std::size_t expired = 0;
  for (const auto& r : records("agreement.expired")) {
    expired += r.j["agreement"] == "met-lvws-referral@1";
  }
  EXPECT_EQ(expired, 1u);
  gateway_.reset();
  start();
  EXPECT_EQ(records("agreement.").size(), first.size() + 1);
}

// Each bad statement: refused with its code, audited, and never a reason to refuse the load.
TEST_F(GovernanceTest, EveryBadStatementIsRefusedWithItsCodeAndAudited) {
  sign_samples();
  write_text(v2_path(), v2_text());
  start();
  const std::string v1 = read_text(v1_path());
  const std::string v2 = v2_text();
  using governance::StatementKind;

  // Over the API: one row per refusal.
  struct Row {
    std::string name;
    std::string body;
    unsigned status;
    std::string code;
  };
  // A key registered for nobody.
  auto stranger = governance::generate_signing_key("provider.lvws", "", env_.now_ms());
  ASSERT_TRUE(stranger.ok());
  const Signer unregistered{stranger.value()};
  // provider.lvws's statement signed with police.met's key material but naming lvws's kid.
  auto wrong_key =
      signers_.at("provider.lvws").statement(StatementKind::signature, kReferral, 2, v2);
  wrong_key = governance::sign(wrong_key, signers_.at("police.met").secret);
  wrong_key.kid = signers_.at("provider.lvws").secret.key.kid;
  wrong_key.agency = "provider.lvws";
  // A statement for police.met made with wcu.met's registered key.
  auto other_agency = signers_.at("wcu.met").statement(StatementKind::signature, kReferral, 2, v2);
  other_agency.agency = "police.met";
  const std::vector<Row> rows = {
      {"malformed", R"({"format":"accord-agreement-signature-1","agreement":"x"})", 422,
       "malformed_statement"},
      {"unknown agreement",
       governance::to_json(signers_.at("police.met")
                               .statement(StatementKind::signature, "no-such-agreement", 1, v1)),
       404, "unknown_agreement"},
      {"unregistered signer",
       governance::to_json(unregistered.statement(StatementKind::signature, kReferral, 2, v2)), 422,
       "unknown_signer"},
      {"signer of another agency", governance::to_json(other_agency), 422, "signer_not_of_agency"},
      {"party missing (not a party)",
       governance::to_json(
           signers_.at("court.snaresbrook").statement(StatementKind::signature, kReferral, 2, v2)),
       422, "not_a_party"},
      {"signature over another version",
       governance::to_json(
           signers_.at("provider.lvws").statement(StatementKind::signature, kReferral, 3, v2)),
       422, "other_version"},
      {"signature over other text",
       governance::to_json(
           signers_.at("provider.lvws").statement(StatementKind::signature, kReferral, 2, v1)),
       422, "text_changed"},
      {"wrong key", governance::to_json(wrong_key), 422, "bad_signature"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const json refused = admin_post("/v1/admin/agreements/signatures", row.body, row.status);
    EXPECT_EQ(refused["error"]["code"], row.code) << refused.dump();
    EXPECT_EQ(refusals(row.code, "api"), 1u);
  }
  EXPECT_EQ(governed(kReferral, 2)["governance"], "awaiting_signatures");

  // v1 retired (its file removed): its genuine signatures, replayed, name a version no longer
  // loaded. Over the API...
  fs::remove(v1_path());
  reload();
  const auto replayed =
      signers_.at("provider.lvws").statement(StatementKind::signature, kReferral, 1, v1);
  const json refused =
      admin_post("/v1/admin/agreements/signatures", governance::to_json(replayed), 422);
  EXPECT_EQ(refused["error"]["code"], "other_version") << refused.dump();
  EXPECT_EQ(refusals("other_version", "api"), 2u);  // with the row above

  // ...and as the files still in the signatures dir. With them, other bad files: the reload
  // succeeds, each is audited once however often the gateway reloads, and v2 stays held.
  write_text(sigs_.file("broken.v2.provider.lvws.sig.json"), "{not json");
  write_text(sigs_.file("other-text.v2.provider.lvws.sig.json"), [&] {
    // v1's signature relabelled as v2's: same id@version as v2, another text.
    auto claimed = replayed;
    claimed.version = 2;
    return governance::to_json(claimed);
  }());
  write_text(sigs_.file("unregistered.sig.json"), governance::to_json(unregistered.statement(
                                                      StatementKind::signature, kReferral, 2, v2)));
  write_text(
      sigs_.file("unknown.sig.json"),
      governance::to_json(signers_.at("police.met")
                              .statement(StatementKind::signature, "no-such-agreement", 1, v1)));
  reload();
  reload();
  EXPECT_EQ(refusals("malformed_statement", "broken.v2.provider.lvws.sig.json"), 1u);
  EXPECT_EQ(refusals("other_version", "met-lvws-referral.v1.provider.lvws.sig.json"), 1u);
  EXPECT_EQ(refusals("other_version", "met-lvws-referral.v1.police.met.sig.json"), 1u);
  EXPECT_EQ(refusals("text_changed", "other-text.v2.provider.lvws.sig.json"), 1u);
  EXPECT_EQ(refusals("unknown_signer", "unregistered.sig.json"), 1u);
  EXPECT_EQ(refusals("unknown_agreement", "unknown.sig.json"), 1u);
  EXPECT_EQ(governed(kReferral, 2)["governance"], "awaiting_signatures");
  EXPECT_EQ(arrest("b1")["recipients"], json::array({"wcu.met"}));
  EXPECT_EQ(granted_by("b1"), "");
}

TEST_F(GovernanceTest, AProposalOverTheApiIsValidatedWrittenAndHeld) {
  sign_samples();
  start();
  const json bad = admin_post("/v1/admin/agreements/proposals",
                              json{{"file", "x.yaml"}, {"text", "id: [broken"}}.dump(), 422);
  EXPECT_EQ(bad["error"]["code"], "invalid_agreements");
  const json name = admin_post("/v1/admin/agreements/proposals",
                               json{{"file", "../x.yaml"}, {"text", v2_text()}}.dump(), 400);
  EXPECT_EQ(name["error"]["code"], "invalid_request");
  const json clash =
      admin_post("/v1/admin/agreements/proposals",
                 json{{"file", "met-lvws-referral.yaml"}, {"text", v2_text()}}.dump(), 409);
  EXPECT_EQ(clash["error"]["code"], "file_exists");

  const json proposed =
      admin_post("/v1/admin/agreements/proposals",
                 json{{"file", "met-lvws-referral-v2.yaml"}, {"text", v2_text()}}.dump(), 200);
  EXPECT_EQ(proposed["agreement"], "met-lvws-referral@2");
  EXPECT_EQ(proposed["governance"], "awaiting_signatures");
  EXPECT_EQ(proposed["missing"], json::array({"police.met", "provider.lvws"}));
  EXPECT_EQ(read_text(v2_path()), v2_text());
  std::size_t proposals = 0;
  for (const auto& r : records("admin.action")) {
    proposals += r.j["details"].value("action", "") == "agreements.propose";
  }
  EXPECT_EQ(proposals, 4u);  // every request, refused or not
}

// Two gateways on one PostgreSQL database, each with its own signatures directory: a
// signature accepted by one counts for the other through the log.
TEST(GovernancePg, TwoGatewaysOnOneDatabaseAgree) {
  auto cluster = testing::shared_pg_cluster();
  ASSERT_TRUE(cluster.ok()) << "PostgreSQL servers did not start: " << cluster.error().message;
  auto uri = cluster.value()->create_database("governance_two_gateways");
  ASSERT_TRUE(uri.ok()) << uri.error().message;

  TempDir agreements, keys, shared, dir_a, dir_b, sigs_a, sigs_b;
  fs::copy_file(source_dir() + "/config/agreements/" + std::string(kUpdates) + ".yaml",
                agreements.file(std::string(kUpdates) + ".yaml"));
  const std::string text = read_text(agreements.file(std::string(kUpdates) + ".yaml"));
  env::FakeEnv env;
  env.set_now_ms(ms_at("2027-05-01T00:00:00Z"));
  std::map<std::string, governance::SigningSecret> secrets;
  for (const char* agency : {"police.met", "wcu.met"}) {
    auto secret = governance::generate_signing_key(agency, "", env.now_ms());
    ASSERT_TRUE(secret.ok());
    write_text(keys.file(governance::public_file_name(secret->key)),
               governance::public_key_json(secret->key));
    secrets.emplace(agency, secret.value());
  }
  auto statement = [&](const std::string& agency) {
    governance::Statement s;
    s.agreement = kUpdates;
    s.version = 1;
    s.content_hash = governance::content_hash(text);
    s.signed_at = "2027-04-30T10:00:00.000Z";
    return governance::sign(s, secrets.at(agency));
  };
  auto config = [&](const TempDir& dir, const TempDir& sigs) {
    return write_pg_config(dir, uri.value(), shared.path(),
                           "keys: " + keys.path() + "\nsignatures: " + sigs.path() + "\n", {},
                           agreements.path());
  };
  const std::string config_a = config(dir_a, sigs_a);
  const std::string config_b = config(dir_b, sigs_b);
  // police.met's signature is on A's disk only.
  const auto met = statement("police.met");
  write_text(sigs_a.file(governance::statement_file_name(met)), governance::to_json(met));
  InProcessGateway a(config_a, &env);
  InProcessGateway b(config_b, &env);

  auto governance_of = [](InProcessGateway& g) {
    auto client = make_client("admin", g.admin_port());
    auto r = client->request(verb::get, "/v1/admin/agreements", {}, "application/json");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return std::string();
    const json listing = json::parse(r->body);
    for (const auto& ag : listing["agreements"]) {
      if (ag["id"] == kUpdates) return ag["governance"].get<std::string>();
    }
    return std::string();
  };
  EXPECT_EQ(governance_of(a), "awaiting_signatures");
  // A recorded police.met's signature at its start: B counts it from the log.
  ASSERT_TRUE(b.gateway().check_governance().ok());
  EXPECT_EQ(governance_of(b), "awaiting_signatures");

  // wcu.met signs over A's API: A activates at once; B takes it up at its minute check, with
  // neither statement on its own disk.
  auto client = make_client("admin", a.admin_port());
  auto signed_over_api =
      client->request(verb::post, "/v1/admin/agreements/signatures",
                      governance::to_json(statement("wcu.met")), "application/json");
  ASSERT_TRUE(signed_over_api.ok());
  EXPECT_EQ(signed_over_api->status, 200u) << signed_over_api->body;
  EXPECT_EQ(governance_of(a), "active");
  ASSERT_TRUE(b.gateway().check_governance().ok());
  EXPECT_EQ(governance_of(b), "active");
  EXPECT_TRUE(fs::is_empty(sigs_b.path()));

  // And neither wrote the activation twice.
  auto reader = spool::AuditReader::open(uri.value());
  ASSERT_TRUE(reader.ok());
  spool::AuditFilter filter;
  filter.kind = "agreement.activated";
  auto page = reader.value()->query(filter, 0, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->rows.size(), 1u);
}

}  // namespace
}  // namespace accord::test
