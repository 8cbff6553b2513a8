#include "accord/agreements/decision.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::make_envelope;
using testing::replace;

const Instant kNow = testing::at("2026-06-01T12:00:00Z");

AgreementSet set_of(const std::vector<std::string>& texts) {
  std::vector<Agreement> v;
  for (const auto& t : texts) v.push_back(testing::load(t));
  return AgreementSet(std::move(v));
}

std::string joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += r + "\n";
  return out;
}

envelope::Envelope referral(std::vector<std::pair<std::string, std::string>> fields = {
                                {"offence.category", "\"burglary\""}}) {
  return make_envelope("referral.created", std::move(fields));
}

TEST(Decide, AllowsAGrantedFlowAndNamesTheAgreement) {
  const AgreementSet set = set_of({base_yaml()});
  const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
  EXPECT_TRUE(d.allowed) << joined(d.reasons);
  EXPECT_EQ(d.agreement_id, "test-agreement");
  EXPECT_EQ(d.agreement_version, 1);
  EXPECT_EQ(d.flow, "referral");
  ASSERT_EQ(d.fields.size(), 1u);
  EXPECT_EQ(d.fields[0].action, Action::share);
  EXPECT_EQ(d.reasons.at(0), "allowed by test-agreement v1 flow `referral`");
  EXPECT_FALSE(d.requires_encryption);
}

struct RouteRow {
  const char* name;
  const char* sender;
  const char* recipient;
  const char* type;
  bool allowed;
  const char* reason;  // substring of some reason
};

class DecideRoutes : public ::testing::TestWithParam<RouteRow> {};

