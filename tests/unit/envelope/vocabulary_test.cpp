// Vocabulary::parse(): the shipped config/vocabulary.yaml, and one row per refusal.
#include "accord/envelope/vocabulary.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace accord::envelope {
namespace {

TEST(EnvelopeVocabularyFileTest, HoldsEveryEventTypeOfTheDomainTable) {
  auto parsed = Vocabulary::parse(test::read_file("config/vocabulary.yaml"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().code << " at " << parsed.error().path << ": "
                           << parsed.error().message;
  const std::vector<std::string> expected = {
      "crime.recorded", "victim.needs_assessed", "referral.created", "referral.accepted",
      "referral.declined", "investigation.closed", "suspect.arrested", "suspect.interviewed",
      "suspect.released", "bail.conditions_changed", "charge.decided", "cps.decision_letter",
      "vrr.requested", "vrr.decided", "case.charged_handover", "hearing.listed",
      "hearing.adjourned", "witness.required", "special_measures.decided", "case.outcome",
      "sentence.passed", "vps.recorded", "vcs.referred", "offender.release_planned",
      "offender.licence_conditions", "consent.withdrawn", "contact.preferences_changed",
      "complaint.received",
      // issue 15: the compliance facts and the journey
      "consent.given", "complaint.acknowledged", "complaint.resolved", "victim.informed",
      "enhanced_rights.changed", "subject.erasure_requested", "compliance.summary",
      "court.bail_decided", "plea.entered", "defendant.failed_to_appear", "warrant.issued",
      "appeal.lodged", "appeal.decided", "sentence.uls_requested", "restorative_justice.offered",
      "compensation.decided", "marac.referred", "idva.referred", "parole.review_started",
      "parole.decided", "licence.recalled", "licence.breached"};
  EXPECT_EQ(parsed->all().size(), expected.size());
  for (const std::string& name : expected) {
    const EventType* type = parsed->find(name);
    ASSERT_NE(type, nullptr) << name;
    EXPECT_EQ(type->name, name);
    EXPECT_FALSE(type->description.empty()) << name;
    EXPECT_FALSE(type->from_kinds.empty()) << name;
    EXPECT_FALSE(type->to_kinds.empty()) << name;
  }
  EXPECT_EQ(parsed->find("referral.created")->from_kinds, std::vector<std::string>{"police"});
  EXPECT_EQ(parsed->find("referral.created")->to_kinds, std::vector<std::string>{"provider"});
  EXPECT_EQ(parsed->find("compliance.summary")->from_kinds, std::vector<std::string>{"gateway"});
  EXPECT_FALSE(parsed->contains("hearing.cancelled"));
}

// Exactly the types the contract names are recorded by the gateway itself (docs/envelope.md §5).
TEST(EnvelopeVocabularyFileTest, GatewayRecordsTheComplianceFactEvents) {
  auto parsed = Vocabulary::parse(test::read_file("config/vocabulary.yaml"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  std::vector<std::string> recorded;
  for (const auto& [name, type] : parsed->all()) {
    if (type.recorded_by_gateway()) recorded.push_back(name);
  }
  EXPECT_EQ(recorded, (std::vector<std::string>{"consent.given", "consent.withdrawn",
                                                "contact.preferences_changed", "crime.recorded",
                                                "enhanced_rights.changed",
                                                "subject.erasure_requested", "victim.informed"}));
}

TEST(EnvelopeVocabularyTest, MinimalFileWithEveryAgencyKind) {
  auto parsed = Vocabulary::parse(R"(version: 1
event_types:
  - name: a.b
    description: d
    from: [police]
    to: [gateway, any]
  - {name: a.c_d.e, description: d, from: [cps, wcu], to: [court, probation, provider, oversight]}
)");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->find("a.b")->recorded_by_gateway());
  EXPECT_FALSE(parsed->find("a.c_d.e")->recorded_by_gateway());
  EXPECT_TRUE(parsed->contains("a.c_d.e"));
}

// The moved key names the file that holds deadlines now, so an old vocabulary is fixed quickly.
TEST(EnvelopeVocabularyTest, DeadlineKeyIsRefusedNamingTheRuleFile) {
  auto parsed = Vocabulary::parse(
      "version: 1\nevent_types:\n  - {name: a.b, description: d, from: [police], to: [cps], "
      "deadline_working_days: {standard: 5}}\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, "unknown_key");
  EXPECT_EQ(parsed.error().path, "3:60");
  EXPECT_NE(parsed.error().message.find("config/compliance/victims-code.yaml"), std::string::npos)
      << parsed.error().message;
}

struct VocabularyRow {
  std::string name;
  std::string yaml;
  std::string code;
  std::string path;  // "line:col", 1-based
};

// A one-type file whose type entry is `entry` (a flow mapping on line 3).
std::string one_type(const std::string& entry) {
  return "version: 1\nevent_types:\n  - " + entry;
}

std::vector<VocabularyRow> vocabulary_rows() {
  const std::string ok = "name: a.b, description: d, from: [police], to: [cps]";
  return {
      {"empty_text", "", "missing_field", "1:1"},
      {"syntax_error", "version: 1\nevent_types: [\n", "yaml_syntax", ""},
      {"tab_indentation_error", "version: 1\nevent_types:\n\t- name: a.b\n", "yaml_syntax", ""},
      {"top_level_list", "- a\n- b\n", "wrong_type", "1:1"},
      {"unknown_top_level_key", "version: 1\nevents: []\n", "unknown_key", "2:1"},
      {"duplicate_top_level_key", "version: 1\nversion: 1\nevent_types: []\n", "duplicate_key",
       "2:1"},
      {"missing_version", "event_types:\n  - {" + ok + "}\n", "missing_field", "1:1"},
      {"wrong_version", "version: 2\nevent_types:\n  - {" + ok + "}\n", "invalid_value", "1:10"},
      {"missing_event_types", "version: 1\n", "missing_field", "1:1"},
      {"empty_event_types", "version: 1\nevent_types: []\n", "wrong_type", "2:14"},
      {"event_types_mapping", "version: 1\nevent_types: {a: 1}\n", "wrong_type", "2:14"},
      {"entry_not_mapping", one_type("a.b\n"), "wrong_type", "3:5"},
      {"unknown_entry_key", one_type("{" + ok + ", colour: red}\n"), "unknown_key", "3:60"},
      {"duplicate_entry_key", one_type("{" + ok + ", name: a.c}\n"), "duplicate_key", "3:60"},
      {"missing_name", one_type("{description: d, from: [police], to: [cps]}\n"), "missing_field",
       "3:5"},
      {"missing_description", one_type("{name: a.b, from: [police], to: [cps]}\n"), "missing_field",
       "3:5"},
      {"missing_from", one_type("{name: a.b, description: d, to: [cps]}\n"), "missing_field",
       "3:5"},
      {"missing_to", one_type("{name: a.b, description: d, from: [police]}\n"), "missing_field",
       "3:5"},
      {"name_single_label",
       one_type("{name: hearing, description: d, from: [police], to: [cps]}\n"), "invalid_name",
       "3:12"},
      {"name_upper_case",
       one_type("{name: Hearing.Listed, description: d, from: [police], to: [cps]}\n"),
       "invalid_name", "3:12"},
      {"name_digit", one_type("{name: a.b2, description: d, from: [police], to: [cps]}\n"),
       "invalid_name", "3:12"},
      {"name_trailing_dot", one_type("{name: a.b., description: d, from: [police], to: [cps]}\n"),
       "invalid_name", "3:12"},
      {"name_hyphen", one_type("{name: a.b-c, description: d, from: [police], to: [cps]}\n"),
       "invalid_name", "3:12"},
      {"name_list", one_type("{name: [a.b], description: d, from: [police], to: [cps]}\n"),
       "wrong_type", "3:12"},
      {"empty_description", one_type("{name: a.b, description: '', from: [police], to: [cps]}\n"),
       "wrong_type", "3:30"},
      {"duplicate_name", "version: 1\nevent_types:\n  - {" + ok + "}\n  - {" + ok + "}\n",
       "duplicate_name", "4:12"},
      {"unknown_agency_kind", one_type("{name: a.b, description: d, from: [victim], to: [cps]}\n"),
       "invalid_value", "3:40"},
      {"repeated_agency_kind",
       one_type("{name: a.b, description: d, from: [police, police], to: [cps]}\n"),
       "invalid_value", "3:48"},
      {"empty_to", one_type("{name: a.b, description: d, from: [police], to: []}\n"), "wrong_type",
       "3:53"},
      {"from_scalar", one_type("{name: a.b, description: d, from: police, to: [cps]}\n"),
       "wrong_type", "3:39"},
      {"moved_deadline_key", one_type("{" + ok + ", deadline_working_days: {standard: 5}}\n"),
       "unknown_key", "3:60"},
      {"moved_deadline_key_scalar", one_type("{" + ok + ", deadline_working_days: 5}\n"),
       "unknown_key", "3:60"},
  };
}

class VocabularyRefusalTest : public ::testing::TestWithParam<VocabularyRow> {};

TEST_P(VocabularyRefusalTest, RefusesWithCodeAndLineColumn) {
  const VocabularyRow& row = GetParam();
  auto parsed = Vocabulary::parse(row.yaml);
  ASSERT_FALSE(parsed.ok()) << row.yaml;
  EXPECT_EQ(parsed.error().code, row.code) << parsed.error().message;
  if (row.path.empty()) {
    // Syntax errors: yaml-cpp's own position; only its "line:col" form is part of the contract.
    EXPECT_NE(parsed.error().path.find(':'), std::string::npos) << parsed.error().path;
  } else {
    EXPECT_EQ(parsed.error().path, row.path) << parsed.error().message;
  }
  EXPECT_FALSE(parsed.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Envelope, VocabularyRefusalTest, ::testing::ValuesIn(vocabulary_rows()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::envelope
