// Consent as state, and withdrawal and erasure reaching every holder (docs/compliance.md §7,
// §8), end to end: the real gateway in this process, real mTLS clients, the sample agreements
// with Victim Support's (provider.lvws) flows made consent_based, the spool on SQLite or on
// real PostgreSQL servers (label postgres). The inboxes are pulled as a recipient would, and
// `accord compliance notices` reads who acknowledged from the spool's audit log.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "accord/env/fake_env.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kWithdrawn = "V-CONSENT-1";  // the subject who withdraws
constexpr const char* kOther = "V-CONSENT-2";      // a subject who does not

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The sample agreements (met-lvws-referral's flows are consent_based there), with that
// agreement's encrypted fields dropped (this test is about who receives, not about sealing)
// and a flow that lets the police tell Victim Support of a consent given.
std::string write_agreements(const TempDir& dir) {
  const fs::path out = dir.file("agreements");
  fs::create_directories(out);
  for (const auto& entry : fs::directory_iterator(source_dir() + "/config/agreements")) {
    std::string text = slurp(entry.path());
    if (entry.path().filename() == "met-lvws-referral.yaml") {
      for (auto at = text.find(": encrypt"); at != std::string::npos; at = text.find(": encrypt")) {
        text.replace(at, 9, ": drop");
      }
      // Its referral and case-updates flows are consent_based in the sample itself.
      text +=
          "  - name: consent-given\n    events: [consent.given]\n    fields:\n"
          "      data.*: drop\n";
    }
    std::ofstream(out / entry.path().filename()) << text;
  }
  return out.string();
}

std::string envelope(const std::string& id, const std::string& type, const std::string& subject,
                     const json& data) {
  return json{
      {"id", id},
      {"type", type},
      {"case", {{"urn", "01MP00" + subject.substr(subject.size() - 1)}, {"owner", "police.met"}}},
      {"subject", {{"role", "victim"}, {"ref", subject}}},
      {"occurred_at", "2026-11-21T14:05:00Z"},
      {"classification", "OFFICIAL-SENSITIVE"},
      {"data", data}}
      .dump();
}

std::string referral(const std::string& id, const std::string& subject) {
  return envelope(id, "referral.created", subject,
                  {{"consent", {{"referral", "explicit"}}},
                   {"offence", {{"category", "burglary"}}},
                   {"victim", {{"contact", {{"phone", "07700 900123"}}}}}});
}

std::string arrested(const std::string& id, const std::string& subject) {
  return envelope(id, "suspect.arrested", subject,
                  {{"arrest", {{"next_step", "interview"}}}, {"victim", {{"dob", "1987-03-14"}}}});
}

class ConsentFlow {
 public:
  ConsentFlow(const std::string& config, env::Env* env) : gateway_(config, env) {}

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}) {
    auto client = make_client(who, gateway_.port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  json submit(const std::string& body, unsigned want_status) {
    const auto r = call("police.met", verb::post, "/v1/messages", body);
    EXPECT_EQ(r.status, want_status) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // The recipient's whole inbox (leased), oldest first.
  json inbox(const std::string& recipient) {
    const auto r = call(recipient, verb::get, "/v1/inbox?max=100");
    EXPECT_EQ(r.status, 200u) << r.body;
    return json::parse(r.body, nullptr, false)["messages"];
  }

  void ack(const std::string& recipient, const std::string& delivery_id) {
    const auto r = call(recipient, verb::post, "/v1/inbox/" + delivery_id + "/ack");
    EXPECT_EQ(r.status, 200u) << r.body;
  }

 private:
  InProcessGateway gateway_;
};

std::set<std::string> ids_of(const json& messages) {
  std::set<std::string> ids;
  for (const auto& m : messages) ids.insert(m["message_id"].get<std::string>());
  return ids;
}

const json* find_message(const json& messages, const std::string& id) {
  for (const auto& m : messages) {
    if (m["message_id"] == id) return &m;
  }
  return nullptr;
}

// The whole journey; `spool` is what `accord compliance notices --db` reads.
void run_journey(const std::string& config, const std::string& spool) {
  env::FakeEnv env{env::system_env().now_ms()};
  ConsentFlow flow(config, &env);

  // A referral and an update under Victim Support's consent-based flows; Witness Care gets the
  // update under a flow that does not depend on consent.
  auto r1 = flow.submit(referral("ref-1", kWithdrawn), 202);
  EXPECT_EQ(r1["recipients"], json::array({"provider.lvws"}));
  auto a1 = flow.submit(arrested("arr-1", kWithdrawn), 202);
  EXPECT_EQ(a1["recipients"], json::array({"provider.lvws", "wcu.met"}));
  flow.submit(referral("ref-other-1", kOther), 202);
  EXPECT_FALSE(a1.contains("notified"));

  // The withdrawal: no agreement routes it, so each consent-based holder gets a notice.
  auto w1 =
      flow.submit(envelope("withdraw-1", "consent.withdrawn", kWithdrawn, json::object()), 202);
  EXPECT_EQ(w1["recipients"], json::array({"provider.lvws"})) << w1.dump();
  EXPECT_EQ(w1["notified"], json::array({"provider.lvws"})) << w1.dump();

  // Victim Support pulls it: the header only, signed like any copy. Witness Care, which holds
  // data under a flow not based on consent, is not told.
  const json lvws = flow.inbox("provider.lvws");
  EXPECT_EQ(ids_of(lvws), (std::set<std::string>{"ref-1", "arr-1", "ref-other-1", "withdraw-1"}));
  const json* notice = find_message(lvws, "withdraw-1");
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ((*notice)["envelope"]["type"], "consent.withdrawn");
  EXPECT_EQ((*notice)["envelope"]["subject"]["ref"], kWithdrawn);
  EXPECT_EQ((*notice)["envelope"]["data"], json::object());
  EXPECT_TRUE((*notice).contains("signature"));
  const json wcu = flow.inbox("wcu.met");
  EXPECT_EQ(ids_of(wcu), (std::set<std::string>{"arr-1"}));

  // From now on the consent-based flows refuse this subject, and say why...
  auto r2 = flow.submit(referral("ref-2", kWithdrawn), 422);
  EXPECT_EQ(r2["error"]["code"], "not_permitted") << r2.dump();
  bool named = false;
  for (const auto& d : r2["error"]["details"]) {
    named =
        named || (d["recipient"] == "provider.lvws" &&
                  d["reason"].get<std::string>().find("consent is withdrawn") != std::string::npos);
  }
  EXPECT_TRUE(named) << r2.dump();
  auto a2 = flow.submit(arrested("arr-2", kWithdrawn), 202);
  EXPECT_EQ(a2["recipients"], json::array({"wcu.met"}));
  ASSERT_EQ(a2["withheld"].size(), 1u) << a2.dump();
  EXPECT_EQ(a2["withheld"][0]["recipient"], "provider.lvws");
  // ...while another subject still flows.
  auto other = flow.submit(referral("ref-other-2", kOther), 202);
  EXPECT_EQ(other["recipients"], json::array({"provider.lvws"}));

  // Consent given again restores the flow.
  env.advance_ms(1000);
  flow.submit(envelope("given-1", "consent.given", kWithdrawn, json::object()), 202);
  auto r3 = flow.submit(referral("ref-3", kWithdrawn), 202);
  EXPECT_EQ(r3["recipients"], json::array({"provider.lvws"}));

  // Erasure reaches every holder, whatever the flow: Witness Care too.
  auto e1 = flow.submit(
      envelope("erase-1", "subject.erasure_requested", kWithdrawn, json::object()), 202);
  EXPECT_EQ(e1["notified"], json::array({"provider.lvws", "wcu.met"})) << e1.dump();
  const json wcu_after = flow.inbox("wcu.met");
  const json* erase = find_message(wcu_after, "erase-1");
  ASSERT_NE(erase, nullptr) << wcu_after.dump();
  EXPECT_EQ((*erase)["envelope"]["data"], json::object());

  // Witness Care acknowledges the erasure; Victim Support has not yet.
  flow.ack("wcu.met", (*erase)["delivery_id"].get<std::string>());
  const auto report = run_command(binary_dir() +
                                  "/tools/accord/accord compliance notices --format json "
                                  "--message police.met/erase-1 --db " +
                                  spool);
  ASSERT_EQ(report.status, 0) << report.output;
  const json notices = json::parse(report.output, nullptr, false);
  ASSERT_TRUE(notices.is_array() && notices.size() == 1u) << report.output;
  const json& told = notices[0]["told"];
  ASSERT_EQ(told.size(), 2u) << report.output;
  for (const auto& t : told) {
    EXPECT_EQ(t["granted_by"], "notice");
    if (t["recipient"] == "wcu.met") {
      EXPECT_TRUE(t["acknowledged_at"].is_string()) << report.output;
    } else {
      EXPECT_EQ(t["recipient"], "provider.lvws");
      EXPECT_TRUE(t["acknowledged_at"].is_null()) << report.output;
    }
  }
  // The log names the holders told, once per propagated message.
  const auto logged = run_command(binary_dir() +
                                  "/tools/accord/accord audit query --format jsonl --kind "
                                  "compliance.notified --db " +
                                  spool);
  ASSERT_EQ(logged.status, 0) << logged.output;
  std::vector<json> notified_records;
  std::istringstream lines(logged.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) notified_records.push_back(json::parse(line, nullptr, false));
  }
  ASSERT_EQ(notified_records.size(), 2u) << logged.output;
  EXPECT_EQ(notified_records[0]["message_id"], "withdraw-1");
  EXPECT_EQ(notified_records[0]["details"]["holders"], "provider.lvws");
  EXPECT_EQ(notified_records[0]["details"]["notices"], "provider.lvws");
  EXPECT_EQ(notified_records[1]["message_id"], "erase-1");
  EXPECT_EQ(notified_records[1]["details"]["holders"], "provider.lvws,wcu.met");

  // By subject: both propagation messages, in order.
  const auto by_subject =
      run_command(binary_dir() + "/tools/accord/accord compliance notices --subject " +
                  std::string(kWithdrawn) + " --db " + spool);
  ASSERT_EQ(by_subject.status, 0) << by_subject.output;
  EXPECT_NE(by_subject.output.find("police.met/withdraw-1  consent.withdrawn"), std::string::npos)
      << by_subject.output;
  EXPECT_NE(by_subject.output.find("told 2, acknowledged 1, not acknowledged 1"), std::string::npos)
      << by_subject.output;
}

TEST(ConsentJourney, WithdrawalAndErasureReachHoldersOnSqlite) {
  TempDir dir;
  run_journey(write_config(dir, {}, write_agreements(dir)), dir.file("spool.db"));
}

TEST(ConsentJourney, WithdrawalAndErasureReachHoldersOnPostgresql) {
  auto cluster = testing::shared_pg_cluster();
  ASSERT_TRUE(cluster.ok()) << "PostgreSQL servers did not start: " << cluster.error().message;
  auto uri = cluster.value()->create_database("consent_journey");
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  TempDir dir;
  run_journey(write_pg_config(dir, *uri, dir.path(), {}, {}, write_agreements(dir)), *uri);
}

}  // namespace
}  // namespace accord::test