TEST_P(DecideRoutes, DefaultDeny) {
  const std::string text = replace(base_yaml(), "    events: [referral.created]\n",
                                   "    events: [referral.created]\n    to: [provider.lvws]\n");
  const AgreementSet set = set_of({text});
  const RouteRow& row = GetParam();
  const Decision d = decide(make_envelope(row.type, {{"offence.category", "\"x\""}}), row.sender,
                            row.recipient, set, kNow);
  EXPECT_EQ(d.allowed, row.allowed) << joined(d.reasons);
  EXPECT_NE(joined(d.reasons).find(row.reason), std::string::npos) << joined(d.reasons);
  if (!d.allowed) {
    EXPECT_EQ(d.count(Action::drop), d.fields.size());
    EXPECT_EQ(d.agreement, nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DecideRoutes,
    ::testing::Values(
        RouteRow{"granted", "police.met", "provider.lvws", "referral.created", true, "allowed by"},
        RouteRow{"other_event", "police.met", "provider.lvws", "suspect.arrested", false,
                 "no agreement has a flow from police.met to provider.lvws for suspect.arrested"},
        RouteRow{"reverse_direction", "provider.lvws", "police.met", "referral.created", false,
                 "no agreement"},
        RouteRow{"recipient_not_in_flow_to", "police.met", "provider.survivors-uk",
                 "referral.created", false, "no agreement"},
        RouteRow{"unknown_sender", "police.x", "provider.lvws", "referral.created", false,
                 "no agreement"}),
    [](const auto& info) { return std::string(info.param.name); });

struct ConditionRow {
  const char* name;
  const char* condition;  // one YAML flow-map condition
  std::vector<std::pair<std::string, std::string>> fields;
  const char* classification;
  const char* role;
  bool allowed;
};

class DecideConditions : public ::testing::TestWithParam<ConditionRow> {};

TEST_P(DecideConditions, Evaluate) {
  const ConditionRow& row = GetParam();
  const std::string text = replace(
      base_yaml(), "    events: [referral.created]\n",
      "    events: [referral.created]\n    when:\n      - " + std::string(row.condition) + "\n");
  const AgreementSet set = set_of({text});
  const Decision d =
      decide(make_envelope("referral.created", row.fields, row.classification, row.role),
             "police.met", "provider.lvws", set, kNow);
  EXPECT_EQ(d.allowed, row.allowed) << joined(d.reasons);
  if (!row.allowed) {
    EXPECT_NE(joined(d.reasons).find("condition"), std::string::npos) << joined(d.reasons);
    // Reasons go to the audit log: never a field value (beyond the agreement's own literals).
    for (const auto& [p, v] : row.fields) {
      if (v.size() > 6 &&
          std::string(row.condition).find(v.substr(1, v.size() - 2)) == std::string::npos) {
        EXPECT_EQ(joined(d.reasons).find(v), std::string::npos);
      }
    }
  }
}

using F = std::vector<std::pair<std::string, std::string>>;
const char* kOS = "OFFICIAL-SENSITIVE";

INSTANTIATE_TEST_SUITE_P(
    Rows, DecideConditions,
    ::testing::Values(
        ConditionRow{"equals_bool_true", "{fact: data.consent.referral, equals: true}",
                     F{{"consent.referral", "true"}}, kOS, "victim", true},
        ConditionRow{"equals_bool_false", "{fact: data.consent.referral, equals: true}",
                     F{{"consent.referral", "false"}}, kOS, "victim", false},
        ConditionRow{"equals_string_is_not_bool", "{fact: data.consent.referral, equals: true}",
                     F{{"consent.referral", "\"true\""}}, kOS, "victim", false},
        ConditionRow{"equals_absent", "{fact: data.consent.referral, equals: true}", F{}, kOS,
                     "victim", false},
        ConditionRow{"equals_string", "{fact: data.consent.referral, equals: explicit}",
                     F{{"consent.referral", "\"explicit\""}}, kOS, "victim", true},
        ConditionRow{"equals_string_escaped", "{fact: data.consent.referral, equals: explicit}",
                     F{{"consent.referral", "\"\\u0065xplicit\""}}, kOS, "victim", true},
        ConditionRow{"equals_number", "{fact: data.victim.count, equals: 2}",
                     F{{"victim.count", "2"}}, kOS, "victim", true},
        ConditionRow{"equals_number_other", "{fact: data.victim.count, equals: 2}",
                     F{{"victim.count", "3"}}, kOS, "victim", false},
        ConditionRow{"not_equals_other", "{fact: data.consent.referral, not_equals: declined}",
                     F{{"consent.referral", "\"explicit\""}}, kOS, "victim", true},
        ConditionRow{"not_equals_same", "{fact: data.consent.referral, not_equals: declined}",
                     F{{"consent.referral", "\"declined\""}}, kOS, "victim", false},
        ConditionRow{"not_equals_absent", "{fact: data.consent.referral, not_equals: declined}",
                     F{}, kOS, "victim", true},
        ConditionRow{"in_member", "{fact: data.offence.category, in: [rape, sexual_assault]}",
                     F{{"offence.category", "\"sexual_assault\""}}, kOS, "victim", true},
        ConditionRow{"in_non_member", "{fact: data.offence.category, in: [rape, sexual_assault]}",
                     F{{"offence.category", "\"burglary_dwelling\""}}, kOS, "victim", false},
        ConditionRow{"in_absent", "{fact: data.offence.category, in: [rape]}", F{}, kOS, "victim",
                     false},
        ConditionRow{"present_leaf", "{fact: data.enhanced_rights.eligible, present: true}",
                     F{{"enhanced_rights.eligible", "false"}}, kOS, "victim", true},
        ConditionRow{"present_subtree", "{fact: data.enhanced_rights, present: true}",
                     F{{"enhanced_rights.eligible", "true"}}, kOS, "victim", true},
        ConditionRow{"present_sibling_prefix_is_not_subtree",
                     "{fact: data.enhanced_rights, present: true}", F{{"enhanced_rightsx", "true"}},
                     kOS, "victim", false},
        ConditionRow{"present_missing", "{fact: data.enhanced_rights, present: true}", F{}, kOS,
                     "victim", false},
        ConditionRow{"absent_required_and_absent", "{fact: data.victim.dob, present: false}", F{},
                     kOS, "victim", true},
        ConditionRow{"absent_required_but_present", "{fact: data.victim.dob, present: false}",
                     F{{"victim.dob", "\"1990-01-01\""}}, kOS, "victim", false},
        ConditionRow{"enhanced_rights_eligible",
                     "{fact: data.enhanced_rights.eligible, equals: true}",
                     F{{"enhanced_rights.eligible", "true"}}, kOS, "victim", true},
        ConditionRow{"subject_role_match", "{fact: subject.role, in: [victim, witness]}", F{}, kOS,
                     "witness", true},
        ConditionRow{"subject_role_other", "{fact: subject.role, in: [victim, witness]}", F{}, kOS,
                     "suspect", false},
        ConditionRow{"case_owner", "{fact: case.owner, equals: police.met}", F{}, kOS, "victim",
                     true},
        ConditionRow{"case_owner_other", "{fact: case.owner, equals: police.kent}", F{}, kOS,
                     "victim", false},
        ConditionRow{"type_fact", "{fact: type, equals: referral.created}", F{}, kOS, "victim",
                     true},
        ConditionRow{"classification_at_most_equal",
                     "{fact: classification, at_most: OFFICIAL-SENSITIVE}", F{}, kOS, "victim",
                     true},
        ConditionRow{"classification_at_most_lower", "{fact: classification, at_most: OFFICIAL}",
                     F{}, "OFFICIAL [PERSONAL]", "victim", true},
        ConditionRow{"classification_at_most_higher", "{fact: classification, at_most: OFFICIAL}",
                     F{}, kOS, "victim", false},
        ConditionRow{"classification_equals", "{fact: classification, equals: OFFICIAL-SENSITIVE}",
                     F{}, kOS, "victim", true}),
    [](const auto& info) { return std::string(info.param.name); });

// Issue 11 item 6: every classification test compares the marking alone, caveats ignored, as
// at_most and max_classification do; so `not_equals: OFFICIAL` excludes OFFICIAL [PERSONAL].
INSTANTIATE_TEST_SUITE_P(
    ClassificationOneRule, DecideConditions,
    ::testing::Values(
        ConditionRow{"not_equals_caveated_same_marking",
                     "{fact: classification, not_equals: OFFICIAL}", F{}, "OFFICIAL [PERSONAL]",
                     "victim", false},
        ConditionRow{"not_equals_bare_same_marking", "{fact: classification, not_equals: OFFICIAL}",
                     F{}, "OFFICIAL", "victim", false},
        ConditionRow{"not_equals_other_marking", "{fact: classification, not_equals: OFFICIAL}",
                     F{}, "OFFICIAL-SENSITIVE [PERSONAL]", "victim", true},
        ConditionRow{"equals_caveated", "{fact: classification, equals: OFFICIAL-SENSITIVE}", F{},
                     "OFFICIAL-SENSITIVE [PERSONAL]", "victim", true},
        ConditionRow{"equals_other_marking", "{fact: classification, equals: OFFICIAL-SENSITIVE}",
                     F{}, "OFFICIAL [PERSONAL]", "victim", false},
        ConditionRow{"in_caveated", "{fact: classification, in: [OFFICIAL]}", F{},
                     "OFFICIAL [UK EYES ONLY] [PERSONAL]", "victim", true},
        ConditionRow{"in_other_marking", "{fact: classification, in: [OFFICIAL]}", F{}, kOS,
                     "victim", false},
        ConditionRow{"at_most_caveated", "{fact: classification, at_most: OFFICIAL}", F{},
                     "OFFICIAL [PERSONAL]", "victim", true}),
    [](const auto& info) { return std::string(info.param.name); });

// Issue 11 item 6: numbers compare by value, exactly (an integer and a double are equal only
// when the double is that very integer); strings and numbers never equal each other.
INSTANTIATE_TEST_SUITE_P(
    NumbersByValue, DecideConditions,
    ::testing::Values(
        ConditionRow{"not_equals_int_vs_double", "{fact: data.victim.count, not_equals: 1}",
                     F{{"victim.count", "1.0"}}, kOS, "victim", false},
        ConditionRow{"not_equals_int_vs_fraction", "{fact: data.victim.count, not_equals: 1}",
                     F{{"victim.count", "1.5"}}, kOS, "victim", true},
        ConditionRow{"equals_int_vs_double", "{fact: data.victim.count, equals: 2}",
                     F{{"victim.count", "2.0"}}, kOS, "victim", true},
        ConditionRow{"equals_double_vs_int", "{fact: data.victim.count, equals: 2.0}",
                     F{{"victim.count", "2"}}, kOS, "victim", true},
        ConditionRow{"equals_exponent_vs_int", "{fact: data.victim.count, equals: 1e3}",
                     F{{"victim.count", "1000"}}, kOS, "victim", true},
        ConditionRow{"equals_large_exponent_form",
                     "{fact: data.victim.count, equals: 1000000000000000}",
                     F{{"victim.count", "1e+15"}}, kOS, "victim", true},
        ConditionRow{"in_int_vs_double", "{fact: data.victim.count, in: [3, 4]}",
                     F{{"victim.count", "4.0"}}, kOS, "victim", true},
        ConditionRow{"equals_zero_vs_negative_zero", "{fact: data.victim.count, equals: 0}",
                     F{{"victim.count", "-0.0"}}, kOS, "victim", true},
        ConditionRow{"equals_negative", "{fact: data.victim.count, equals: -3}",
                     F{{"victim.count", "-3.0"}}, kOS, "victim", true},
        ConditionRow{"equals_beyond_double_precision_is_exact",
                     "{fact: data.victim.count, equals: 9007199254740993}",
                     F{{"victim.count", "9007199254740992.0"}}, kOS, "victim", false},
        ConditionRow{"equals_largest_unsigned",
                     "{fact: data.victim.count, equals: 18446744073709551615}",
                     F{{"victim.count", "18446744073709551615"}}, kOS, "victim", true},
        ConditionRow{"equals_number_vs_string", "{fact: data.victim.count, equals: 1}",
                     F{{"victim.count", "\"1\""}}, kOS, "victim", false},
        ConditionRow{"not_equals_number_vs_string", "{fact: data.victim.count, not_equals: 1}",
                     F{{"victim.count", "\"1\""}}, kOS, "victim", true},
        ConditionRow{"equals_number_vs_array", "{fact: data.victim.count, equals: 1}",
                     F{{"victim.count", "[1]"}}, kOS, "victim", false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Decide, AllConditionsMustHold) {
  const std::string text = replace(
      base_yaml(), "    events: [referral.created]\n",
      "    events: [referral.created]\n    when:\n      - {fact: data.consent.referral, equals: "
      "explicit}\n      - {fact: data.enhanced_rights.eligible, equals: true}\n");
  const AgreementSet set = set_of({text});
  auto run = [&](const char* consent, const char* eligible) {
    return decide(referral({{"consent.referral", consent}, {"enhanced_rights.eligible", eligible}}),
                  "police.met", "provider.lvws", set, kNow)
        .allowed;
  };
  EXPECT_TRUE(run("\"explicit\"", "true"));
  EXPECT_FALSE(run("\"explicit\"", "false"));
  EXPECT_FALSE(run("\"implied\"", "true"));
}

TEST(Decide, MaxClassificationCapsEveryFlow) {
  const AgreementSet set = set_of({base_yaml()});
  for (const auto& [marking, allowed] :
       std::vector<std::pair<std::string, bool>>{{"OFFICIAL", true},
                                                 {"OFFICIAL-SENSITIVE [PERSONAL]", true},
                                                 {"SECRET", false},
                                                 {"TOP SECRET", false},
                                                 {"RESTRICTED", false},
                                                 {"", false}}) {
    const Decision d = decide(make_envelope("referral.created", {}, marking), "police.met",
                              "provider.lvws", set, kNow);
    EXPECT_EQ(d.allowed, allowed) << marking << "\n" << joined(d.reasons);
    if (!allowed) {
      EXPECT_NE(joined(d.reasons).find("classification"), std::string::npos);
    }
  }
}

struct ValidityRow {
  const char* name;
  const char* now;
  bool allowed;
  std::size_t recipients;  // recipients_for: an ended active agreement stays a candidate
  const char* code;        // Decision::code when refused
};

class DecideValidity : public ::testing::TestWithParam<ValidityRow> {};

TEST_P(DecideValidity, HalfOpenWindow) {
  // valid_from 2026-01-01T00:00:00Z inclusive, valid_until 2027-01-01T00:00:00Z exclusive.
  const AgreementSet set = set_of({base_yaml()});
  const ValidityRow& row = GetParam();
  const Decision d = decide(referral(), "police.met", "provider.lvws", set, testing::at(row.now));
  EXPECT_EQ(d.allowed, row.allowed) << joined(d.reasons);
  EXPECT_EQ(recipients_for(referral(), "police.met", set, testing::at(row.now)).size(),
            row.recipients);
  EXPECT_EQ(d.code, row.code);
  EXPECT_EQ(d.refused_by, row.allowed ? "" : "test-agreement@1");
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DecideValidity,
    ::testing::Values(
        ValidityRow{"before_from", "2025-12-31T23:59:59Z", false, 0, "not_permitted"},
        ValidityRow{"at_from", "2026-01-01T00:00:00Z", true, 2, ""},
        ValidityRow{"after_from", "2026-01-01T00:00:01Z", true, 2, ""},
        ValidityRow{"before_until", "2026-12-31T23:59:59Z", true, 2, ""},
        ValidityRow{"at_until", "2027-01-01T00:00:00Z", false, 2, "agreement_expired"},
        ValidityRow{"after_until", "2027-01-01T00:00:01Z", false, 2, "agreement_expired"},
        ValidityRow{"years_after_until", "2031-06-01T00:00:00Z", false, 2, "agreement_expired"}),
    [](const auto& info) { return std::string(info.param.name); });

// Which refusal names the decision when several candidates fail (Decision::refused_by, code).
struct RefusedByRow {
  const char* name;
  std::vector<std::string> texts;
  const char* now;
  bool allowed;
  const char* refused_by;
  const char* code;
};

class DecideRefusedBy : public ::testing::TestWithParam<RefusedByRow> {};

TEST_P(DecideRefusedBy, NamesTheAgreementAndCode) {
  const RefusedByRow& row = GetParam();
  const AgreementSet set = set_of(row.texts);
  const Decision d = decide(referral(), "police.met", "provider.lvws", set, testing::at(row.now));
  EXPECT_EQ(d.allowed, row.allowed) << joined(d.reasons);
  EXPECT_EQ(d.refused_by, row.refused_by) << joined(d.reasons);
  EXPECT_EQ(d.code, row.code) << joined(d.reasons);
}

std::string version2(std::string text, std::string_view from, std::string_view until) {
  text = replace(text, "version: 1", "version: 2");
  text = replace(text, "valid_from: 2026-01-01", "valid_from: " + std::string(from));
  return replace(text, "valid_until: 2027-01-01", "valid_until: " + std::string(until));
}

std::string failing_condition() {
  return replace(
      base_yaml(), "    events: [referral.created]\n",
      "    events: [referral.created]\n    when:\n      - {fact: subject.role, equals: witness}\n");
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DecideRefusedBy,
    ::testing::Values(RefusedByRow{"expired_alone",
                                   {base_yaml()},
                                   "2027-02-01",
                                   false,
                                   "test-agreement@1",
                                   "agreement_expired"},
                      RefusedByRow{"expired_v1_in_force_v2_grants",
                                   {base_yaml(), version2(base_yaml(), "2027-01-01", "2028-01-01")},
                                   "2027-02-01",
                                   true,
                                   "",
                                   ""},
                      RefusedByRow{
                          "in_force_v2_condition_fails_before_expired_v1",
                          {base_yaml(), version2(failing_condition(), "2027-01-01", "2028-01-01")},
                          "2027-02-01",
                          false,
                          "test-agreement@2",
                          "not_permitted"},
                      RefusedByRow{"future_v2_does_not_hide_expired_v1",
                                   {base_yaml(), version2(base_yaml(), "2027-06-01", "2028-01-01")},
                                   "2027-02-01",
                                   false,
                                   "test-agreement@1",
                                   "agreement_expired"},
                      RefusedByRow{"suspended_is_not_permitted",
                                   {replace(base_yaml(), "status: active", "status: suspended")},
                                   "2026-06-01",
                                   false,
                                   "test-agreement@1",
                                   "not_permitted"},
                      RefusedByRow{"condition_names_its_agreement",
                                   {failing_condition()},
                                   "2026-06-01",
                                   false,
                                   "test-agreement@1",
                                   "not_permitted"}),
    [](const auto& info) { return std::string(info.param.name); });

class DecideStatus : public ::testing::TestWithParam<std::pair<const char*, bool>> {};

TEST_P(DecideStatus, OnlyActiveGrants) {
  const auto [status, allowed] = GetParam();
  const AgreementSet set =
      set_of({replace(base_yaml(), "status: active", std::string("status: ") + status)});
  const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
  EXPECT_EQ(d.allowed, allowed);
  if (!allowed) {
    EXPECT_NE(joined(d.reasons).find(std::string("agreement is ") + status), std::string::npos)
        << joined(d.reasons);
    EXPECT_TRUE(recipients_for(referral(), "police.met", set, kNow).empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, DecideStatus,
                         ::testing::Values(std::pair{"active", true}, std::pair{"draft", false},
                                           std::pair{"suspended", false},
                                           std::pair{"expired", false}),
                         [](const auto& info) { return std::string(info.param.first); });

// Governance holds a version its file declares active (policy/governance apply()): the reason
// names the version and why, once however many flows it has; another version still grants.
TEST(Decide, HeldVersionSaysWhyItIsNotActive) {
  const std::string two_flows = testing::with_flows(R"(  - name: first
    events: [referral.created]
    fields:
      data.offence.category: share
  - name: second
    events: [referral.created]
    fields:
      data.offence.category: mask
)");
  std::vector<Agreement> held;
  held.push_back(testing::load(replace(two_flows, "version: 1", "version: 2")));
  held[0].status = Status::draft;
  held[0].held_reason = "awaiting signatures from provider.lvws";
  const AgreementSet alone(std::move(held));
  const Decision d = decide(referral(), "police.met", "provider.lvws", alone, kNow);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.code, "not_permitted");
  EXPECT_EQ(d.refused_by, testing::load(base_yaml()).id + "@2");
  EXPECT_EQ(d.reasons, std::vector<std::string>{testing::load(base_yaml()).id +
                                                " v2 is not active: awaiting signatures from "
                                                "provider.lvws"});

  std::vector<Agreement> both;
  both.push_back(testing::load(base_yaml()));
  both.push_back(testing::load(replace(two_flows, "version: 1", "version: 2")));
  both[1].status = Status::suspended;
  both[1].held_reason = "suspended by police.met: breach";
  const AgreementSet with_signed(std::move(both));
  const Decision granted = decide(referral(), "police.met", "provider.lvws", with_signed, kNow);
  EXPECT_TRUE(granted.allowed);
  EXPECT_EQ(granted.agreement_version, 1);
  EXPECT_NE(joined(granted.reasons).find(" v2 is not active: suspended by police.met: breach"),
            std::string::npos)
      << joined(granted.reasons);
}

TEST(Decide, FieldPrecedenceExactThenLongestWildcard) {
  const std::string text = testing::with_flows(R"(  - name: precedence
    events: [referral.created]
    fields:
      data.*: mask
      data.victim.*: drop
      data.victim.contact.*: share
      data.victim.contact.phone: {action: generalise, to: year}
)");
  const AgreementSet set = set_of({text});
  const Decision d = decide(referral({{"victim.contact.phone", "\"x\""},
                                      {"victim.contact.email", "\"x\""},
                                      {"victim.contact.safe.times", "\"x\""},
                                      {"victim.dob", "\"x\""},
                                      {"victimx", "\"x\""},
                                      {"victim", "\"x\""},
                                      {"offence.category", "\"x\""}}),
                            "police.met", "provider.lvws", set, kNow);
  ASSERT_TRUE(d.allowed);
  std::map<std::string, std::pair<Action, std::string>> got;
  for (const auto& f : d.fields) got[f.path] = {f.action, f.rule ? f.rule->pattern : ""};
  using P = std::pair<Action, std::string>;
  EXPECT_EQ(got["victim.contact.phone"], (P{Action::generalise, "data.victim.contact.phone"}));
  EXPECT_EQ(got["victim.contact.email"], (P{Action::share, "data.victim.contact.*"}));
  EXPECT_EQ(got["victim.contact.safe.times"], (P{Action::share, "data.victim.contact.*"}));
  EXPECT_EQ(got["victim.dob"], (P{Action::drop, "data.victim.*"}));
  EXPECT_EQ(got["victimx"], (P{Action::mask, "data.*"}));
  // data.victim.* covers what is below victim, not a leaf called victim itself.
  EXPECT_EQ(got["victim"], (P{Action::mask, "data.*"}));
  EXPECT_EQ(got["offence.category"], (P{Action::mask, "data.*"}));
}

TEST(Decide, FieldNotNamedIsDropped) {
  const AgreementSet set = set_of({base_yaml()});
  const Decision d = decide(referral({{"offence.category", "\"x\""}, {"victim.name", "\"x\""}}),
                            "police.met", "provider.lvws", set, kNow);
  ASSERT_TRUE(d.allowed);
  ASSERT_EQ(d.fields.size(), 2u);
  EXPECT_EQ(d.fields[1].path, "victim.name");
  EXPECT_EQ(d.fields[1].action, Action::drop);
  EXPECT_EQ(d.fields[1].rule, nullptr);
}

TEST(Decide, EncryptMarksTheDecision) {
  const AgreementSet set = set_of({replace(base_yaml(), "category: share", "category: encrypt")});
  const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
  ASSERT_TRUE(d.allowed);
  EXPECT_TRUE(d.requires_encryption);
  EXPECT_EQ(d.count(Action::encrypt), 1u);
  // Not named in the envelope → nothing to encrypt → no requirement.
  EXPECT_FALSE(decide(referral({{"other", "1"}}), "police.met", "provider.lvws", set, kNow)
                   .requires_encryption);
}

TEST(Decide, FirstGrantingAgreementWinsAndFailuresAreReported) {
  const std::string a = replace(base_yaml(), "id: test-agreement", "id: a-first");
  const std::string a_blocked =
      replace(a, "    events: [referral.created]\n",
              "    events: [referral.created]\n    when:\n      - {fact: data.consent.referral, "
              "equals: explicit}\n");
  const std::string b = replace(replace(base_yaml(), "id: test-agreement", "id: b-second"),
                                "category: share", "category: mask");
  {
    const AgreementSet set = set_of({b, a});
    const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
    EXPECT_EQ(d.agreement_id, "a-first");
    EXPECT_EQ(d.fields[0].action, Action::share);
  }
  {
    const AgreementSet set = set_of({b, a_blocked});
    const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
    EXPECT_EQ(d.agreement_id, "b-second");
    EXPECT_EQ(d.fields[0].action, Action::mask);
    EXPECT_NE(
        joined(d.reasons).find("a-first v1 flow `referral`: condition "
                               "data.consent.referral == \"explicit\" not met (field absent)"),
        std::string::npos)
        << joined(d.reasons);
  }
}

TEST(Decide, HigherVersionIsTriedFirst) {
  const std::string v1 = replace(base_yaml(), "valid_until: 2027-01-01", "valid_until: 2026-07-01");
  const std::string v2 = replace(replace(replace(base_yaml(), "version: 1", "version: 2"),
                                         "valid_from: 2026-01-01", "valid_from: 2026-07-01"),
                                 "category: share", "category: drop");
  const AgreementSet set = set_of({v1, v2});
  EXPECT_EQ(decide(referral(), "police.met", "provider.lvws", set, testing::at("2026-06-30"))
                .agreement_version,
            1);
  const Decision later =
      decide(referral(), "police.met", "provider.lvws", set, testing::at("2026-07-01"));
  EXPECT_EQ(later.agreement_version, 2);
  EXPECT_EQ(later.fields[0].action, Action::drop);
}

TEST(Decide, ShadowAgreementIsEvaluatedButNeverGrants) {
  const std::string shadow = replace(replace(base_yaml(), "id: test-agreement", "id: shadow-one"),
                                     "category: share", "category: mask") +
                             "mode: shadow\n";
  {
    const AgreementSet set = set_of({shadow});
    const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
    EXPECT_FALSE(d.allowed);
    EXPECT_NE(joined(d.reasons).find("only shadow-mode"), std::string::npos);
    ASSERT_EQ(d.shadow.size(), 1u);
    EXPECT_TRUE(d.shadow[0].allowed);
    EXPECT_EQ(d.shadow[0].agreement_id, "shadow-one");
    EXPECT_EQ(d.shadow[0].fields[0].action, Action::mask);
    EXPECT_TRUE(recipients_for(referral(), "police.met", set, kNow).empty());
  }
  {
    const AgreementSet set = set_of({shadow, base_yaml()});
    const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.agreement_id, "test-agreement");
    ASSERT_EQ(d.shadow.size(), 1u);
    EXPECT_EQ(d.shadow[0].fields[0].action, Action::mask);
  }
  {
    const AgreementSet set = set_of({base_yaml()});
    EXPECT_TRUE(decide(referral(), "police.met", "provider.lvws", set, kNow).shadow.empty());
  }
}

TEST(RecipientsFor, ListsRecipientsOfInForceFlowsSortedUnique) {
  const std::string two_flows =
      base_yaml() +
      "  - name: again\n    events: [referral.created]\n    to: [provider.lvws]\n"
      "    when:\n      - {fact: type, equals: x}\n    fields:\n"
      "      data.offence.category: share\n";
  const AgreementSet set = set_of({two_flows});
  EXPECT_EQ(recipients_for(referral(), "police.met", set, kNow),
            (std::vector<std::string>{"provider.lvws", "provider.survivors-uk"}));
  EXPECT_TRUE(recipients_for(referral(), "provider.lvws", set, kNow).empty());
  EXPECT_TRUE(
      recipients_for(make_envelope("suspect.arrested", {}), "police.met", set, kNow).empty());
}

TEST(RecipientsFor, ShadowRecipientsAreListedSeparately) {
  const std::string shadow =
      replace(replace(replace(base_yaml(), "id: test-agreement", "id: shadow-one"),
                      "recipients: [provider.lvws, provider.survivors-uk]",
                      "recipients: [provider.lvws, provider.survivors-uk, wcu.met]"),
              "  - {agency: provider.lvws, role: controller}\n",
              "  - {agency: provider.lvws, role: controller}\n"
              "  - {agency: wcu.met, role: controller}\n") +
      "mode: shadow\n";
  const AgreementSet set = set_of({base_yaml(), shadow});
  EXPECT_EQ(recipients_for(referral(), "police.met", set, kNow),
            (std::vector<std::string>{"provider.lvws", "provider.survivors-uk"}));
  EXPECT_EQ(shadow_recipients_for(referral(), "police.met", set, kNow),
            (std::vector<std::string>{"provider.lvws", "provider.survivors-uk", "wcu.met"}));
  // Only shadow agreements in force count.
  EXPECT_TRUE(
      shadow_recipients_for(referral(), "police.met", set, testing::at("2027-01-01")).empty());
  const Decision d = decide(referral(), "police.met", "wcu.met", set, kNow);
  EXPECT_FALSE(d.allowed);
  ASSERT_EQ(d.shadow.size(), 1u);
  EXPECT_TRUE(d.shadow[0].allowed);
  EXPECT_EQ(d.shadow[0].agreement_id, "shadow-one");
}

TEST(AgreementSet, ManyUnrelatedAgreementsDoNotChangeTheDecision) {
  std::vector<Agreement> many;
  for (int i = 0; i < 2000; ++i) {
    Agreement a = testing::load(base_yaml());
    a.id = "other-" + std::to_string(i);
    a.provider = "police.f" + std::to_string(i);
    many.push_back(std::move(a));
  }
  many.push_back(testing::load(base_yaml()));
  const AgreementSet set(std::move(many));
  const Decision d = decide(referral(), "police.met", "provider.lvws", set, kNow);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.agreement_id, "test-agreement");
  EXPECT_EQ(d.reasons.size(), 1u);
  ASSERT_NE(set.candidates("police.met", "provider.lvws", "referral.created"), nullptr);
  EXPECT_EQ(set.candidates("police.met", "provider.lvws", "referral.created")->size(), 1u);
}

}  // namespace
}  // namespace accord::agreements
