// dry_run() over hand-written audit records (docs/audit-format.md §1 `decision.inputs`,
// `decision.accepted`): what a proposed set would change, counted per message, and the
// submissions it cannot decide because a fact was not recorded.
#include "accord/governance/dry_run.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../agreements/fixtures.hpp"
#include "accord/agreements/loader.hpp"

namespace accord::governance {
namespace {

namespace ag = accord::agreements;

// A proposed agreement police.met -> provider.lvws, provider.survivors-uk (the agreement tests'
// base text, as id met-referral v2) with the given flows section and `extra` keys before it.
std::string agreement_yaml(const std::string& flows, const std::string& extra = "") {
  namespace fx = ag::testing;
  std::string text = fx::replace(fx::base_yaml(), "id: test-agreement\nversion: 1\n",
                                 "id: met-referral\nversion: 2\n");
  text = fx::replace(text, "flows:\n", extra + "flows:\n");
  return fx::with_flows(flows, text);
}

ag::AgreementSet proposed_set(const std::string& flows, const std::string& extra = "") {
  auto loaded = ag::parse_all({{"proposed.yaml", agreement_yaml(flows, extra)}});
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();
  return ag::AgreementSet(std::move(loaded.agreements));
}

// decision.inputs of message `id`: `fields` are data paths present, `details` follow the
// fixed ones (classification, case.owner, state).
std::string inputs(const std::string& id, const std::vector<std::string>& fields,
                   const std::string& details = R"("state":"not_read")") {
  std::string f;
  for (const auto& p : fields) f += (f.empty() ? "" : ",") + ("[\"" + p + "\",\"present\"]");
  return R"({"seq":1,"at":"2026-06-01T10:00:00.000Z","kind":"decision.inputs","message_id":")" +
         id +
         R"(","sender":"police.met","event_type":"referral.created","case_urn":"01AB","subject_role":"victim","subject_ref":"V-1","fields":[)" +
         f + R"(],"details":{"classification":"OFFICIAL-SENSITIVE","case.owner":"police.met",)" +
         details + "}}";
}

// decision.accepted of message `id` for `recipient`: `fields` are [relative path, action].
std::string accepted(const std::string& id, const std::string& recipient,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     const std::string& agreement = "met-referral@1") {
  std::string f;
  for (const auto& [p, a] : fields) f += (f.empty() ? "" : ",") + ("[\"" + p + "\",\"" + a + "\"]");
  std::string record =
      R"({"seq":2,"at":"2026-06-01T10:00:00.000Z","kind":"decision.accepted","message_id":")" + id +
      R"(","sender":"police.met","recipient":")" + recipient + "\"";
  if (!agreement.empty()) record += R"(,"agreement":")" + agreement + "\"";
  return record + R"(,"event_type":"referral.created","fields":[)" + f + "]}";
}

const std::string kShareCategory = R"(  - name: referral
    events: [referral.created]
    fields:
      data.offence.category: share
)";

