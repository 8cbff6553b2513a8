// The gateway's compliance tracker end to end (docs/compliance.md §6): the real gateway in
// this process on a FakeEnv clock, real mTLS clients, the SQLite spool in a temp dir.
// A small flow of three police updates (the vcop-2020 duty police-updates: 5 working days,
// 1 for a victim with enhanced rights) in November 2026, whose figures are counted by hand:
//
//   A  case 01MP0000001, standard, received Mon 02 Nov 09:00Z, deadline end of Mon 09 Nov
//      (5 working days: 03 04 05 06 09), informed Thu 05 Nov 09:00Z          → on_time
//   B  case 01MP0000002, enhanced, received Mon 02 Nov 10:00Z, deadline end of Tue 03 Nov
//      (1 working day), never informed                                      → missing
//   C  case 01MP0000003, standard, received Fri 06 Nov 09:00Z, deadline end of Fri 13 Nov
//      (09 10 11 12 13), never informed: open at Fri 06 Nov 12:00Z, missing on 1 Dec
//
// November 2026 has no bank holiday in England and Wales.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kMon02Nov0900 = 1'793'610'000'000;  // 2026-11-02T09:00:00Z
constexpr std::int64_t kThu05Nov1000 = kMon02Nov0900 + 73 * kHour;
constexpr std::int64_t kFri06Nov0900 = kMon02Nov0900 + 96 * kHour;
constexpr std::int64_t kFri06Nov1200 = kFri06Nov0900 + 3 * kHour;
constexpr std::int64_t kTue01Dec0030 = 1'796'085'000'000;  // 2026-12-01T00:30:00Z

json arrest(const std::string& id, const std::string& case_urn, bool enhanced_rights) {
  return {{"id", id},
          {"type", "suspect.arrested"},
          {"case", {{"urn", case_urn}, {"owner", "police.met"}}},
          {"subject", {{"role", "victim"}, {"ref", "V-" + case_urn}}},
          {"occurred_at", "2026-11-02T08:00:00Z"},
          {"classification", "OFFICIAL-SENSITIVE"},
          {"data",
           {{"arrest", {{"next_step", "interview"}}},
            {"enhanced_rights", {{"eligible", enhanced_rights}}}}}};
}

json informed(const std::string& id, const std::string& case_urn, const std::string& about,
              const std::string& informed_at) {
  return {{"id", id},
          {"type", "victim.informed"},
          {"case", {{"urn", case_urn}, {"owner", "police.met"}}},
          {"subject", {{"role", "victim"}, {"ref", "V-" + case_urn}}},
          {"occurred_at", informed_at},
          {"classification", "OFFICIAL-SENSITIVE"},
          {"data",
           {{"informs",
             {{"message_id", about}, {"event_type", "suspect.arrested"}, {"sender", "police.met"}}},
            {"channel", "phone"},
            {"informed_at", informed_at}}}};
}

std::string compliance_section() {
  const std::string config = source_dir() + "/config/compliance/";
  return "compliance:\n"
         "  rules: " +
         config +
         "victims-code.yaml\n"
         "  calendar: " +
         config +
         "bank-holidays-england-and-wales.yaml\n"
         "  refresh_seconds: 3600\n"  // the tests refresh by hand after moving the clock
         "  oversight_feed: {sender: gateway.london, recipient: oversight.mopac}\n";
}

class ComplianceMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The sample agreements: accord-mopac-compliance grants the summary to MOPAC.
    config_ = write_config(dir_, compliance_section());
    start();
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

  void submit(const json& envelope) {
    const auto r = call("police.met", verb::post, "/v1/messages", envelope.dump());
    ASSERT_EQ(r.status, 202u) << r.body;
  }

  // The three updates of the header, A informed on Thursday.
  void play_flow() {
    env_.set_now_ms(kMon02Nov0900);
    submit(arrest("arr-a", "01MP0000001", false));
    env_.set_now_ms(kMon02Nov0900 + kHour);
    submit(arrest("arr-b", "01MP0000002", true));
    env_.set_now_ms(kThu05Nov1000);
    submit(informed("inf-a", "01MP0000001", "arr-a", "2026-11-05T09:00:00Z"));
    env_.set_now_ms(kFri06Nov0900);
    submit(arrest("arr-c", "01MP0000003", false));
  }

  // `family{labels} value` from /metrics; NaN (and a failure) when absent.
  double metric(const std::string& series) {
    const auto metrics = call("admin", verb::get, "/metrics", {}, true);
    EXPECT_EQ(metrics.status, 200u);
    const auto at = metrics.body.find(series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << series << " not in /metrics:\n" << metrics.body;
      return std::nan("");
    }
    return std::stod(metrics.body.substr(at + series.size() + 1));
  }

  // The audit records of `kind` (auditor, admin listener).
  std::vector<json> audit_records(const std::string& kind) {
    const auto r =
        call("auditor", verb::get, "/v1/admin/audit/records?kind=" + kind, {}, /*admin=*/true);
    EXPECT_EQ(r.status, 200u) << r.body;
    std::vector<json> out;
    std::size_t start = 0;
    while (start < r.body.size()) {
      const auto end = r.body.find('\n', start);
      out.push_back(json::parse(r.body.substr(start, end - start), nullptr, false));
      start = end == std::string::npos ? r.body.size() : end + 1;
    }
    return out;
  }

  // oversight.mopac's copies of the monthly summaries, leased and acknowledged.
  std::vector<json> mopac_summaries() {
    const auto leased = call("oversight.mopac", verb::get, "/v1/inbox?max=100");
    EXPECT_EQ(leased.status, 200u) << leased.body;
    std::vector<json> out;
    for (const auto& message : json::parse(leased.body, nullptr, false)["messages"]) {
      const auto acked = call("oversight.mopac", verb::post,
                              "/v1/inbox/" + message["delivery_id"].get<std::string>() + "/ack");
      EXPECT_EQ(acked.status, 200u) << acked.body;
      out.push_back(message);
    }
    return out;
  }

  TempDir dir_;
  // Monday 2 November 2026, 08:00Z: the gateway's clock, moved by the tests.
  env::FakeEnv env_{kMon02Nov0900 - kHour};
  std::string config_;
  std::unique_ptr<InProcessGateway> gateway_;
};

TEST_F(ComplianceMonitorTest, ReportHasTheFiguresCountedByHand) {
  ASSERT_NO_FATAL_FAILURE(play_flow());
  env_.set_now_ms(kFri06Nov1200);
  const auto r = call("auditor", verb::get,
                      "/v1/admin/compliance/report?from=2026-11-01&to=2026-12-01"
                      "&as_of=2026-11-06T12:00:00Z&agency=police.met&format=json",
                      {}, /*admin=*/true);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json report = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.body;
  EXPECT_EQ(report["total"], (json{{"on_time", 1}, {"late", 0}, {"missing", 1}, {"open", 1}}))
      << report.dump(2);
  // Standard and enhanced apart: A on time and C open (standard), B missing (enhanced).
  int rows = 0;
  for (const auto& row : report["rows"]) {
    ++rows;
    EXPECT_EQ(row["agency"], "police.met");
    EXPECT_EQ(row["right"], 6);
    if (row["enhanced"] == true) {
      EXPECT_EQ(row["missing"], 1) << row.dump();
      EXPECT_EQ(row["on_time"], 0) << row.dump();
    } else {
      EXPECT_EQ(row["on_time"], 1) << row.dump();
      EXPECT_EQ(row["open"], 1) << row.dump();
    }
  }
  EXPECT_EQ(rows, 2) << report.dump(2);

  // The same figures as CSV and as a table; and for another agency, none.
  const auto csv =
      call("auditor", verb::get,
           "/v1/admin/compliance/report?as_of=2026-11-06T12:00:00Z&format=csv", {}, true);
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_NE(csv.body.find("police.met"), std::string::npos) << csv.body;
  const auto other =
      call("auditor", verb::get, "/v1/admin/compliance/report?agency=wcu.met&right=6", {}, true);
  ASSERT_EQ(other.status, 200u) << other.body;
  EXPECT_EQ(json::parse(other.body, nullptr, false)["total"],
            (json{{"on_time", 0}, {"late", 0}, {"missing", 0}, {"open", 0}}));
}

