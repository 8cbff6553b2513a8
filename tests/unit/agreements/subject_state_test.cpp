// The subject's stored state in decisions (docs/agreements.md "Consent and stored state"):
// consent_based flows, state.* conditions, their loading, and which routes read the state.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "accord/agreements/decision.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/report.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::make_envelope;
using testing::replace;

const Instant kNow = testing::at("2026-06-01T12:00:00Z");

AgreementSet set_of(const std::string& text) {
  std::vector<Agreement> v;
  v.push_back(testing::load(text));
  return AgreementSet(std::move(v));
}

std::string with_flow_lines(const std::string& lines) {
  return replace(base_yaml(), "    events: [referral.created]\n",
                 "    events: [referral.created]\n" + lines);
}

std::string joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += r + "\n";
  return out;
}

SubjectState consent(std::optional<std::string> value,
                     std::map<std::string, std::string> contact = {}) {
  return SubjectState{std::move(value), std::move(contact)};
}

struct StateRow {
  const char* name;
  const char* flow_lines;  // added to the base flow
  SubjectState state;
  bool allowed;
  const char* reason;  // substring of some reason
};

class DecideWithState : public ::testing::TestWithParam<StateRow> {};

TEST_P(DecideWithState, Rows) {
  const StateRow& row = GetParam();
  const AgreementSet set = set_of(with_flow_lines(row.flow_lines));
  const Decision d = decide(make_envelope("referral.created", {{"offence.category", "\"x\""}}),
                            "police.met", "provider.lvws", set, kNow, row.state);
  EXPECT_EQ(d.allowed, row.allowed) << joined(d.reasons);
  EXPECT_NE(joined(d.reasons).find(row.reason), std::string::npos) << joined(d.reasons);
  if (!d.allowed) {
    EXPECT_EQ(d.code, "not_permitted");
    EXPECT_EQ(d.refused_by, "test-agreement@1");
  }
}

constexpr const char* kConsentBased = "    consent_based: true\n";
constexpr const char* kWhenGiven = "    when:\n      - {fact: state.consent, equals: given}\n";
constexpr const char* kWhenNotPhone =
    "    when:\n      - {fact: state.contact.channel, not_equals: phone}\n";
constexpr const char* kWhenDoNotContactFalse =
    "    when:\n      - {fact: state.contact.do_not_contact, equals: false}\n";
constexpr const char* kWhenUpdatesPresent =
    "    when:\n      - {fact: state.contact.updates, present: true}\n";