struct Row {
  std::string name;
  std::string flows;
  std::vector<std::string> records;
  std::string expected;  // render_text
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class DryRunTable : public ::testing::TestWithParam<Row> {};

TEST_P(DryRunTable, CountsWhatWouldChange) {
  const Row& row = GetParam();
  PastTraffic traffic;
  for (const auto& r : row.records) ASSERT_TRUE(traffic.add_record(r).ok()) << r;
  const auto set = proposed_set(row.flows);
  const auto result = dry_run(traffic, set, *ag::parse_instant("2026-06-02T00:00:00Z"));
  EXPECT_EQ(render_text(result), row.expected);
}

const std::string kBothCopies[] = {
    accepted("m1", "provider.lvws", {{"offence.category", "share"}}),
    accepted("m1", "provider.survivors-uk", {{"offence.category", "share"}}),
};

INSTANTIATE_TEST_SUITE_P(
    Rows, DryRunTable,
    ::testing::Values(
        Row{"no_change",
            kShareCategory,
            {inputs("m1", {"data.offence.category"}), kBothCopies[0], kBothCopies[1]},
            "dry run: 1 submission considered, 0 with changes, 0 undecidable\n"
            "no exposure change\n"},
        Row{"route_gained",
            kShareCategory,
            {inputs("m1", {"data.offence.category"}), kBothCopies[0]},
            "dry run: 1 submission considered, 1 with changes, 0 undecidable\n"
            "provider.survivors-uk <- police.met referral.created: field gained "
            "data.offence.category (share): 1 message\n"
            "provider.survivors-uk <- police.met referral.created: route gained (would receive "
            "the event): 1 message\n"},
        Row{"route_lost",
            R"(  - name: referral
    events: [referral.created]
    to: [provider.lvws]
    fields:
      data.offence.category: share
)",
            {inputs("m1", {"data.offence.category"}), kBothCopies[0], kBothCopies[1]},
            "dry run: 1 submission considered, 1 with changes, 0 undecidable\n"
            "provider.survivors-uk <- police.met referral.created: field lost "
            "data.offence.category (share -> drop): 1 message\n"
            "provider.survivors-uk <- police.met referral.created: route lost (would receive "
            "nothing): 1 message\n"},
        Row{"field_gained_lost_and_changed_form",
            R"(  - name: referral
    events: [referral.created]
    fields:
      data.offence.category: mask
      data.victim.dob: {action: generalise, to: year}
)",
            {inputs("m1", {"data.offence.category", "data.victim.dob", "data.victim.phone"}),
             accepted("m1", "provider.lvws",
                      {{"offence.category", "share"},
                       {"victim.dob", "drop"},
                       {"victim.phone", "share"}}),
             accepted("m1", "provider.survivors-uk",
                      {{"offence.category", "mask"},
                       {"victim.dob", "generalise"},
                       {"victim.phone", "drop"}})},
            "dry run: 1 submission considered, 1 with changes, 0 undecidable\n"
            "provider.lvws <- police.met referral.created: field gained data.victim.dob "
            "(generalise): 1 message\n"
            "provider.lvws <- police.met referral.created: field lost data.victim.phone (share "
            "-> drop): 1 message\n"
            "provider.lvws <- police.met referral.created: form changed data.offence.category "
            "(share -> mask): 1 message\n"},
        Row{"notice_copies_are_left_out",
            kShareCategory,
            {inputs("m1", {"data.offence.category"}), kBothCopies[0], kBothCopies[1],
             accepted("m1", "cps.london", {{"offence.category", "drop"}}, "")},
            "dry run: 1 submission considered, 0 with changes, 0 undecidable\n"
            "no exposure change\n"},
        Row{"copies_without_inputs_are_not_submissions",
            kShareCategory,
            {kBothCopies[0], accepted("m9", "provider.lvws", {{"offence.category", "share"}})},
            "dry run: 0 submissions considered, 0 with changes, 0 undecidable\n"
            "no exposure change\n"},
        Row{"counts_messages_per_change",
            kShareCategory,
            {inputs("m1", {"data.offence.category"}), kBothCopies[0],
             inputs("m2", {"data.offence.category"}),
             accepted("m2", "provider.lvws", {{"offence.category", "share"}}),
             inputs("m3", {"data.offence.category"})},
            // m3 got nothing at all (refused as a whole): both routes gained.
            "dry run: 3 submissions considered, 3 with changes, 0 undecidable\n"
            "provider.lvws <- police.met referral.created: field gained data.offence.category "
            "(share): 1 message\n"
            "provider.lvws <- police.met referral.created: route gained (would receive the "
            "event): 1 message\n"
            "provider.survivors-uk <- police.met referral.created: field gained "
            "data.offence.category (share): 3 messages\n"
            "provider.survivors-uk <- police.met referral.created: route gained (would receive "
            "the event): 3 messages\n"}),
    [](const auto& info) { return info.param.name; });

// Conditions are decided from the recorded facts, or the submission is undecidable.
const std::string kConsentFlow = R"(  - name: referral
    events: [referral.created]
    when:
      - {fact: data.consent.referral, equals: explicit}
    fields:
      data.offence.category: share
)";