TEST_F(ComplianceMonitorTest, ReportIsForAuditorsAndEveryReadIsAudited) {
  ASSERT_NO_FATAL_FAILURE(play_flow());
  const std::string target = "/v1/admin/compliance/report?right=6&format=table";
  EXPECT_EQ(call("admin", verb::get, target, {}, true).status, 403u);
  EXPECT_EQ(call("police.met", verb::get, target, {}, true).status, 403u);
  EXPECT_EQ(call("auditor", verb::post, target, {}, true).status, 405u);
  const auto bad = call("auditor", verb::get, "/v1/admin/compliance/report?right=13", {}, true);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(json::parse(bad.body, nullptr, false)["path"], "right") << bad.body;
  const auto table = call("auditor", verb::get, target, {}, true);
  ASSERT_EQ(table.status, 200u) << table.body;
  EXPECT_NE(table.body.find("police.met"), std::string::npos) << table.body;

  // Refusals disclose nothing and are not recorded; the one answered read is.
  std::vector<json> reads;
  for (const auto& record : audit_records("audit.read")) {
    if (record["details"]["endpoint"] == "compliance.report") reads.push_back(record);
  }
  ASSERT_EQ(reads.size(), 1u);
  const auto& details = reads.front()["details"];
  EXPECT_EQ(details["actor_role"], "auditor");
  EXPECT_EQ(details["returned"], "3");  // the three clocks of right 6
  const json filter = json::parse(details["filter"].get<std::string>(), nullptr, false);
  EXPECT_EQ(filter["right"], "6");
  EXPECT_EQ(filter["format"], "table");
  EXPECT_TRUE(filter.contains("as_of"));
}

TEST_F(ComplianceMonitorTest, MetricsShowOpenClocksAndBreaches) {
  ASSERT_NO_FATAL_FAILURE(play_flow());
  env_.set_now_ms(kFri06Nov1200);
  ASSERT_TRUE(gateway_->gateway().refresh_compliance().ok());
  const std::string police6 = "agency=\"police.met\",right=\"6\"";
  EXPECT_EQ(metric("accord_compliance_open_clocks{" + police6 + "}"), 1.0);
  EXPECT_EQ(metric("accord_compliance_breaches{" + police6 + ",status=\"late\"}"), 0.0);
  EXPECT_EQ(metric("accord_compliance_breaches{" + police6 + ",status=\"missing\"}"), 1.0);
  EXPECT_GT(metric("accord_compliance_last_seq"), 0.0);

  // Saturday 14 November: C has missed its deadline (end of Friday 13) too; nothing is open.
  env_.set_now_ms(kFri06Nov1200 + 8 * 24 * kHour);
  ASSERT_TRUE(gateway_->gateway().refresh_compliance().ok());
  EXPECT_EQ(metric("accord_compliance_open_clocks{" + police6 + "}"), 0.0);
  EXPECT_EQ(metric("accord_compliance_breaches{" + police6 + ",status=\"missing\"}"), 2.0);
}