INSTANTIATE_TEST_SUITE_P(
    Rows, DecideWithState,
    ::testing::Values(
        StateRow{"consent_based_no_state", kConsentBased, consent(std::nullopt), true,
                 "allowed by"},
        StateRow{"consent_based_given", kConsentBased, consent("given"), true, "allowed by"},
        StateRow{"consent_based_withdrawn", kConsentBased, consent("withdrawn"), false,
                 "consent_based flow: the subject's consent is withdrawn"},
        StateRow{"plain_flow_ignores_withdrawal", "", consent("withdrawn"), true, "allowed by"},
        StateRow{"when_given_holds", kWhenGiven, consent("given"), true, "allowed by"},
        StateRow{"when_given_absent", kWhenGiven, consent(std::nullopt), false,
                 "state.consent == \"given\" not met (state not recorded)"},
        StateRow{"when_given_withdrawn", kWhenGiven, consent("withdrawn"), false,
                 "state.consent == \"given\" not met (state differs)"},
        StateRow{"not_equals_absent_holds", kWhenNotPhone, consent(std::nullopt), true,
                 "allowed by"},
        StateRow{"not_equals_phone", kWhenNotPhone, consent(std::nullopt, {{"channel", "phone"}}),
                 false, "state.contact.channel != \"phone\" not met"},
        StateRow{"not_equals_email", kWhenNotPhone, consent(std::nullopt, {{"channel", "email"}}),
                 true, "allowed by"},
        StateRow{"bool_false_holds", kWhenDoNotContactFalse,
                 consent(std::nullopt, {{"do_not_contact", "false"}}), true, "allowed by"},
        StateRow{"bool_true_fails", kWhenDoNotContactFalse,
                 consent(std::nullopt, {{"do_not_contact", "true"}}), false,
                 "state.contact.do_not_contact == false not met (state differs)"},
        StateRow{"present_absent", kWhenUpdatesPresent, consent(std::nullopt), false,
                 "is present not met (state not recorded)"},
        StateRow{"present_recorded", kWhenUpdatesPresent,
                 consent(std::nullopt, {{"updates", "key_only"}}), true, "allowed by"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DecideWithState, DefaultStateIsEmpty) {
  const AgreementSet set = set_of(with_flow_lines(kConsentBased));
  const Decision d = decide(make_envelope("referral.created", {{"offence.category", "\"x\""}}),
                            "police.met", "provider.lvws", set, kNow);
  EXPECT_TRUE(d.allowed) << joined(d.reasons);
}

TEST(ReadsSubjectState, OnlyRoutesWithAConsentBasedFlowOrAStateCondition) {
  struct Row {
    const char* lines;
    bool reads;
  };
  for (const Row& row : {Row{"", false}, Row{kConsentBased, true}, Row{kWhenGiven, true},
                         Row{"    consent_based: false\n", false},
                         Row{"    when:\n      - {fact: data.x, equals: 1}\n", false}}) {
    const AgreementSet set = set_of(with_flow_lines(row.lines));
    EXPECT_EQ(reads_subject_state(set, "police.met", "referral.created"), row.reads) << row.lines;
    EXPECT_FALSE(reads_subject_state(set, "police.met", "suspect.arrested"));
    EXPECT_FALSE(reads_subject_state(set, "provider.lvws", "referral.created"));
  }
}

TEST(LoadState, ConsentBasedAndStateFactsLoad) {
  const Agreement a = testing::load(
      with_flow_lines(std::string(kConsentBased) +
                      "    when:\n      - {fact: state.contact.updates, in: [all, key_only]}\n"
                      "      - {fact: state.contact.do_not_contact, not_equals: true}\n"));
  ASSERT_EQ(a.flows.size(), 1u);
  EXPECT_TRUE(a.flows[0].consent_based);
  ASSERT_EQ(a.flows[0].when.size(), 2u);
  EXPECT_EQ(a.flows[0].when[0].describe(), "state.contact.updates in [\"all\", \"key_only\"]");
  EXPECT_EQ(a.flows[0].when[1].describe(), "state.contact.do_not_contact != true");
  EXPECT_FALSE(testing::load(base_yaml()).flows[0].consent_based);
}

struct BadRow {
  const char* name;
  const char* lines;
  const char* code;
  const char* message;  // substring
};

class LoadStateErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(LoadStateErrors, Refused) {
  const BadRow& row = GetParam();
  const LoadResult r = parse(with_flow_lines(row.lines), "bad.yaml");
  EXPECT_FALSE(r.ok());
  std::string all;
  bool found = false;
  for (const Diagnostic& d : r.diagnostics) {
    all += d.to_string() + "\n";
    found = found || (d.code == row.code && d.message.find(row.message) != std::string::npos);
  }
  EXPECT_TRUE(found) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, LoadStateErrors,
    ::testing::Values(
        BadRow{"unknown_state_fact", "    when:\n      - {fact: state.mood, equals: x}\n",
               "invalid_path", "unknown state fact `state.mood`"},
        BadRow{"unknown_contact_key",
               "    when:\n      - {fact: state.contact.phone, present: true}\n", "invalid_path",
               "unknown state fact `state.contact.phone`"},
        BadRow{"consent_value_outside_list",
               "    when:\n      - {fact: state.consent, equals: withdrew}\n", "invalid_value",
               "`state.consent` is never \"withdrew\""},
        BadRow{"channel_in_item_outside_list",
               "    when:\n      - {fact: state.contact.channel, in: [email, fax]}\n",
               "invalid_value", "is never \"fax\""},
        BadRow{"do_not_contact_as_text",
               "    when:\n      - {fact: state.contact.do_not_contact, equals: \"true\"}\n",
               "invalid_value", "is never \"true\""},
        BadRow{"consent_based_not_boolean", "    consent_based: yes\n", "invalid_value",
               "`consent_based` must be true or false"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ExposureDiff, MakingAFlowConsentBasedChangesItsConditions) {
  std::vector<Agreement> before, after;
  before.push_back(testing::load(base_yaml()));
  after.push_back(testing::load(with_flow_lines(kConsentBased)));
  const auto changes = exposure_diff(before, after, kNow);
  bool seen = false;
  for (const auto& c : changes) {
    if (c.field == "(conditions)" &&
        c.after.find("consent not withdrawn (consent_based)") != std::string::npos) {
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << format_exposure_diff(changes);
}

}  // namespace
}  // namespace accord::agreements
