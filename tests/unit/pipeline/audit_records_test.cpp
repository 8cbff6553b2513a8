// The compose step: which records a submission's outcome writes, in which order, with which
// facts (docs/audit-format.md §3). Pure, so tables over hand-made outcomes.
#include "accord/pipeline/audit_records.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "accord/pipeline/content_hash.hpp"

namespace accord::pipeline {
namespace {

const DecisionFacts kFacts{1'795'338'000'000, "m-1",    "police.met", "referral.created",
                           "01MP0041726",     "victim", "V-7F3A",     std::string(64, 'a')};

SealedCopy sealed(std::string recipient) {
  return {recipient,
          recipient + "-isa@2",
          {{"victim.dob", "generalise"}, {"victim.phone", "encrypt"}},
          "{\"envelope\":{\"to\":\"" + recipient + "\"}}"};
}

ShadowOutcome shadow(std::string recipient) {
  return {recipient, "shadow-isa@1",          true, {{"victim.dob", "share"}}, "",
          "",        {{"victim.dob", "drop"}}};
}

struct AcceptedRow {
  const char* name;
  std::vector<SealedCopy> copies;
  std::vector<PlannedRefusal> withheld;
  std::vector<ShadowOutcome> shadow;
  std::vector<std::string> kinds;
  std::vector<std::optional<std::size_t>> delivery_of;  // the hook per record
};

class AcceptedRecords : public ::testing::TestWithParam<AcceptedRow> {};

TEST_P(AcceptedRecords, CopiesThenRefusalsThenShadowEachWithItsFacts) {
  const AcceptedRow& row = GetParam();
  const auto records = accepted_records(kFacts, row.copies, row.withheld, row.shadow);
  ASSERT_EQ(records.size(), row.kinds.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const audit::Event& e = records[i].event;
    EXPECT_EQ(e.kind, row.kinds[i]) << i;
    EXPECT_EQ(records[i].delivery_id_of_copy, row.delivery_of[i]) << i;
    // Every record of the decision carries the submission's facts.
    EXPECT_EQ(e.at_ms, kFacts.at_ms);
    EXPECT_EQ(e.message_id, "m-1");
    EXPECT_EQ(e.sender, "police.met");
    EXPECT_EQ(e.event_type, "referral.created");
    EXPECT_EQ(e.case_urn, "01MP0041726");
    EXPECT_EQ(e.subject_role, "victim");
    EXPECT_EQ(e.subject_ref, "V-7F3A");
    EXPECT_EQ(e.content_hash, kFacts.content_hash);
    EXPECT_EQ(e.delivery_id, 0) << "only the writer knows it";
  }
  for (std::size_t i = 0; i < row.copies.size(); ++i) {
    const audit::Event& e = records[i].event;
    EXPECT_EQ(e.recipient, row.copies[i].recipient);
    EXPECT_EQ(e.agreement, row.copies[i].agreement);
    EXPECT_EQ(e.copy_hash, content_hash(row.copies[i].document));
    EXPECT_EQ(e.fields, row.copies[i].fields);
    EXPECT_TRUE(e.code.empty());
  }
  for (std::size_t i = 0; i < row.withheld.size(); ++i) {
    const audit::Event& e = records[row.copies.size() + i].event;
    EXPECT_EQ(e.recipient, row.withheld[i].recipient);
    EXPECT_EQ(e.agreement, row.withheld[i].agreement);
    EXPECT_EQ(e.code, row.withheld[i].code);
    EXPECT_EQ(e.reason, row.withheld[i].reason);
    EXPECT_TRUE(e.copy_hash.empty());
    EXPECT_TRUE(e.fields.empty());
  }
}

const PlannedRefusal kSuk{"provider.survivors-uk", "not_permitted", "condition failed", "suk@1"};
const PlannedRefusal kCps{"cps.london", "no_recipient_key", "no key", "cps@3"};
using K = std::vector<std::string>;
using D = std::vector<std::optional<std::size_t>>;
constexpr const char* kA = "decision.accepted";
constexpr const char* kR = "decision.refused";
constexpr const char* kS = "decision.shadow";

INSTANTIATE_TEST_SUITE_P(
    Table, AcceptedRecords,
    ::testing::Values(AcceptedRow{"one_copy", {sealed("wcu.met")}, {}, {}, K{kA}, D{0}},
                      AcceptedRow{"two_copies_in_copy_order",
                                  {sealed("wcu.met"), sealed("provider.lvws")},
                                  {},
                                  {},
                                  K{kA, kA},
                                  D{0, 1}},
                      AcceptedRow{"copy_and_withheld",
                                  {sealed("provider.lvws")},
                                  {kSuk, kCps},
                                  {},
                                  K{kA, kR, kR},
                                  D{0, std::nullopt, std::nullopt}},
                      AcceptedRow{"all_three_kinds",
                                  {sealed("provider.lvws")},
                                  {kSuk},
                                  {shadow("provider.lvws"), shadow("probation.london")},
                                  K{kA, kR, kS, kS},
                                  D{0, std::nullopt, std::nullopt, std::nullopt}}),
    [](const auto& info) { return std::string(info.param.name); });

struct RefusedRow {
  const char* name;
  std::vector<PlannedRefusal> details;
  std::vector<ShadowOutcome> shadow;
  std::vector<std::string> recipients;  // per record
  std::vector<std::string> codes;
};

class RefusedRecords : public ::testing::TestWithParam<RefusedRow> {};

TEST_P(RefusedRecords, OnePerRefusalOrOneForTheSubmissionThenShadow) {
  const RefusedRow& row = GetParam();
  const Refused refused{make_error("not_permitted", "no agreement allows any recipient", "type"),
                        row.details};
  const auto events = refused_records(kFacts, refused, row.shadow);
  ASSERT_EQ(events.size(), row.codes.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kind, i < events.size() - row.shadow.size() ? kR : kS) << i;
    EXPECT_EQ(events[i].recipient, row.recipients[i]) << i;
    EXPECT_EQ(events[i].code, row.codes[i]) << i;
    EXPECT_EQ(events[i].content_hash, kFacts.content_hash);
  }
  // The same builder as an accepted submission's refusals: one place audits a refusal.
  for (std::size_t i = 0; i < row.details.size(); ++i) {
    const auto one = refusal_event(kFacts, row.details[i]);
    EXPECT_EQ(audit::encode_record(1, events[i]), audit::encode_record(1, one));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RefusedRecords,
    ::testing::Values(RefusedRow{"no_agreement_names_anyone", {}, {}, {""}, {"not_permitted"}},
                      RefusedRow{"per_candidate",
                                 {kSuk, kCps},
                                 {},
                                 {"provider.survivors-uk", "cps.london"},
                                 {"not_permitted", "no_recipient_key"}},
                      RefusedRow{"with_shadow",
                                 {kSuk},
                                 {shadow("provider.lvws")},
                                 {"provider.survivors-uk", "provider.lvws"},
                                 {"not_permitted", "would_share"}}),
    [](const auto& info) { return std::string(info.param.name); });

struct ShadowRow {
  const char* name;
  bool would_share;
  std::string enforced;  // "" = nothing shared
  std::vector<audit::FieldAction> fields, enforced_fields;
  std::string exposure;
  std::string changes;  // "" = no changes detail
};

class ShadowRecords : public ::testing::TestWithParam<ShadowRow> {};

TEST_P(ShadowRecords, ExposureAndChangesAgainstWhatWasShared) {
  const ShadowRow& row = GetParam();
  ShadowOutcome s{"provider.lvws",
                  "shadow@1",
                  row.would_share,
                  row.fields,
                  row.would_share ? "" : "why",
                  row.enforced,
                  row.enforced_fields};
  const auto events = shadow_events(kFacts, {s});
  ASSERT_EQ(events.size(), 1u);
  const audit::Event& e = events[0];
  EXPECT_EQ(e.kind, kS);
  EXPECT_EQ(e.code, row.would_share ? "would_share" : "would_refuse");
  std::vector<std::pair<std::string, std::string>> want = {
      {"enforced", row.enforced.empty() ? "none" : row.enforced}, {"exposure", row.exposure}};
  if (!row.changes.empty()) want.emplace_back("changes", row.changes);
  EXPECT_EQ(e.details, want);
}

const std::vector<audit::FieldAction> kShare{{"a", "share"}, {"b", "mask"}};
const std::vector<audit::FieldAction> kDrop{{"a", "drop"}, {"b", "drop"}};
const std::vector<audit::FieldAction> kOther{{"a", "share"}, {"b", "encrypt"}};

INSTANTIATE_TEST_SUITE_P(
    Table, ShadowRecords,
    ::testing::Values(
        ShadowRow{"unchanged", true, "isa@1", kShare, kShare, "unchanged", ""},
        ShadowRow{"changed", true, "isa@1", kOther, kShare, "changed", "b:mask>encrypt"},
        ShadowRow{"added", true, "", kShare, kDrop, "added", "a:drop>share;b:drop>mask"},
        ShadowRow{"removed", false, "isa@1", kDrop, kShare, "removed", "a:share>drop;b:mask>drop"},
        ShadowRow{"none", false, "", kDrop, kDrop, "none", ""}),
    [](const auto& info) { return std::string(info.param.name); });

// decision.inputs: the decision facts but the content hash, paths marked present, and the
// details of the one encoder (agreements::inputs_details); no recipient, agreement or code.
TEST(InputsRecord, CarriesTheSubmissionsFactsNamesAndDetailsOnly) {
  agreements::DecisionInputs in;
  in.classification = "OFFICIAL";
  in.case_owner = "police.met";
  in.paths = {"data.consent.referral", "data.victim.dob"};
  in.facts = {{"data.consent.referral", "\"explicit\""}};
  const audit::Event e = inputs_record(kFacts, in);
  EXPECT_EQ(e.kind, "decision.inputs");
  EXPECT_EQ(e.at_ms, kFacts.at_ms);
  EXPECT_EQ(e.message_id, "m-1");
  EXPECT_EQ(e.sender, "police.met");
  EXPECT_EQ(e.event_type, "referral.created");
  EXPECT_EQ(e.case_urn, "01MP0041726");
  EXPECT_EQ(e.subject_role, "victim");
  EXPECT_EQ(e.subject_ref, "V-7F3A");
  EXPECT_EQ(e.content_hash, "");
  EXPECT_EQ(e.recipient, "");
  EXPECT_EQ(e.agreement, "");
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.reason, "");
  EXPECT_EQ(e.fields, (std::vector<audit::FieldAction>{{"data.consent.referral", "present"},
                                                       {"data.victim.dob", "present"}}));
  EXPECT_EQ(e.details, agreements::inputs_details(in));
  EXPECT_EQ(e.details.front(), (std::pair<std::string, std::string>{"classification", "OFFICIAL"}));
}

}  // namespace
}  // namespace accord::pipeline
