// Agreements over time and in trial, end to end (issue 11 items 1, 3 and 5): an injected
// gateway clock crosses an agreement's valid_until while the gateway runs, then the gateway
// reloads and restarts past it; shadow-mode agreements are audited and reported. Real mTLS on
// loopback, the sample London agreements (copied and edited per test), a real spool, and the
// real `accord` CLI over the spool database.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "accord/agreements/time.hpp"
#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;

// Replaces `from` (which must occur) with `to` in the file.
void edit(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = read_text(path);
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error(path + " has no '" + from + "'");
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

// Replaces every `from` with `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class AgreementLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(source_dir() + "/config/agreements", agreements_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    config_ = write_config(dir_, {}, agreements_.path());
  }

  void start() {
    gateway_.reset();
    gateway_ = std::make_unique<InProcessGateway>(config_, &env_);
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}, bool admin_port = false) {
    auto client = make_client(who, admin_port ? gateway_->admin_port() : gateway_->port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  json arrest(const std::string& id) {
    const auto result = call("police.met", verb::post, "/v1/messages", with_id(arrested_, id));
    EXPECT_EQ(result.status, 202u) << result.body;
    return json::parse(result.body, nullptr, false);
  }

  // The value of `family{agreement="<agreement>"}` on /metrics, or NaN when absent.
  double gauge(const std::string& family, const std::string& agreement) {
    const auto metrics = call("admin", verb::get, "/metrics", {}, true);
    EXPECT_EQ(metrics.status, 200u);
    const std::string key = family + "{agreement=\"" + agreement + "\"} ";
    const auto at = metrics.body.find(key);
    if (at == std::string::npos) {
      ADD_FAILURE() << key << " not in /metrics:\n" << metrics.body;
      return std::nan("");
    }
    return std::stod(metrics.body.substr(at + key.size()));
  }

  CommandResult cli(const std::string& args) {
    return run_command(binary_dir() + "/tools/accord/accord " + args);
  }

  json report(const std::string& args) {
    const auto r = cli("audit report --db " + dir_.file("spool.db") + " --format json " + args);
    EXPECT_EQ(r.status, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }

  TempDir dir_;
  TempDir agreements_;
  std::string config_;
  env::FakeEnv env_;  // the gateway's clock: moved by the test, outlives the gateway
  std::unique_ptr<InProcessGateway> gateway_;
  std::string arrested_ = read_source_file("tests/data/integration/suspect_arrested.json");
};

TEST_F(AgreementLifecycleTest, ValidUntilCrossedWhileRunningRefusesThenReloadAndRestartSucceed) {
  // police.met -> provider.lvws ends at 2027-06-01T00:00:00Z (exclusive); police.met ->
  // wcu.met goes on.
  const std::string lvws = agreements_.file("met-lvws-referral.yaml");
  edit(lvws, "valid_until: 2029-04-01", "valid_until: 2027-06-01");
  edit(lvws, "review_by: 2027-09-30", "review_by: 2027-05-01");
  // The edited text is a version both parties published: it is signed again.
  ASSERT_GT(sign_agreements(agreements_.path(), signatures_dir(dir_)), 0);

  env_.set_now_ms(ms_at("2027-05-31T00:00:00Z"));
  start();
  EXPECT_DOUBLE_EQ(gauge("accord_agreement_expiry_seconds", "met-lvws-referral@1"), 86400.0);
  EXPECT_LT(gauge("accord_agreement_review_seconds", "met-lvws-referral@1"), 0.0);
  EXPECT_EQ(arrest("day-before")["recipients"], json::array({"provider.lvws", "wcu.met"}));

  env_.set_now_ms(ms_at("2027-05-31T23:59:59.999Z"));
  EXPECT_EQ(arrest("last-ms")["recipients"], json::array({"provider.lvws", "wcu.met"}));

  // The instant valid_until is reached: the sender is told, not silently routed around.
  env_.set_now_ms(ms_at("2027-06-01T00:00:00Z"));
  const json answer = arrest("at-valid-until");
  EXPECT_EQ(answer["recipients"], json::array({"wcu.met"}));
  ASSERT_TRUE(answer["withheld"].is_array()) << answer.dump();
  ASSERT_EQ(answer["withheld"].size(), 1u) << answer.dump();
  EXPECT_EQ(answer["withheld"][0]["recipient"], "provider.lvws");
  EXPECT_EQ(answer["withheld"][0]["code"], "agreement_expired");
  EXPECT_NE(answer["withheld"][0]["reason"].get<std::string>().find("validity ended"),
            std::string::npos);
  EXPECT_LE(gauge("accord_agreement_expiry_seconds", "met-lvws-referral@1"), 0.0);

  // Reload past valid_until succeeds (the expired agreement is a warning, not an error).
  const auto reload = call("admin", verb::post, "/v1/admin/agreements/reload", {}, true);
  EXPECT_EQ(reload.status, 200u) << reload.body;

  // A restart a day later starts, and keeps refusing with the same code.
  env_.set_now_ms(ms_at("2027-06-02T00:00:00Z"));
  ASSERT_NO_THROW(start());
  const json later = arrest("day-after");
  EXPECT_EQ(later["recipients"], json::array({"wcu.met"}));
  ASSERT_EQ(later["withheld"].size(), 1u) << later.dump();
  EXPECT_EQ(later["withheld"][0]["code"], "agreement_expired");
  EXPECT_DOUBLE_EQ(gauge("accord_agreement_expiry_seconds", "met-lvws-referral@1"), -86400.0);
  gateway_.reset();

  // The audit log names the agreement and version of each refusal, so the per-agreement
  // report lists them by reason.
  const json r = report("--agreement met-lvws-referral");
  ASSERT_TRUE(r["refused"].is_array()) << r.dump();
  std::int64_t expired = 0;
  for (const auto& row : r["refused"]) {
    EXPECT_EQ(row["agreement"], "met-lvws-referral@1") << row.dump();
    if (row["code"] == "agreement_expired") expired += row["count"].get<std::int64_t>();
  }
  EXPECT_EQ(expired, 2) << r.dump();

  // The CLI: validate warns (exit 0), list shows the notice column.
  const auto validate = cli("agreements validate " + agreements_.path() + " --agencies " +
                            source_dir() + "/config/agencies.yaml --vocabulary " + source_dir() +
                            "/config/vocabulary.yaml --now 2027-06-02");
  EXPECT_EQ(validate.status, 0) << validate.output;
  EXPECT_NE(validate.output.find("warning"), std::string::npos) << validate.output;
  EXPECT_NE(validate.output.find("[expired]"), std::string::npos) << validate.output;
  const auto soon = cli("agreements list " + agreements_.path() + " --now 2027-05-20");
  EXPECT_NE(soon.output.find("(ends in 12 days)"), std::string::npos) << soon.output;
  const auto ended = cli("agreements list " + agreements_.path() + " --now 2027-06-02");
  EXPECT_NE(ended.output.find("(ENDED 2027-06-01: no longer grants)"), std::string::npos)
      << ended.output;
}

TEST_F(AgreementLifecycleTest, GatewayCheckPassesWithAnExpiredActiveAgreement) {
  // The real binary on the real clock: an agreement that ended in 2020 is still `active`.
  const std::string lvws = agreements_.file("met-lvws-referral.yaml");
  edit(lvws, "valid_from: 2026-04-01", "valid_from: 2019-04-01");
  edit(lvws, "valid_until: 2029-04-01", "valid_until: 2020-04-01");
  ASSERT_GT(sign_agreements(agreements_.path(), signatures_dir(dir_)), 0);
  const auto check =
      run_command(binary_dir() + "/gateway/app/accord-gateway --check --config " + config_);
  EXPECT_EQ(check.status, 0) << check.output;
}

TEST_F(AgreementLifecycleTest, ShadowAgreementsAreAuditedAndReported) {
  // Trial 1: the same route to Victim Support, also sharing the officer's details.
  std::string trial = read_text(agreements_.file("met-lvws-referral.yaml"));
  trial = replace_all(trial, "id: met-lvws-referral", "id: met-lvws-trial");
  trial = replace_all(trial, "      data.suspect.*: drop\n      data.officer.*: drop\n",
                      "      data.suspect.*: drop\n      data.officer.*: share\n");
  std::ofstream(agreements_.file("met-lvws-trial.yaml")) << trial << "mode: shadow\n";
  // Trial 2: a recipient that receives no arrests today.
  std::string suk = read_text(agreements_.file("met-lvws-referral.yaml"));
  suk = replace_all(suk, "id: met-lvws-referral", "id: met-suk-trial");
  suk = replace_all(suk, "provider.lvws", "provider.survivors-uk");
  std::ofstream(agreements_.file("met-suk-trial.yaml")) << suk << "mode: shadow\n";

  env_.set_now_ms(ms_at("2027-01-15T09:00:00Z"));
  start();
  // Shadow agreements never grant: the recipients are exactly today's.
  EXPECT_EQ(arrest("shadowed-1")["recipients"], json::array({"provider.lvws", "wcu.met"}));
  EXPECT_EQ(arrest("shadowed-2")["recipients"], json::array({"provider.lvws", "wcu.met"}));
  gateway_.reset();

  const json lvws = report("--shadow met-lvws-trial");
  EXPECT_EQ(lvws["evaluations"], 2) << lvws.dump();
  ASSERT_EQ(lvws["recipients"].size(), 1u) << lvws.dump();
  EXPECT_EQ(lvws["recipients"][0]["recipient"], "provider.lvws");
  EXPECT_EQ(lvws["recipients"][0]["would_share"], 2);
  EXPECT_EQ(lvws["recipients"][0]["exposure"]["changed"], 2) << lvws.dump();
  std::set<std::string> gained;
  for (const auto& f : lvws["fields"]) {
    EXPECT_EQ(f["change"], "+") << f.dump();
    EXPECT_EQ(f["shared"], "drop");
    EXPECT_EQ(f["shadow"], "share");
    EXPECT_EQ(f["count"], 2);
    gained.insert(f["field"].get<std::string>());
  }
  EXPECT_EQ(gained, (std::set<std::string>{"officer.collar", "officer.station"})) << lvws.dump();

  const json suk_report = report("--shadow met-suk-trial@1");
  ASSERT_EQ(suk_report["recipients"].size(), 1u) << suk_report.dump();
  EXPECT_EQ(suk_report["recipients"][0]["recipient"], "provider.survivors-uk");
  EXPECT_EQ(suk_report["recipients"][0]["exposure"]["added"], 2) << suk_report.dump();
  bool arrest_gained = false;
  for (const auto& f : suk_report["fields"]) {
    if (f["field"] == "arrest.custody") arrest_gained = f["change"] == "+" && f["count"] == 2;
    EXPECT_NE(f["field"], "victim.dob") << "a dropped field counted as exposure";
  }
  EXPECT_TRUE(arrest_gained) << suk_report.dump();

  // The records themselves: one decision.shadow per message and shadowed recipient, with the
  // would-be field actions and what was actually shared.
  const auto query = run_command(binary_dir() + "/tools/accord/accord audit query --db " +
                                 dir_.file("spool.db") + " --format jsonl --limit 1000");
  ASSERT_EQ(query.status, 0) << query.output;
  int shadow_records = 0;
  std::istringstream lines(query.output);
  for (std::string line; std::getline(lines, line);) {
    const auto record = json::parse(line, nullptr, false);
    if (!record.is_object() || record["kind"] != "decision.shadow") continue;
    ++shadow_records;
    EXPECT_EQ(record["sender"], "police.met");
    EXPECT_EQ(record["code"], "would_share");
    EXPECT_TRUE(record["fields"].is_array());
    if (record["recipient"] == "provider.lvws") {
      EXPECT_EQ(record["agreement"], "met-lvws-trial@1");
      EXPECT_EQ(record["details"]["enforced"], "met-lvws-referral@1");
      EXPECT_EQ(record["details"]["exposure"], "changed");
    } else {
      EXPECT_EQ(record["agreement"], "met-suk-trial@1");
      EXPECT_EQ(record["details"]["enforced"], "none");
      EXPECT_EQ(record["details"]["exposure"], "added");
    }
  }
  EXPECT_EQ(shadow_records, 4) << query.output;
}

}  // namespace
}  // namespace accord::test