TEST_F(ComplianceMonitorTest, FeedReachesMopacOnceTheMonthHasEnded) {
  ASSERT_NO_FATAL_FAILURE(play_flow());
  ASSERT_TRUE(gateway_->gateway().refresh_compliance().ok());
  // Only October's (empty) summary so far: November has not ended.
  for (const auto& message : mopac_summaries()) {
    EXPECT_EQ(message["message_id"], "compliance-summary-2026-10") << message.dump();
  }

  env_.set_now_ms(kTue01Dec0030);
  ASSERT_TRUE(gateway_->gateway().refresh_compliance().ok());
  const auto summaries = mopac_summaries();
  ASSERT_EQ(summaries.size(), 1u);
  const auto& message = summaries.front();
  EXPECT_EQ(message["message_id"], "compliance-summary-2026-11");
  EXPECT_EQ(message["sender"], "gateway.london");
  const json& envelope = message["envelope"];
  EXPECT_EQ(envelope["type"], "compliance.summary");
  EXPECT_EQ(envelope["case"]["urn"], "accord-compliance-2026-11");
  EXPECT_EQ(envelope["subject"], (json{{"role", "victim"}, {"ref", "aggregate"}}));
  EXPECT_EQ(envelope["data"]["period"], "2026-11");
  EXPECT_EQ(envelope["data"]["rule_sets"], json::array({"vcop-2020"}));
  // On 1 December: A on time; C missing (standard); B missing (enhanced).
  EXPECT_EQ(envelope["data"]["rows"],
            json::parse(R"([{"agency":"police.met","right":6,"enhanced":false,"on_time":1,)"
                        R"("late":0,"missing":1,"open":0},{"agency":"police.met","right":6,)"
                        R"("enhanced":true,"on_time":0,"late":0,"missing":1,"open":0}])"))
      << envelope.dump(2);

  // A second refresh sends nothing; neither does a restarted gateway, whose resend the
  // pipeline answers as sent before (its figures were judged at another instant).
  env_.set_now_ms(kTue01Dec0030 + kHour);
  ASSERT_TRUE(gateway_->gateway().refresh_compliance().ok());
  start();
  ASSERT_TRUE(gateway_->gateway().refresh_compliance().ok());
  EXPECT_TRUE(mopac_summaries().empty());
  EXPECT_EQ(metric("accord_compliance_feed_failures_total"), 0.0);
  int stored = 0;
  for (const auto& record : audit_records("decision.accepted")) {
    if (record["message_id"] == "compliance-summary-2026-11") ++stored;
  }
  EXPECT_EQ(stored, 1);
}

TEST_F(ComplianceMonitorTest, AdminSendsAMonthOnRequest) {
  env_.set_now_ms(kTue01Dec0030);
  const std::string target = "/v1/admin/compliance/feed?month=2026-11";
  EXPECT_EQ(call("auditor", verb::post, target, {}, true).status, 403u);
  const auto early = call("admin", verb::post, "/v1/admin/compliance/feed?month=2026-12", {}, true);
  EXPECT_EQ(early.status, 400u) << early.body;
  auto sent = call("admin", verb::post, target, {}, true);
  ASSERT_EQ(sent.status, 200u) << sent.body;
  const json answer = json::parse(sent.body, nullptr, false);
  EXPECT_EQ(answer["message_id"], "compliance-summary-2026-11");
  // The refresh at start may have sent it already (the clock was past November's end).
  EXPECT_TRUE(answer["status"] == "sent" || answer["status"] == "already_sent") << sent.body;
  auto again = call("admin", verb::post, target, {}, true);
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(json::parse(again.body, nullptr, false)["status"], "already_sent");
  int actions = 0;
  for (const auto& record : audit_records("admin.action")) {
    if (record["details"]["action"] != "compliance.feed") continue;
    ++actions;
    EXPECT_EQ(record["details"]["actor_role"], "admin");
  }
  EXPECT_EQ(actions, 3);  // the refused early month too, with its code
}

TEST(ComplianceUnconfigured, AnswersServiceUnavailable) {
  TempDir dir;
  InProcessGateway gateway(write_config(dir));
  auto auditor = make_client("auditor", gateway.admin_port());
  auto r = auditor->request(verb::get, "/v1/admin/compliance/report", "", "application/json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503u);
  EXPECT_EQ(json::parse(r->body, nullptr, false)["code"], "compliance_unconfigured") << r->body;
  EXPECT_EQ(gateway.gateway().refresh_compliance().error().code, "compliance_unconfigured");
}

}  // namespace
}  // namespace accord::test
