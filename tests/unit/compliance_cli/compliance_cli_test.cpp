// `accord compliance report --db` run for real against a spool file written by a real
// embedded spool (appends with their decision and compliance.facts records, a lease and an
// ack), with a small rule book and calendar written here. The figures are computed by hand
// below; docs/compliance.md §4 §5 are the rules.
//
// The log (all of November 2026 is GMT, so London time = UTC; 2 November is a Monday):
//   police.met  charge.decided m1 (case 1, S-1) at 02 Nov 10:00; told 05 Nov 08:00 (report
//               i1 at 09:00). Deadline 5 working days: end of Mon 09 Nov → on time.
//   police.met  charge.decided m2 (case 1, S-1) at 03 Nov 10:00; never told. Deadline end of
//               Tue 10 Nov → open at 10 Nov 12:00, missing at 01 Dec.
//   court.snaresbrook hearing.listed h1 (case 1, S-1) at 02 Nov 10:00, a copy for wcu.london
//               acknowledged 03 Nov 15:00; told 05 Nov 11:00 (report i2 at 12:00). Deadline
//               1 working day after the ack: end of Wed 04 Nov → late.
//   police.met  enhanced_rights.changed e1 (case 2, S-2: eligible) at 09 Nov 09:00, then
//               charge.decided m3 (case 2, S-2) at 09 Nov 10:00; never told. Enhanced deadline
//               1 working day: end of Tue 10 Nov → open at 10 Nov 12:00, missing at 01 Dec.
//   police.met  charge.decided m4 at 01 Dec 10:00: outside the November window.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "accord/audit/event.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord {
namespace {

constexpr std::int64_t kNov1 = 1'793'491'200'000;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kHour = 3'600'000;
// "day d, hour h" of November 2026, UTC.
constexpr std::int64_t nov(int d, int h) {
  return kNov1 + (d - 1) * kDay + h * kHour;
}

constexpr const char* kCalendar = R"(version: 1
source: test
years: {first: 2025, last: 2027}
holidays:
  - {date: 2025-01-01, name: New Year's Day}
  - {date: 2026-01-01, name: New Year's Day}
  - {date: 2026-12-25, name: Christmas Day}
  - {date: 2027-01-01, name: New Year's Day}
)";

constexpr const char* kRules = R"(version: 1
rule_sets:
  - id: test-code
    title: A test code
    source: test
    effective_from: 2021-04-01
    duties:
      - id: police-updates
        right: 6
        description: police tell the victim
        events: [charge.decided]
        from: [police]
        informer: police
        deadline_working_days: {standard: 5, enhanced: 1}
      - id: wcu-hearings
        right: 8
        description: the witness care unit tells the victim of a hearing
        events: [hearing.listed]
        from: [court]
        informer: wcu
        deadline_working_days: {standard: 1, enhanced: 1}
)";

template <typename T>
T wait_for(const std::function<void(std::function<void(T)>)>& start) {
  auto p = std::make_shared<std::promise<T>>();
  start([p](T value) { p->set_value(std::move(value)); });
  return p->get_future().get();
}

struct CliRun {
  int code = -1;
  std::string out;
};

CliRun run(const std::string& args) {
  CliRun r;
  const std::string command = std::string(ACCORD_CLI) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    r.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class ComplianceCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("accord-compliance-cli-");
    std::ofstream(dir_->file("rules.yaml")) << kRules;
    std::ofstream(dir_->file("calendar.yaml")) << kCalendar;
    std::ofstream(dir_->file("broken.yaml")) << "version: 1\nrule_sets: {}\n";
    write_log();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static spool::Submission submission(const std::string& sender, const std::string& id,
                                      const std::string& type, const std::string& case_urn,
                                      const std::string& subject, std::int64_t at) {
    spool::Submission s;
    s.sender = sender;
    s.message_id = id;
    s.content_hash = std::string(64, 'a');
    s.event_type = type;
    s.case_urn = case_urn;
    s.subject_ref = subject;
    s.received_at_ms = at;
    return s;
  }
  static audit::Event event(const spool::Submission& s, std::string_view kind) {
    audit::Event e;
    e.kind = kind;
    e.at_ms = s.received_at_ms;
    e.message_id = s.message_id;
    e.sender = s.sender;
    e.event_type = s.event_type;
    e.case_urn = s.case_urn;
    e.subject_role = "victim";
    e.subject_ref = s.subject_ref;
    return e;
  }
  static void add_copy(spool::Submission& s, const std::string& recipient) {
    auto e = event(s, audit::kind::kDecisionAccepted);
    e.recipient = recipient;
    e.agreement = "test@1";
    s.records.push_back({std::move(e), s.copies.size()});
    s.copies.push_back({recipient, "{}"});
  }
  // The submission's compliance.facts record, details as docs/compliance.md §3 orders them.
  static void add_facts(spool::Submission& s,
                        std::vector<std::pair<std::string, std::string>> details) {
    auto e = event(s, "compliance.facts");
    e.details = std::move(details);
    s.records.push_back({std::move(e)});
  }
  static void append(spool::Spool& spool, spool::Submission s) {
    auto r = wait_for<Result<spool::AppendResult>>(
        [&](auto done) { spool.append(std::move(s), std::move(done)); });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  static void write_log() {
    auto signer = crypto::GatewaySigner::load_or_create(dir_->file("gateway.key"), kNov1);
    ASSERT_TRUE(signer.ok());
    auto sign = std::make_shared<crypto::GatewaySigner>(*signer);
    spool::SqliteSpoolOptions o;
    o.path = dir_->file("spool.db");
    o.audit.sign = [sign](std::string_view bytes) { return sign->sign(bytes); };
    o.audit.checkpoint_every_records = 1'000'000;
    o.audit.checkpoint_every_ms = 3'600'000;
    o.audit.now_ms = [] { return nov(1, 0); };
    auto opened = spool::open_sqlite_spool(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto& spool = **opened;

    const std::string c1 = "urn:accord:case:police:1", c2 = "urn:accord:case:police:2";
    auto m1 = submission("police.met", "m1", "charge.decided", c1, "S-1", nov(2, 10));
    add_copy(m1, "cps.london");
    add_facts(m1, {{"occurred_at", "2026-11-02T09:00:00.000Z"}});
    append(spool, m1);
    auto h1 = submission("court.snaresbrook", "h1", "hearing.listed", c1, "S-1", nov(2, 10));
    add_copy(h1, "wcu.london");
    add_facts(h1, {{"occurred_at", "2026-11-02T09:00:00.000Z"}});
    append(spool, h1);
    auto m2 = submission("police.met", "m2", "charge.decided", c1, "S-1", nov(3, 10));
    add_facts(m2, {{"occurred_at", "2026-11-03T09:00:00.000Z"}});
    append(spool, m2);

    auto leased = wait_for<Result<std::vector<spool::Delivery>>>([&](auto done) {
      spool.lease(spool::LeaseRequest{"wcu.london", 10, 30'000, nov(3, 14)}, std::move(done));
    });
    ASSERT_TRUE(leased.ok());
    ASSERT_EQ(leased->size(), 1u);
    auto acked = wait_for<Result<spool::AckOutcome>>([&](auto done) {
      spool.ack(spool::AckRequest{"wcu.london", leased->front().delivery_id, nov(3, 15)},
                std::move(done));
    });
    ASSERT_TRUE(acked.ok());

    auto i1 = submission("police.met", "i1", "victim.informed", c1, "S-1", nov(5, 9));
    add_facts(i1, {{"occurred_at", "2026-11-05T08:00:00.000Z"},
                   {"informs_sender", "police.met"},
                   {"informs_message_id", "m1"},
                   {"informs_event_type", "charge.decided"},
                   {"informed_at", "2026-11-05T08:00:00.000Z"},
                   {"channel", "phone"}});
    append(spool, i1);
    auto i2 = submission("wcu.london", "i2", "victim.informed", c1, "S-1", nov(5, 12));
    add_facts(i2, {{"occurred_at", "2026-11-05T11:00:00.000Z"},
                   {"informs_sender", "court.snaresbrook"},
                   {"informs_message_id", "h1"},
                   {"informs_event_type", "hearing.listed"},
                   {"informed_at", "2026-11-05T11:00:00.000Z"},
                   {"channel", "letter"}});
    append(spool, i2);
    auto e1 = submission("police.met", "e1", "enhanced_rights.changed", c2, "S-2", nov(9, 9));
    add_facts(e1, {{"occurred_at", "2026-11-09T08:00:00.000Z"}, {"enhanced", "true"}});
    append(spool, e1);
    auto m3 = submission("police.met", "m3", "charge.decided", c2, "S-2", nov(9, 10));
    add_facts(m3, {{"occurred_at", "2026-11-09T09:00:00.000Z"}});
    append(spool, m3);
    auto m4 = submission("police.met", "m4", "charge.decided", c1, "S-1", nov(31, 10));
    add_facts(m4, {{"occurred_at", "2026-12-01T09:00:00.000Z"}});
    append(spool, m4);
    spool.shutdown();
  }

  static std::string args(const std::string& extra) {
    return "compliance report --from 2026-11-01 --to 2026-12-01 --db " + dir_->file("spool.db") +
           " --rules " + dir_->file("rules.yaml") + " --calendar " + dir_->file("calendar.yaml") +
           " " + extra;
  }

  static testing::TempDir* dir_;
};

testing::TempDir* ComplianceCliTest::dir_ = nullptr;

TEST_F(ComplianceCliTest, CsvAtTheStartOfDecember) {
  const CliRun r = run(args("--as-of 2026-12-01T12:00:00Z --format csv"));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out,
            "agency,right,rule,month,enhanced,on_time,late,missing,open\r\n"
            "police.met,6,test-code/police-updates,2026-11,false,1,0,1,0\r\n"
            "police.met,6,test-code/police-updates,2026-11,true,0,0,1,0\r\n"
            "wcu.london,8,test-code/wcu-hearings,2026-11,false,0,1,0,0\r\n");
}

TEST_F(ComplianceCliTest, JsonJudgedEarlierSeesOpenClocks) {
  const CliRun r = run(args("--as-of 2026-11-10T12:00:00Z --format json --clocks"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["total"], nlohmann::json::parse(R"({"on_time":1,"late":1,"missing":0,"open":2})"));
  EXPECT_EQ(doc["by_right"], nlohmann::json::parse(R"([
      {"right":6,"on_time":1,"late":0,"missing":0,"open":2},
      {"right":8,"on_time":0,"late":1,"missing":0,"open":0}])"));
  ASSERT_EQ(doc["clocks"].size(), 4u);
  // Sorted by start: m1 (02 Nov 10:00), m2 (03 Nov 10:00), h1 (its ack, 03 Nov 15:00), m3.
  EXPECT_EQ(doc["clocks"][0]["message_id"], "m1");
  EXPECT_EQ(doc["clocks"][0]["stopped_at"], "2026-11-05T08:00:00.000Z");
  EXPECT_EQ(doc["clocks"][0]["stopped_by"], "police.met/i1");
  EXPECT_EQ(doc["clocks"][1]["message_id"], "m2");
  EXPECT_EQ(doc["clocks"][2]["message_id"], "h1");
  EXPECT_EQ(doc["clocks"][2]["start_basis"], "acknowledged");
  EXPECT_EQ(doc["clocks"][2]["started_at"], "2026-11-03T15:00:00.000Z");
  EXPECT_EQ(doc["clocks"][2]["deadline"], "2026-11-05T00:00:00.000Z");
  EXPECT_EQ(doc["clocks"][3]["message_id"], "m3");
  EXPECT_EQ(doc["clocks"][3]["enhanced"], true);
  EXPECT_EQ(doc["clocks"][3]["deadline"], "2026-11-11T00:00:00.000Z");
}

TEST_F(ComplianceCliTest, RecordsAfterAsOfAreNotKnownYet) {
  // At 04 Nov 12:00 the ack is known but no report of telling anyone yet: m1 and m2 open,
  // and h1 open too (its deadline is the end of 04 Nov).
  const CliRun r = run(args("--as-of 2026-11-04T12:00:00Z --format json"));
  ASSERT_EQ(r.code, 0);
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["total"], nlohmann::json::parse(R"({"on_time":0,"late":0,"missing":0,"open":3})"));
}

TEST_F(ComplianceCliTest, TableFilteredByAgency) {
  const CliRun r = run(args("--as-of 2026-12-01T12:00:00Z --agency wcu.london"));
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("wcu.london"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("police.met"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("test-code/wcu-hearings"), std::string::npos);
}

TEST_F(ComplianceCliTest, RightFilter) {
  const CliRun r = run(args("--as-of 2026-12-01T12:00:00Z --right 6 --format json"));
  ASSERT_EQ(r.code, 0);
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["filter"]["right"], 6);
  EXPECT_EQ(doc["total"], nlohmann::json::parse(R"({"on_time":1,"late":0,"missing":2,"open":0})"));
}

TEST_F(ComplianceCliTest, LocalProblemsExitOne) {
  EXPECT_EQ(
      run("compliance report --from 2026-11-01 --to 2026-12-01 --db " + dir_->file("missing.db") +
          " --rules " + dir_->file("rules.yaml") + " --calendar " + dir_->file("calendar.yaml"))
          .code,
      1);
  EXPECT_EQ(
      run("compliance report --from 2026-11-01 --to 2026-12-01 --db " + dir_->file("spool.db") +
          " --rules " + dir_->file("broken.yaml") + " --calendar " + dir_->file("calendar.yaml"))
          .code,
      1);
  EXPECT_EQ(
      run("compliance report --from 2026-11-01 --to 2026-12-01 --db " + dir_->file("spool.db") +
          " --rules " + dir_->file("rules.yaml") + " --calendar " + dir_->file("no-such.yaml"))
          .code,
      1);
}

}  // namespace
}  // namespace accord