INSTANTIATE_TEST_SUITE_P(
    Conditions, DryRunTable,
    ::testing::Values(
        Row{"literal_recorded_holds",
            kConsentFlow,
            {inputs("m1", {"data.consent.referral", "data.offence.category"},
                    R"("state":"not_read","fact.data.consent.referral":"\"explicit\"")"),
             accepted("m1", "provider.lvws",
                      {{"consent.referral", "drop"}, {"offence.category", "share"}}),
             accepted("m1", "provider.survivors-uk",
                      {{"consent.referral", "drop"}, {"offence.category", "share"}})},
            "dry run: 1 submission considered, 0 with changes, 0 undecidable\n"
            "no exposure change\n"},
        Row{"not_list_naming_the_literal_fails",
            kConsentFlow,
            {inputs(
                 "m1", {"data.consent.referral", "data.offence.category"},
                 R"("state":"not_read","fact.data.consent.referral":"{\"not\":[\"explicit\",\"implied\"]}")"),
             accepted("m1", "provider.lvws",
                      {{"consent.referral", "drop"}, {"offence.category", "share"}})},
            "dry run: 1 submission considered, 1 with changes, 0 undecidable\n"
            "provider.lvws <- police.met referral.created: field lost data.offence.category "
            "(share -> drop): 1 message\n"
            "provider.lvws <- police.met referral.created: route lost (would receive nothing): "
            "1 message\n"},
        Row{"not_list_without_the_literal_is_undecidable",
            kConsentFlow,
            {inputs("m1", {"data.consent.referral", "data.offence.category"},
                    R"("state":"not_read","fact.data.consent.referral":"{\"not\":[\"implied\"]}")"),
             kBothCopies[0]},
            "dry run: 1 submission considered, 0 with changes, 1 undecidable\n"
            "undecidable: data.consent.referral not recorded: 1 submission\n"
            "no exposure change\n"},
        Row{"present_but_not_recorded_is_undecidable",
            kConsentFlow,
            {inputs("m1", {"data.consent.referral", "data.offence.category"}), kBothCopies[0]},
            "dry run: 1 submission considered, 0 with changes, 1 undecidable\n"
            "undecidable: data.consent.referral not recorded: 1 submission\n"
            "no exposure change\n"},
        Row{"absent_field_is_decidable",
            kConsentFlow,
            {inputs("m1", {"data.offence.category"}), kBothCopies[0]},
            "dry run: 1 submission considered, 1 with changes, 0 undecidable\n"
            "provider.lvws <- police.met referral.created: field lost data.offence.category "
            "(share -> drop): 1 message\n"
            "provider.lvws <- police.met referral.created: route lost (would receive nothing): "
            "1 message\n"},
        Row{"state_not_read_is_undecidable",
            R"(  - name: referral
    events: [referral.created]
    consent_based: true
    fields:
      data.offence.category: share
)",
            {inputs("m1", {"data.offence.category"}), kBothCopies[0], kBothCopies[1]},
            "dry run: 1 submission considered, 0 with changes, 1 undecidable\n"
            "undecidable: state.consent not recorded: 1 submission\n"
            "no exposure change\n"},
        Row{"state_read_is_decided",
            R"(  - name: referral
    events: [referral.created]
    consent_based: true
    fields:
      data.offence.category: share
)",
            {inputs("m1", {"data.offence.category"},
                    R"("state":"read","state.consent":"withdrawn")"),
             kBothCopies[0], kBothCopies[1]},
            "dry run: 1 submission considered, 1 with changes, 0 undecidable\n"
            "provider.lvws <- police.met referral.created: field lost data.offence.category "
            "(share -> drop): 1 message\n"
            "provider.lvws <- police.met referral.created: route lost (would receive nothing): "
            "1 message\n"
            "provider.survivors-uk <- police.met referral.created: field lost "
            "data.offence.category (share -> drop): 1 message\n"
            "provider.survivors-uk <- police.met referral.created: route lost (would receive "
            "nothing): 1 message\n"}),
    [](const auto& info) { return info.param.name; });

TEST(DryRun, JsonAnswerNamesEveryChange) {
  PastTraffic traffic;
  ASSERT_TRUE(traffic.add_record(inputs("m1", {"data.offence.category"})).ok());
  ASSERT_TRUE(traffic.add_record(kBothCopies[0]).ok());
  const auto set = proposed_set(kShareCategory);
  const auto result = dry_run(traffic, set, *ag::parse_instant("2026-06-02T00:00:00Z"));
  EXPECT_EQ(
      render_json(result),
      R"({"changed":1,"changes":[{"change":"field_gained","event_type":"referral.created","from":"","messages":1,"path":"data.offence.category","recipient":"provider.survivors-uk","sender":"police.met","to":"share"},{"change":"route_gained","event_type":"referral.created","from":"","messages":1,"path":"","recipient":"provider.survivors-uk","sender":"police.met","to":""}],"submissions":1,"undecidable":0,"undecidable_facts":{}})");
}

TEST(DryRun, AnExpiredProposalGrantsNothing) {
  PastTraffic traffic;
  ASSERT_TRUE(traffic.add_record(inputs("m1", {"data.offence.category"})).ok());
  ASSERT_TRUE(traffic.add_record(kBothCopies[0]).ok());
  const auto set = proposed_set(kShareCategory);
  // After valid_until every copy would be refused (agreement_expired).
  const auto result = dry_run(traffic, set, *ag::parse_instant("2027-02-01T00:00:00Z"));
  ASSERT_EQ(result.changes.size(), 2u);
  EXPECT_EQ(result.changes[1].change, "route_lost");
  EXPECT_EQ(result.changes[1].recipient, "provider.lvws");
}

TEST(PastTraffic, RefusesMalformedRecordsOfItsKinds) {
  PastTraffic traffic;
  const std::vector<std::string> bad = {
      "not json",
      R"({"kind":"decision.inputs","sender":"police.met"})",
      R"({"kind":"decision.inputs","message_id":"m","sender":"police.met","at":"yesterday"})",
      R"({"kind":"decision.inputs","message_id":"m","sender":"police.met","at":"2026-06-01T10:00:00.000Z","fields":[["data.x"]]})",
      R"({"kind":"decision.inputs","message_id":"m","sender":"police.met","at":"2026-06-01T10:00:00.000Z","details":{"state":1}})",
      R"({"kind":"decision.accepted","message_id":"m","sender":"police.met","agreement":"a@1"})",
  };
  for (const auto& record : bad) {
    const Status s = traffic.add_record(record);
    ASSERT_FALSE(s.ok()) << record;
    EXPECT_EQ(s.error().code, "invalid_record") << record;
  }
  // Other kinds are none of its business.
  EXPECT_TRUE(traffic.add_record(R"({"kind":"delivery.acked","seq":3})").ok());
  EXPECT_EQ(traffic.submissions(), 0u);
}

}  // namespace
}  // namespace accord::governance
