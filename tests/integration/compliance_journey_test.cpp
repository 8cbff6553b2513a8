// The London journey of docs/compliance.md §10, end to end: the real gateway in this process
// with the sample agencies and agreements, real mTLS clients per agency, the SQLite spool in
// a temp dir, and a FakeEnv clock the test moves to each planned instant (Christmas 2026 and
// New Year 2027, across weekends and bank holidays). The journey's clocks and the report are
// then read back from the audit log the gateway wrote and compared, cell by cell, with the
// figures counted by hand in §10 (not by the code under test).
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/compliance/calendar.hpp"
#include "accord/compliance/clocks.hpp"
#include "accord/compliance/flow_record.hpp"
#include "accord/compliance/report.hpp"
#include "accord/compliance/rules.hpp"
#include "accord/core/time_format.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/spool/audit_reader.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

// "2026-12-21T09:00:00Z" → Unix ms (the test's own parser: UTC only, whole seconds).
std::int64_t ms(const std::string& utc) {
  std::tm tm{};
  if (!strptime(utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
    throw std::runtime_error("bad test time " + utc);
  }
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

// Case A: a burglary, standard rights. Case B: domestic abuse, enhanced rights.
constexpr const char* kCaseA = "01MP0092101";
constexpr const char* kVictimA = "V-21A0C001";
constexpr const char* kCaseB = "01MP0092302";
constexpr const char* kVictimB = "V-23B0C002";

json envelope(const std::string& id, const std::string& type, const std::string& case_urn,
              const std::string& victim, const std::string& occurred_at, json data) {
  return {{"id", id},
          {"type", type},
          {"case", {{"urn", case_urn}, {"owner", "police.met"}}},
          {"subject", {{"role", "victim"}, {"ref", victim}}},
          {"occurred_at", occurred_at},
          {"classification", "OFFICIAL-SENSITIVE"},
          {"data", std::move(data)}};
}

json enhanced(bool eligible) {
  return {{"enhanced_rights", {{"eligible", eligible}}}};
}

json referral(bool eligible, const std::string& category) {
  json data = enhanced(eligible);
  data["victim"] = {{"preferred_language", "en"}};
  data["offence"] = {{"category", category}};
  data["consent"] = {{"referral", "explicit"}};
  return data;
}

// victim.informed: `informer` told the victim about `sender`'s message `id` of `type`.
json informed(const std::string& id, const std::string& case_urn, const std::string& victim,
              const std::string& sender, const std::string& about_id, const std::string& about_type,
              const std::string& informed_at, const std::string& channel) {
  return envelope(
      id, "victim.informed", case_urn, victim, informed_at,
      {{"informs", {{"message_id", about_id}, {"event_type", about_type}, {"sender", sender}}},
       {"channel", channel},
       {"informed_at", informed_at}});
}

// One line of the §10 journey table: at `at`, `who` submits `envelope` (answered 202 with
// exactly `recipients`), or acknowledges its copy of message `ack`.
struct Step {
  std::string at;
  std::string who;
  json envelope;
  std::vector<std::string> recipients;
  std::string ack;
};

std::vector<Step> journey() {
  const std::vector<std::string> none;
  const std::vector<std::string> wcu{"wcu.met"};
  const std::vector<std::string> lvws{"provider.lvws"};
  const std::vector<std::string> wcu_lvws{"provider.lvws", "wcu.met"};
  return {
      {"2026-12-21T09:00:00Z", "police.met",  // 1
       envelope("met-crime-2026-0921", "crime.recorded", kCaseA, kVictimA, "2026-12-21T08:00:00Z",
                enhanced(false)),
       none, ""},
      {"2026-12-21T11:00:00Z", "police.met",  // 2
       envelope("met-ref-2026-0921", "referral.created", kCaseA, kVictimA, "2026-12-21T10:55:00Z",
                referral(false, "burglary_dwelling")),
       lvws, ""},
      {"2026-12-21T15:00:00Z", "police.met",  // 3
       envelope("met-arr-2026-0921", "suspect.arrested", kCaseA, kVictimA, "2026-12-21T14:30:00Z",
                {{"arrest", {{"next_step", "interview"}}}}),
       wcu_lvws, ""},
      {"2026-12-22T10:00:00Z", "cps.london",  // 4
       envelope("cps-chg-2026-0921", "charge.decided", kCaseA, kVictimA, "2026-12-22T09:30:00Z",
                {{"decision", {{"outcome", "charged"}}}}),
       wcu, ""},
      {"2026-12-23T16:00:00Z", "police.met",  // 5
       envelope("met-crime-2026-0923", "crime.recorded", kCaseB, kVictimB, "2026-12-23T15:00:00Z",
                enhanced(true)),
       none, ""},
      {"2026-12-24T11:00:00Z", "police.met",  // 6
       envelope("met-arr-2026-0923", "suspect.arrested", kCaseB, kVictimB, "2026-12-24T10:15:00Z",
                enhanced(true)),
       wcu_lvws, ""},
      {"2026-12-29T10:05:00Z", "police.met",  // 7
       informed("met-inf-2026-0921", kCaseA, kVictimA, "police.met", "met-arr-2026-0921",
                "suspect.arrested", "2026-12-29T10:00:00Z", "phone"),
       none, ""},
      {"2026-12-30T09:00:00Z", "police.met",  // 8
       envelope("met-ref-2026-0923", "referral.created", kCaseB, kVictimB, "2026-12-30T08:50:00Z",
                referral(true, "assault_domestic")),
       lvws, ""},
      {"2026-12-30T09:40:00Z", "police.met",  // 9
       informed("met-inf-2026-0923", kCaseB, kVictimB, "police.met", "met-arr-2026-0923",
                "suspect.arrested", "2026-12-30T09:30:00Z", "phone"),
       none, ""},
      {"2026-12-31T12:00:00Z", "cps.london",  // 10
       envelope("cps-chg-2026-0923", "charge.decided", kCaseB, kVictimB, "2026-12-31T11:30:00Z",
                {{"decision", {{"outcome", "charged"}}}}),
       wcu, ""},
      {"2027-01-04T10:00:00Z", "court.london",  // 11
       envelope("hmcts-lst-2027-0923", "hearing.listed", kCaseB, kVictimB, "2027-01-04T09:45:00Z",
                {{"hearing", {{"date", "2027-02-15"}}}}),
       wcu, ""},
      {"2027-01-04T14:10:00Z", "cps.london",  // 12
       informed("cps-inf-2027-0923", kCaseB, kVictimB, "cps.london", "cps-chg-2026-0923",
                "charge.decided", "2027-01-04T14:00:00Z", "email"),
       none, ""},
      {"2027-01-04T15:00:00Z", "court.london",  // 13: sent five working days after the sentence
       envelope("hmcts-sen-2027-0921", "sentence.passed", kCaseA, kVictimA, "2026-12-23T12:00:00Z",
                {{"sentence", {{"type", "community_order"}}}}),
       wcu, ""},
      {"2027-01-05T09:00:00Z", "wcu.met", {}, {}, "hmcts-sen-2027-0921"},  // 14
      {"2027-01-05T11:05:00Z", "wcu.met",                                  // 15
       informed("wcu-inf-2027-0921", kCaseA, kVictimA, "court.london", "hmcts-sen-2027-0921",
                "sentence.passed", "2027-01-05T11:00:00Z", "phone"),
       lvws, ""},
      {"2027-01-06T09:00:00Z", "wcu.met", {}, {}, "hmcts-lst-2027-0923"},  // 16: two days late
      {"2027-01-06T10:00:00Z", "court.london",                             // 17: never acked
       envelope("hmcts-adj-2027-0923", "hearing.adjourned", kCaseB, kVictimB,
                "2027-01-06T09:30:00Z", {{"hearing", {{"date", "2027-03-01"}}}}),
       wcu, ""},
      {"2027-01-06T15:05:00Z", "wcu.met",  // 18
       informed("wcu-inf-2027-0923", kCaseB, kVictimB, "court.london", "hmcts-lst-2027-0923",
                "hearing.listed", "2027-01-06T15:00:00Z", "phone"),
       lvws, ""},
  };
}

const std::string kAsOf = "2027-01-08T17:00:00Z";
const std::string kFrom = "2026-12-01T00:00:00Z";
const std::string kTo = "2027-02-01T00:00:00Z";

// The clocks of §10, counted by hand.
struct ExpectedClock {
  std::string name;  // C1 ... C11
  std::string duty;
  int right = 0;
  std::string message_id;
  std::string informer;
  bool enhanced = false;
  std::string start;
  std::string start_basis;
  int working_days = 0;
  std::string deadline;
  std::string stop;  // "" = not stopped
  std::string status;
};

const std::vector<ExpectedClock>& expected_clocks() {
  static const std::vector<ExpectedClock> clocks{
      {"C1", "support-referral", 4, "met-crime-2026-0921", "police.met", false,
       "2026-12-21T09:00:00Z", "submitted", 2, "2026-12-24T00:00:00Z", "2026-12-21T11:00:00Z",
       "on_time"},
      {"C2", "support-referral", 4, "met-crime-2026-0923", "police.met", true,
       "2026-12-23T16:00:00Z", "submitted", 2, "2026-12-30T00:00:00Z", "2026-12-30T09:00:00Z",
       "late"},
      {"C3", "police-updates", 6, "met-arr-2026-0921", "police.met", false, "2026-12-21T15:00:00Z",
       "submitted", 5, "2026-12-31T00:00:00Z", "2026-12-29T10:00:00Z", "on_time"},
      {"C4", "police-updates", 6, "met-arr-2026-0923", "police.met", true, "2026-12-24T11:00:00Z",
       "submitted", 1, "2026-12-30T00:00:00Z", "2026-12-30T09:30:00Z", "late"},
      {"C5", "cps-decisions", 6, "cps-chg-2026-0921", "cps.london", false, "2026-12-22T10:00:00Z",
       "submitted", 5, "2027-01-01T00:00:00Z", "", "missing"},
      {"C6", "cps-decisions", 6, "cps-chg-2026-0923", "cps.london", true, "2026-12-31T12:00:00Z",
       "submitted", 1, "2027-01-05T00:00:00Z", "2027-01-04T14:00:00Z", "on_time"},
      {"C7", "court-to-wcu-results", 9, "hmcts-sen-2027-0921", "wcu.met", false,
       "2026-12-23T12:00:00Z", "occurred", 5, "2027-01-05T00:00:00Z", "2027-01-05T09:00:00Z",
       "late"},
      {"C8", "wcu-outcomes", 9, "hmcts-sen-2027-0921", "wcu.met", false, "2027-01-05T09:00:00Z",
       "acknowledged", 1, "2027-01-07T00:00:00Z", "2027-01-05T11:00:00Z", "on_time"},
      {"C9", "vcs-referral", 11, "hmcts-sen-2027-0921", "wcu.met", false, "2027-01-05T09:00:00Z",
       "acknowledged", 10, "2027-01-20T00:00:00Z", "", "open"},
      {"C10", "wcu-hearings", 8, "hmcts-lst-2027-0923", "wcu.met", true, "2027-01-06T09:00:00Z",
       "acknowledged", 1, "2027-01-08T00:00:00Z", "2027-01-06T15:00:00Z", "on_time"},
      {"C11", "wcu-hearings", 8, "hmcts-adj-2027-0923", "wcu.met", true, "2027-01-06T10:00:00Z",
       "gateway_receipt", 1, "2027-01-08T00:00:00Z", "", "missing"},
  };
  return clocks;
}

// The report's rows of §10: agency, right, rule, month, enhanced, on_time, late, missing, open.
struct ExpectedRow {
  std::string agency;
  int right = 0;
  std::string duty;
  std::string month;
  bool enhanced = false;
  compliance::Tally tally;
};

const std::vector<ExpectedRow>& expected_rows() {
  static const std::vector<ExpectedRow> rows{
      {"cps.london", 6, "vcop-2020/cps-decisions", "2026-12", false, {0, 0, 1, 0}},
      {"cps.london", 6, "vcop-2020/cps-decisions", "2026-12", true, {1, 0, 0, 0}},
      {"police.met", 4, "vcop-2020/support-referral", "2026-12", false, {1, 0, 0, 0}},
      {"police.met", 4, "vcop-2020/support-referral", "2026-12", true, {0, 1, 0, 0}},
      {"police.met", 6, "vcop-2020/police-updates", "2026-12", false, {1, 0, 0, 0}},
      {"police.met", 6, "vcop-2020/police-updates", "2026-12", true, {0, 1, 0, 0}},
      {"wcu.met", 8, "vcop-2020/wcu-hearings", "2027-01", true, {1, 0, 1, 0}},
      {"wcu.met", 9, "vcop-2020/court-to-wcu-results", "2026-12", false, {0, 1, 0, 0}},
      {"wcu.met", 9, "vcop-2020/wcu-outcomes", "2027-01", false, {1, 0, 0, 0}},
      {"wcu.met", 11, "vcop-2020/vcs-referral", "2027-01", false, {0, 0, 0, 1}},
  };
  return rows;
}

// The fold's input, read back from the spool file through the one reading of an audit record
// (the same as `accord compliance report --db` and the gateway's tracker).
std::vector<compliance::FlowRecord> flow_records(const std::string& spool_path) {
  auto reader = spool::AuditReader::open(spool_path);
  if (!reader.ok()) throw std::runtime_error("audit reader: " + reader.error().message);
  std::vector<compliance::FlowRecord> out;
  std::int64_t after = 0;
  for (;;) {
    auto page = reader.value()->query({}, after, spool::kMaxAuditPage);
    if (!page.ok()) throw std::runtime_error("audit query: " + page.error().message);
    for (const auto& row : page->rows) {
      after = row.seq;
      auto flow = compliance::flow_record_from_audit(row.record);
      if (!flow.ok()) throw std::runtime_error("audit record: " + flow.error().message);
      if (flow.value()) out.push_back(std::move(*flow.value()));
    }
    if (!page->more) break;
  }
  return out;
}

class ComplianceJourneyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto config = source_dir() + "/config/compliance/";
    // The gateway tracks compliance with the shipped rule sets and calendar; its periodic
    // refresh is left to the hour (the report folds what it has not seen when asked).
    gateway_ = std::make_unique<InProcessGateway>(
        write_config(dir_, "compliance:\n  rules: " + config + "victims-code.yaml\n" +
                               "  calendar: " + config +
                               "bank-holidays-england-and-wales.yaml\n  refresh_seconds: 3600\n"),
        &env_);
    auto calendar = compliance::WorkingCalendar::load(
        read_source_file("config/compliance/bank-holidays-england-and-wales.yaml"),
        config + "bank-holidays-england-and-wales.yaml");
    ASSERT_TRUE(calendar.ok()) << calendar.error().message << " " << calendar.error().path;
    calendar_ = std::make_unique<compliance::WorkingCalendar>(std::move(calendar.value()));
    auto rules = compliance::RuleBook::load(read_source_file("config/compliance/victims-code.yaml"),
                                            config + "victims-code.yaml");
    ASSERT_TRUE(rules.ok()) << rules.error().message << " " << rules.error().path;
    rules_ = std::make_unique<compliance::RuleBook>(std::move(rules.value()));
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}, std::uint16_t port = 0) {
    auto client = make_client(who, port != 0 ? port : gateway_->port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  // Leases `who`'s mailbox and acknowledges its copy of `message_id` only.
  void ack(const std::string& who, const std::string& message_id) {
    const auto leased = call(who, verb::get, "/v1/inbox?max=100");
    ASSERT_EQ(leased.status, 200u) << leased.body;
    const json answer = json::parse(leased.body, nullptr, false);
    std::string delivery_id;
    for (const auto& message : answer["messages"]) {
      if (message["message_id"] == message_id) delivery_id = message["delivery_id"];
    }
    ASSERT_FALSE(delivery_id.empty()) << who << " has no copy of " << message_id;
    const auto acked = call(who, verb::post, "/v1/inbox/" + delivery_id + "/ack");
    ASSERT_EQ(acked.status, 200u) << acked.body;
  }

  void play_journey() {
    int line = 0;
    for (const auto& step : journey()) {
      ++line;
      SCOPED_TRACE("journey step #" + std::to_string(line));
      env_.set_now_ms(ms(step.at));
      if (!step.ack.empty()) {
        ack(step.who, step.ack);
        continue;
      }
      const auto r = call(step.who, verb::post, "/v1/messages", step.envelope.dump());
      ASSERT_EQ(r.status, 202u) << r.body;
      EXPECT_EQ(json::parse(r.body, nullptr, false)["recipients"], json(step.recipients)) << r.body;
    }
    env_.set_now_ms(ms(kAsOf));
  }

  std::vector<compliance::Clock> clocks_at_as_of() {
    compliance::ClockBook book(*rules_, *calendar_);
    for (const auto& record : flow_records(dir_.file("spool.db"))) book.observe(record);
    EXPECT_TRUE(book.problems().empty()) << book.problems().front();
    return book.clocks(ms(kAsOf));
  }

  TempDir dir_;
  // The gateway's clock: set to each step's planned instant. Outlives the gateway.
  env::FakeEnv env_{ms("2026-12-21T08:00:00Z")};
  std::unique_ptr<InProcessGateway> gateway_;
  std::unique_ptr<compliance::WorkingCalendar> calendar_;
  std::unique_ptr<compliance::RuleBook> rules_;
};

TEST_F(ComplianceJourneyTest, ClocksAreTheOnesCountedByHand) {
  ASSERT_NO_FATAL_FAILURE(play_journey());
  const auto clocks = clocks_at_as_of();
  for (const auto& want : expected_clocks()) {
    SCOPED_TRACE(want.name + " " + want.duty + " " + want.message_id);
    const auto found = std::find_if(clocks.begin(), clocks.end(), [&](const auto& c) {
      return c.duty == want.duty && c.message_id == want.message_id && c.informer == want.informer;
    });
    ASSERT_NE(found, clocks.end());
    const auto& got = *found;
    EXPECT_EQ(got.rule_set, "vcop-2020");
    EXPECT_EQ(got.right, want.right);
    EXPECT_EQ(got.enhanced, want.enhanced);
    EXPECT_EQ(format_time_ms(got.started_at_ms), format_time_ms(ms(want.start)));
    EXPECT_EQ(got.start_basis, want.start_basis);
    EXPECT_EQ(got.deadline_working_days, want.working_days);
    EXPECT_EQ(format_time_ms(got.deadline_ms), format_time_ms(ms(want.deadline)));
    if (want.stop.empty()) {
      EXPECT_FALSE(got.stopped_at_ms.has_value()) << format_time_ms(*got.stopped_at_ms);
    } else {
      ASSERT_TRUE(got.stopped_at_ms.has_value());
      EXPECT_EQ(format_time_ms(*got.stopped_at_ms), format_time_ms(ms(want.stop)));
    }
    EXPECT_EQ(compliance::to_string(got.status), want.status);
  }
  // And no clock the hand count does not have.
  EXPECT_EQ(clocks.size(), expected_clocks().size());
}

TEST_F(ComplianceJourneyTest, ReportIsTheOneCountedByHand) {
  ASSERT_NO_FATAL_FAILURE(play_journey());
  compliance::ReportFilter filter;
  filter.from_ms = ms(kFrom);
  filter.to_ms = ms(kTo);
  filter.as_of_ms = ms(kAsOf);
  const auto report = compliance::build_report(clocks_at_as_of(), filter);

  ASSERT_EQ(report.rows.size(), expected_rows().size());
  for (std::size_t i = 0; i < report.rows.size(); ++i) {
    const auto& got = report.rows[i];
    const auto& want = expected_rows()[i];
    SCOPED_TRACE("row " + std::to_string(i) + " " + want.agency + " " + want.duty);
    EXPECT_EQ(got.agency, want.agency);
    EXPECT_EQ(got.right, want.right);
    EXPECT_EQ(got.duty, want.duty);
    EXPECT_EQ(got.month, want.month);
    EXPECT_EQ(got.enhanced, want.enhanced);
    EXPECT_EQ(got.tally, want.tally);
  }
  using T = compliance::Tally;
  EXPECT_EQ(report.by_agency, (std::map<std::string, T>{{"cps.london", {1, 0, 1, 0}},
                                                        {"police.met", {2, 2, 0, 0}},
                                                        {"wcu.met", {2, 1, 1, 1}}}));
  EXPECT_EQ(report.by_right, (std::map<int, T>{{4, {1, 1, 0, 0}},
                                               {6, {2, 1, 1, 0}},
                                               {8, {1, 0, 1, 0}},
                                               {9, {1, 1, 0, 0}},
                                               {11, {0, 0, 0, 1}}}));
  EXPECT_EQ(report.total, (T{5, 3, 2, 1}));
}

// The same figures from the gateway itself: GET /v1/admin/compliance/report (auditor).
TEST_F(ComplianceJourneyTest, AdminApiReportIsTheOneCountedByHand) {
  ASSERT_NO_FATAL_FAILURE(play_journey());
  const auto r =
      call("auditor", verb::get,
           "/v1/admin/compliance/report?from=" + kFrom + "&to=" + kTo + "&as_of=" + kAsOf, {},
           gateway_->admin_port());
  ASSERT_EQ(r.status, 200u) << r.body;
  const json report = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(report.contains("rows")) << r.body;
  json want_rows = json::array();
  for (const auto& row : expected_rows()) {
    want_rows.push_back({{"agency", row.agency},
                         {"right", row.right},
                         {"rule", row.duty},
                         {"month", row.month},
                         {"enhanced", row.enhanced},
                         {"on_time", row.tally.on_time},
                         {"late", row.tally.late},
                         {"missing", row.tally.missing},
                         {"open", row.tally.open}});
  }
  EXPECT_EQ(report["rows"], want_rows);
  EXPECT_EQ(report["total"], (json{{"on_time", 5}, {"late", 3}, {"missing", 2}, {"open", 1}}));
  EXPECT_EQ(report["problems"], json::array());
}

}  // namespace
}  // namespace accord::test
