// ClockBook (docs/compliance.md §4), table-driven: each case is a short audit log (as the
// pipeline and the spool write it: decision.accepted records, then the submission's
// compliance.facts record; delivery.acked later) and the clocks it must give at an as-of
// time, with a small rule book and calendar written here (not the shipped files).
//
// Dates: 2026-11-02 is a Monday (GMT, so London time = UTC). 2021-03-31 is a Wednesday in
// BST (London = UTC+1); 2021-04-02 and 2021-04-05 are Good Friday and Easter Monday.
#include "accord/compliance/clocks.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "accord/core/time_format.hpp"

namespace accord::compliance {
namespace {

constexpr const char* kCalendar = R"(version: 1
source: test
years: {first: 2021, last: 2027}
holidays:
  - {date: 2021-04-02, name: Good Friday}
  - {date: 2021-04-05, name: Easter Monday}
  - {date: 2022-01-03, name: New Year's Day (substitute day)}
  - {date: 2023-01-02, name: New Year's Day (substitute day)}
  - {date: 2024-01-01, name: New Year's Day}
  - {date: 2025-01-01, name: New Year's Day}
  - {date: 2026-01-01, name: New Year's Day}
  - {date: 2026-12-25, name: Christmas Day}
  - {date: 2026-12-28, name: Boxing Day (substitute day)}
  - {date: 2027-01-01, name: New Year's Day}
)";

constexpr const char* kRules = R"(version: 1
rule_sets:
  - id: old-code
    title: The old code
    source: test
    effective_from: 2015-11-16
    effective_until: 2021-04-01
    duties:
      - id: police-updates
        right: 6
        description: police tell the victim
        events: [charge.decided]
        from: [police]
        informer: police
        deadline_working_days: {standard: 3, enhanced: 1}
  - id: new-code
    title: The new code
    source: test
    effective_from: 2021-04-01
    duties:
      - id: police-updates
        right: 6
        description: police tell the victim
        events: [charge.decided, suspect.arrested]
        from: [police]
        informer: police
        deadline_working_days: {standard: 5, enhanced: 1}
      - id: wcu-hearings
        right: 8
        description: the witness care unit tells the victim of a hearing
        events: [hearing.listed]
        from: [court, cps]
        informer: wcu
        deadline_working_days: {standard: 1, enhanced: 1}
      - id: court-to-wcu-results
        right: 9
        description: the court's result reaches the witness care unit
        events: [case.outcome]
        from: [court]
        informer: wcu
        start: occurred
        stop: received
        deadline_working_days: {standard: 5, enhanced: 5}
      - id: support-referral
        right: 4
        description: police refer the victim to support
        events: [crime.recorded]
        from: [police]
        informer: police
        stop: {follow_up: [referral.created]}
        deadline_working_days: {standard: 2, enhanced: 2}
      - id: complaint-acknowledged
        right: 12
        description: a complaint is acknowledged
        events: [complaint.received]
        informer: sender
        stop: {follow_up: [complaint.acknowledged]}
        deadline_working_days: {standard: 10, enhanced: 10}
)";

const std::string kCase = "urn:accord:case:police:1";
const std::string kOtherCase = "urn:accord:case:police:2";

// "2026-11-02 10:00" (UTC) → Unix ms.
std::int64_t ms(const std::string& text) {
  const auto date = parse_civil_date(text.substr(0, 10));
  EXPECT_TRUE(date.ok()) << text;
  std::int64_t out = days_from_civil(*date) * 86'400'000;
  if (text.size() >= 16) {
    out += std::stoll(text.substr(11, 2)) * 3'600'000 + std::stoll(text.substr(14, 2)) * 60'000;
  }
  if (text.size() >= 19) out += std::stoll(text.substr(17, 2)) * 1000;
  if (text.size() >= 23) out += std::stoll(text.substr(20, 3));
  return out;
}

FlowRecord base(const std::string& kind, const std::string& at, const std::string& sender,
                const std::string& id, const std::string& type) {
  FlowRecord r;
  r.kind = kind;
  r.at_ms = ms(at);
  r.sender = sender;
  r.message_id = id;
  r.event_type = type;
  r.case_urn = kCase;
  r.subject_ref = "S-1";
  return r;
}

// The compliance.facts record of a submission.
FlowRecord facts(const std::string& at, const std::string& sender, const std::string& id,
                 const std::string& type) {
  auto r = base("compliance.facts", at, sender, id, type);
  r.facts.occurred_at_ms = r.at_ms - 3'600'000;
  return r;
}
FlowRecord occurred(FlowRecord r, const std::string& when) {
  r.facts.occurred_at_ms = ms(when);
  return r;
}
FlowRecord subject(FlowRecord r, const std::string& case_urn, const std::string& ref) {
  r.case_urn = case_urn;
  r.subject_ref = ref;
  return r;
}
FlowRecord enhanced(const std::string& at, bool eligible) {
  auto r = facts(at, "police.met", "er-" + at, "enhanced_rights.changed");
  r.facts.enhanced = eligible;
  return r;
}
// victim.informed from `informer` about (about_sender, about_id), told at `told`.
FlowRecord informed(const std::string& at, const std::string& informer, const std::string& id,
                    const std::string& about_sender, const std::string& about_id,
                    const std::string& told) {
  auto r = facts(at, informer, id, "victim.informed");
  r.facts.informed = InformedFact{about_sender, about_id, "charge.decided", ms(told), "phone"};
  return r;
}
FlowRecord accepted(const std::string& at, const std::string& sender, const std::string& id,
                    const std::string& type, const std::string& recipient) {
  auto r = base("decision.accepted", at, sender, id, type);
  r.recipient = recipient;
  return r;
}
FlowRecord acked(const std::string& at, const std::string& sender, const std::string& id,
                 const std::string& recipient) {
  auto r = base("delivery.acked", at, sender, id, "");
  r.recipient = recipient;
  return r;
}
FlowRecord with_seq(FlowRecord r, std::int64_t seq) {
  r.seq = seq;
  return r;
}

struct Want {
  std::string duty;
  std::string informer;
  std::string message_id;
  ClockStatus status;
  std::string basis;
  std::string started;
  std::string stopped;  // "" = running
  bool enhanced;
  std::string deadline;
  std::string rule_set = "new-code";
};

struct Case {
  std::string name;
  std::vector<FlowRecord> records;  // seq 0: the next one
  std::string as_of;
  std::vector<Want> want;  // every clock, in any order
  std::size_t problems = 0;
};

constexpr auto on_time = ClockStatus::on_time;
constexpr auto late = ClockStatus::late;
constexpr auto missing = ClockStatus::missing;
constexpr auto open = ClockStatus::open;

// A charge from police.met at Monday 10:00: 5 working days = Monday 9 Nov, enhanced 1 = Tue 3.
const FlowRecord kCharge = facts("2026-11-02 10:00", "police.met", "m1", "charge.decided");
// A hearing listed by the court for the witness care units.
std::vector<FlowRecord> hearing(const std::vector<std::string>& units) {
  std::vector<FlowRecord> out;
  for (const auto& unit : units) {
    out.push_back(accepted("2026-11-02 10:00", "court.snaresbrook", "h1", "hearing.listed", unit));
  }
  out.push_back(facts("2026-11-02 10:00", "court.snaresbrook", "h1", "hearing.listed"));
  return out;
}
std::vector<FlowRecord> join(std::vector<std::vector<FlowRecord>> parts) {
  std::vector<FlowRecord> out;
  for (auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

const std::vector<Case> kCases = {
    {"sender informer told on time",
     {kCharge, informed("2026-11-05 09:00", "police.met", "i1", "police.met", "m1",
                        "2026-11-05 08:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-05 08:00", false, "2026-11-10"}}},
    {"sender informer told late",
     {kCharge, informed("2026-11-10 10:00", "police.met", "i1", "police.met", "m1",
                        "2026-11-10 09:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", late, "submitted", "2026-11-02 10:00",
       "2026-11-10 09:00", false, "2026-11-10"}}},
    {"told in the last millisecond of the last day",
     {kCharge, informed("2026-11-10 10:00", "police.met", "i1", "police.met", "m1",
                        "2026-11-09 23:59:59.999")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-09 23:59:59.999", false, "2026-11-10"}}},
    {"told at the deadline instant itself: late",
     {kCharge, informed("2026-11-10 10:00", "police.met", "i1", "police.met", "m1",
                        "2026-11-10 00:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", late, "submitted", "2026-11-02 10:00",
       "2026-11-10 00:00", false, "2026-11-10"}}},
    {"never told: missing once the deadline has passed",
     {kCharge},
     "2026-11-10",
     {{"police-updates", "police.met", "m1", missing, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-10"}}},
    {"never told: open before the deadline",
     {kCharge},
     "2026-11-09 23:59:59.999",
     {{"police-updates", "police.met", "m1", open, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-10"}}},
    {"the informed_at of a late report decides, not its receipt",
     {kCharge, informed("2026-11-20 10:00", "police.met", "i1", "", "m1", "2026-11-06 10:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-06 10:00", false, "2026-11-10"}}},
    {"recipient informer: the clock starts at its acknowledgement",
     join({hearing({"wcu.london"}),
           {acked("2026-11-03 15:00", "court.snaresbrook", "h1", "wcu.london"),
            informed("2026-11-04 12:00", "wcu.london", "i1", "court.snaresbrook", "h1",
                     "2026-11-04 11:00")}}),
     "2026-12-01",
     {{"wcu-hearings", "wcu.london", "h1", on_time, "acknowledged", "2026-11-03 15:00",
       "2026-11-04 11:00", false, "2026-11-05"}}},
    {"recipient informer, acknowledged and told late",
     join({hearing({"wcu.london"}),
           {acked("2026-11-03 15:00", "court.snaresbrook", "h1", "wcu.london"),
            informed("2026-11-05 12:00", "wcu.london", "i1", "court.snaresbrook", "h1",
                     "2026-11-05 11:00")}}),
     "2026-12-01",
     {{"wcu-hearings", "wcu.london", "h1", late, "acknowledged", "2026-11-03 15:00",
       "2026-11-05 11:00", false, "2026-11-05"}}},
    {"not acknowledged yet: judged from the gateway's receipt, missing",
     hearing({"wcu.london"}),
     "2026-11-04",
     {{"wcu-hearings", "wcu.london", "h1", missing, "gateway_receipt", "2026-11-02 10:00", "",
       false, "2026-11-04"}}},
    {"not acknowledged yet: open before the provisional deadline",
     hearing({"wcu.london"}),
     "2026-11-03 23:00",
     {{"wcu-hearings", "wcu.london", "h1", open, "gateway_receipt", "2026-11-02 10:00", "",
       false, "2026-11-04"}}},
    {"two informers of one kind: a clock each",
     join({hearing({"wcu.london", "wcu.kent"}),
           {acked("2026-11-03 15:00", "court.snaresbrook", "h1", "wcu.london"),
            informed("2026-11-04 12:00", "wcu.london", "i1", "court.snaresbrook", "h1",
                     "2026-11-04 11:00")}}),
     "2026-12-01",
     {{"wcu-hearings", "wcu.london", "h1", on_time, "acknowledged", "2026-11-03 15:00",
       "2026-11-04 11:00", false, "2026-11-05"},
      {"wcu-hearings", "wcu.kent", "h1", missing, "gateway_receipt", "2026-11-02 10:00", "", false,
       "2026-11-04"}}},
    {"a copy for another kind of agency starts no clock",
     hearing({"victim_support.london"}),
     "2026-12-01",
     {}},
    {"a victim.informed from another agency, or about another message, does not stop it",
     {kCharge,
      informed("2026-11-03 10:00", "police.kent", "i1", "police.met", "m1", "2026-11-03 09:00"),
      informed("2026-11-03 10:00", "police.met", "i2", "police.met", "m9", "2026-11-03 09:00"),
      informed("2026-11-03 10:00", "police.met", "i3", "police.kent", "m1", "2026-11-03 09:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", missing, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-10"}}},
    {"the first victim.informed stops the clock; later ones change nothing",
     {kCharge,
      informed("2026-11-12 10:00", "police.met", "i1", "police.met", "m1", "2026-11-12 09:00"),
      informed("2026-11-13 10:00", "police.met", "i2", "police.met", "m1", "2026-11-03 09:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", late, "submitted", "2026-11-02 10:00",
       "2026-11-12 09:00", false, "2026-11-10"}}},
    {"informed before the acknowledgement: stopped at the start, zero days",
     join({hearing({"wcu.london"}),
           {informed("2026-11-03 09:00", "wcu.london", "i1", "court.snaresbrook", "h1",
                     "2026-11-03 08:00"),
            acked("2026-11-03 15:00", "court.snaresbrook", "h1", "wcu.london")}}),
     "2026-12-01",
     {{"wcu-hearings", "wcu.london", "h1", on_time, "acknowledged", "2026-11-03 15:00",
       "2026-11-03 15:00", false, "2026-11-05"}}},
    {"hop: from the event to the unit's acknowledgement, on time",
     {accepted("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome", "wcu.london"),
      occurred(facts("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome"),
               "2026-10-30 16:00"),
      acked("2026-11-06 17:00", "court.snaresbrook", "o1", "wcu.london")},
     "2026-12-01",
     {{"court-to-wcu-results", "wcu.london", "o1", on_time, "occurred", "2026-10-30 16:00",
       "2026-11-06 17:00", false, "2026-11-07"}}},
    {"hop: acknowledged after the deadline is late; unacknowledged is missing",
     {accepted("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome", "wcu.london"),
      accepted("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome", "wcu.kent"),
      occurred(facts("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome"),
               "2026-10-30 16:00"),
      acked("2026-11-09 10:00", "court.snaresbrook", "o1", "wcu.london")},
     "2026-12-01",
     {{"court-to-wcu-results", "wcu.london", "o1", late, "occurred", "2026-10-30 16:00",
       "2026-11-09 10:00", false, "2026-11-07"},
      {"court-to-wcu-results", "wcu.kent", "o1", missing, "occurred", "2026-10-30 16:00", "",
       false, "2026-11-07"}}},
    {"follow-up: the informer's referral about the same case and subject stops it",
     {facts("2026-11-02 10:00", "police.met", "c1", "crime.recorded"),
      facts("2026-11-04 09:00", "police.met", "r1", "referral.created")},
     "2026-12-01",
     {{"support-referral", "police.met", "c1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-04 09:00", false, "2026-11-05"}}},
    {"follow-up: another subject, case or sender does not stop it",
     {facts("2026-11-02 10:00", "police.met", "c1", "crime.recorded"),
      subject(facts("2026-11-03 09:00", "police.met", "r1", "referral.created"), kCase, "S-2"),
      subject(facts("2026-11-03 09:00", "police.met", "r2", "referral.created"), kOtherCase,
              "S-1"),
      facts("2026-11-03 09:00", "police.kent", "r3", "referral.created"),
      facts("2026-11-05 09:00", "police.met", "r4", "referral.created")},
     "2026-12-01",
     {{"support-referral", "police.met", "c1", late, "submitted", "2026-11-02 10:00",
       "2026-11-05 09:00", false, "2026-11-05"}}},
    {"follow-up stamped before the start (another gateway's clock) does not stop it",
     {facts("2026-11-02 10:00", "police.met", "c1", "crime.recorded"),
      facts("2026-11-02 09:59", "police.met", "r1", "referral.created")},
     "2026-11-04",
     {{"support-referral", "police.met", "c1", open, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-05"}}},
    {"follow-up by the sender itself (informer: sender), any sender kind",
     {facts("2026-11-02 10:00", "victim_support.london", "k1", "complaint.received"),
      facts("2026-11-16 12:00", "victim_support.london", "k2", "complaint.acknowledged")},
     "2026-12-01",
     {{"complaint-acknowledged", "victim_support.london", "k1", on_time, "submitted",
       "2026-11-02 10:00", "2026-11-16 12:00", false, "2026-11-17"}}},
    {"enhanced before the start: the enhanced deadline",
     {enhanced("2026-11-01 10:00", true), kCharge,
      informed("2026-11-04 09:00", "police.met", "i1", "police.met", "m1", "2026-11-04 08:00")},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", late, "submitted", "2026-11-02 10:00",
       "2026-11-04 08:00", true, "2026-11-04"}}},
    {"enhanced after the clock stopped: still standard",
     {kCharge,
      informed("2026-11-04 09:00", "police.met", "i1", "police.met", "m1", "2026-11-04 08:00"),
      enhanced("2026-11-05 10:00", true)},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-04 08:00", false, "2026-11-10"}}},
    {"enhanced withdrawn after the clock stopped: still enhanced",
     {enhanced("2026-11-01 10:00", true), kCharge,
      informed("2026-11-03 09:00", "police.met", "i1", "police.met", "m1", "2026-11-03 08:00"),
      enhanced("2026-11-05 10:00", false)},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-03 08:00", true, "2026-11-04"}}},
    {"enhanced mid-clock: the running clock takes the enhanced deadline",
     {kCharge, enhanced("2026-11-03 09:00", true)},
     "2026-11-04",
     {{"police-updates", "police.met", "m1", missing, "submitted", "2026-11-02 10:00", "", true,
       "2026-11-04"}}},
    {"enhanced then withdrawn mid-clock: standard again",
     {enhanced("2026-11-01 10:00", true), kCharge, enhanced("2026-11-03 09:00", false)},
     "2026-11-04",
     {{"police-updates", "police.met", "m1", open, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-10"}}},
    {"an enhanced fact about another subject does not count",
     {subject(enhanced("2026-11-01 10:00", true), kCase, "S-2"), kCharge},
     "2026-11-04",
     {{"police-updates", "police.met", "m1", open, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-10"}}},
    {"an enhanced fact in the stopping report itself does not count",
     {kCharge,
      [] {
        auto r = informed("2026-11-04 09:00", "police.met", "i1", "police.met", "m1",
                          "2026-11-04 08:00");
        r.facts.enhanced = true;
        return r;
      }()},
     "2026-12-01",
     {{"police-updates", "police.met", "m1", on_time, "submitted", "2026-11-02 10:00",
       "2026-11-04 08:00", false, "2026-11-10"}}},
    {"rule set by the London date of the start (BST, Easter in the deadline)",
     {facts("2021-03-31 10:00", "police.met", "a1", "charge.decided"),
      facts("2021-03-31 23:30", "police.met", "a2", "charge.decided"),
      facts("2021-03-31 10:00", "police.met", "a3", "suspect.arrested")},
     "2021-05-01",
     {{"police-updates", "police.met", "a1", missing, "submitted", "2021-03-31 10:00", "", false,
       "2021-04-07 23:00", "old-code"},
      {"police-updates", "police.met", "a2", missing, "submitted", "2021-03-31 23:30", "", false,
       "2021-04-12 23:00", "new-code"}}},
    {"a weekend and bank holidays inside the deadline",
     {facts("2026-12-24 10:00", "police.met", "x1", "charge.decided"),
      informed("2027-01-05 18:00", "police.met", "i1", "police.met", "x1", "2027-01-05 17:00")},
     "2027-02-01",
     {{"police-updates", "police.met", "x1", on_time, "submitted", "2026-12-24 10:00",
       "2027-01-05 17:00", false, "2027-01-06"}}},
    {"a start the calendar does not cover: a problem, no clock",
     {facts("2027-12-30 10:00", "police.met", "y1", "charge.decided")},
     "2028-02-01",
     {},
     1},
    {"a sender of a kind the duty does not name starts nothing",
     {facts("2026-11-02 10:00", "cps.london", "m1", "charge.decided")},
     "2026-12-01",
     {}},
    {"records already seen (same or lower seq) are ignored",
     {with_seq(kCharge, 5), with_seq(kCharge, 5),
      with_seq(informed("2026-11-05 09:00", "police.met", "i1", "police.met", "m1",
                        "2026-11-05 08:00"),
               4),
      with_seq(enhanced("2026-11-03 09:00", true), 5)},
     "2026-11-06",
     {{"police-updates", "police.met", "m1", open, "submitted", "2026-11-02 10:00", "", false,
       "2026-11-10"}}},
};

class ClocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar = WorkingCalendar::load(kCalendar, "calendar.yaml");
    ASSERT_TRUE(calendar.ok()) << calendar.error().message;
    calendar_ = *calendar;
    auto rules = RuleBook::load(kRules, "rules.yaml");
    ASSERT_TRUE(rules.ok()) << rules.error().path << ": " << rules.error().message;
    rules_ = *rules;
  }
  WorkingCalendar calendar_;
  RuleBook rules_;
};

std::string show(const Clock& c) {
  return c.rule_set + "/" + c.duty + " " + c.informer + " " + c.message_id + " " +
         std::string(to_string(c.status)) + " " + c.start_basis + " " +
         format_time_ms(c.started_at_ms) + " stop " +
         (c.stopped_at_ms ? format_time_ms(*c.stopped_at_ms) : "-") + " by " + c.stopped_by +
         (c.enhanced ? " enhanced " : " standard ") + format_time_ms(c.deadline_ms);
}

TEST_F(ClocksTest, Table) {
  for (const auto& test : kCases) {
    SCOPED_TRACE(test.name);
    ClockBook book(rules_, calendar_);
    std::int64_t seq = 0;
    for (auto record : test.records) {
      if (record.seq == 0) record.seq = ++seq;
      book.observe(record);
    }
    const auto clocks = book.clocks(ms(test.as_of));
    std::string all;
    for (const auto& c : clocks) all += show(c) + "\n";
    SCOPED_TRACE(all);
    EXPECT_EQ(clocks.size(), test.want.size());
    for (const auto& want : test.want) {
      const Clock* found = nullptr;
      for (const auto& c : clocks) {
        if (c.duty == want.duty && c.informer == want.informer && c.message_id == want.message_id) {
          found = &c;
        }
      }
      ASSERT_NE(found, nullptr) << want.duty << " " << want.informer << " " << want.message_id;
      EXPECT_EQ(found->rule_set, want.rule_set);
      EXPECT_EQ(to_string(found->status), to_string(want.status));
      EXPECT_EQ(found->start_basis, want.basis);
      EXPECT_EQ(format_time_ms(found->started_at_ms), format_time_ms(ms(want.started)));
      if (want.stopped.empty()) {
        EXPECT_FALSE(found->stopped_at_ms.has_value());
      } else {
        ASSERT_TRUE(found->stopped_at_ms.has_value());
        EXPECT_EQ(format_time_ms(*found->stopped_at_ms), format_time_ms(ms(want.stopped)));
      }
      EXPECT_EQ(found->enhanced, want.enhanced);
      EXPECT_EQ(format_time_ms(found->deadline_ms), format_time_ms(ms(want.deadline)));
      EXPECT_EQ(found->deadline_working_days,
                want.duty == "police-updates"
                    ? (want.enhanced ? 1 : (want.rule_set == "old-code" ? 3 : 5))
                    : found->deadline_working_days);
    }
    EXPECT_EQ(book.problems().size(), test.problems);
  }
}

TEST_F(ClocksTest, StoppedByNamesTheStoppingMessageOrTheAck) {
  ClockBook book(rules_, calendar_);
  std::int64_t seq = 0;
  for (auto r : std::vector<FlowRecord>{
           kCharge,
           informed("2026-11-05 09:00", "police.met", "i1", "police.met", "m1", "2026-11-05 08:00"),
           accepted("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome", "wcu.london"),
           facts("2026-11-02 10:00", "court.snaresbrook", "o1", "case.outcome"),
           acked("2026-11-03 10:00", "court.snaresbrook", "o1", "wcu.london")}) {
    r.seq = ++seq;
    book.observe(r);
  }
  const auto clocks = book.clocks(ms("2026-12-01"));
  ASSERT_EQ(clocks.size(), 2u);
  EXPECT_EQ(clocks[0].stopped_by, "police.met/i1");
  EXPECT_EQ(clocks[1].stopped_by, "ack");
  EXPECT_EQ(clocks[0].case_urn, kCase);
  EXPECT_EQ(clocks[0].subject_ref, "S-1");
  EXPECT_EQ(clocks[0].event_type, "charge.decided");
  EXPECT_EQ(clocks[0].sender, "police.met");
  EXPECT_EQ(book.last_seq(), 5);
}

// Incremental: the statuses after each record equal those of a book fed everything at once.
TEST_F(ClocksTest, IncrementalFoldAgreesWithOneShot) {
  const auto records = join({hearing({"wcu.london", "wcu.kent"}),
                             {kCharge, enhanced("2026-11-03 09:00", true),
                              acked("2026-11-03 15:00", "court.snaresbrook", "h1", "wcu.london"),
                              informed("2026-11-04 12:00", "wcu.london", "i1", "court.snaresbrook",
                                       "h1", "2026-11-04 11:00")}});
  ClockBook incremental(rules_, calendar_);
  for (std::size_t n = 1; n <= records.size(); ++n) {
    auto r = records[n - 1];
    r.seq = static_cast<std::int64_t>(n);
    incremental.observe(r);
    (void)incremental.clocks(ms("2026-11-04"));  // reading in between changes nothing
  }
  ClockBook once(rules_, calendar_);
  for (std::size_t n = 1; n <= records.size(); ++n) {
    auto r = records[n - 1];
    r.seq = static_cast<std::int64_t>(n);
    once.observe(r);
  }
  const auto a = incremental.clocks(ms("2026-11-20"));
  const auto b = once.clocks(ms("2026-11-20"));
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(show(a[i]), show(b[i]));
}

// Scale: a year of a busy region folds in linear time (no quadratic index): 200,000 messages
// with their acknowledgements and reports, far under the ctest timeout.
TEST_F(ClocksTest, ManyRecordsFoldWithoutQuadraticCost) {
  ClockBook book(rules_, calendar_);
  std::int64_t seq = 0;
  const std::int64_t start = ms("2026-01-05 09:00");
  constexpr int kMessages = 200'000;
  for (int i = 0; i < kMessages; ++i) {
    const std::string id = "m" + std::to_string(i);
    FlowRecord r = facts("2026-01-05 09:00", "police.met", id, "charge.decided");
    r.at_ms = start + static_cast<std::int64_t>(i) * 60'000;
    r.case_urn = "urn:accord:case:police:" + std::to_string(i % 5000);
    r.seq = ++seq;
    book.observe(r);
    if (i % 2 == 0) {
      FlowRecord told = informed("2026-01-05 09:00", "police.met", "i" + id, "police.met", id,
                                 "2026-01-05 09:00");
      told.at_ms = told.facts.informed->informed_at_ms = r.at_ms + 3'600'000;
      told.case_urn = r.case_urn;
      told.seq = ++seq;
      book.observe(told);
    }
  }
  const auto clocks = book.clocks(ms("2027-06-01"));
  ASSERT_EQ(clocks.size(), static_cast<std::size_t>(kMessages));
  std::size_t on_time_count = 0, missing_count = 0;
  for (const auto& c : clocks) {
    on_time_count += c.status == ClockStatus::on_time;
    missing_count += c.status == ClockStatus::missing;
  }
  EXPECT_EQ(on_time_count, kMessages / 2u);
  EXPECT_EQ(missing_count, kMessages / 2u);
}

}  // namespace
}  // namespace accord::compliance
