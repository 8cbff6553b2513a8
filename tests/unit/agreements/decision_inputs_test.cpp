#include "accord/agreements/decision_inputs.hpp"

#include <gtest/gtest.h>

#include "accord/agreements/decision.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::make_envelope;
using testing::replace;
using F = std::vector<std::pair<std::string, std::string>>;
using Details = std::vector<std::pair<std::string, std::string>>;

const Instant kNow = testing::at("2026-06-01T12:00:00Z");

// base_yaml() whose one flow has these conditions (each "{fact: ..., ...}").
std::string with_when(const std::vector<std::string>& conditions, std::string text = base_yaml()) {
  std::string when = "    events: [referral.created]\n    when:\n";
  for (const auto& c : conditions) when += "      - " + c + "\n";
  return replace(std::move(text), "    events: [referral.created]\n", when);
}

std::vector<Agreement> load_all(const std::vector<std::string>& texts) {
  std::vector<Agreement> out;
  int n = 0;
  for (const auto& t : texts) out.push_back(testing::load(t, "a" + std::to_string(++n) + ".yaml"));
  return out;
}

TEST(ConditionLiterals, CoverEveryAgreementWhateverItsStatusOrModeSortedAndUnique) {
  const std::string draft = replace(
      replace(with_when({"{fact: data.consent.referral, in: [opt_out_not_exercised, explicit]}",
                         "{fact: data.victim.count, equals: 3}"}),
              "status: active", "status: draft"),
      "id: test-agreement", "id: other-agreement");
  const std::string shadow =
      replace(replace(with_when({"{fact: data.consent.referral, not_equals: explicit}",
                                 "{fact: data.needs.safety, present: true}",
                                 "{fact: subject.role, equals: victim}",
                                 "{fact: classification, at_most: OFFICIAL-SENSITIVE}",
                                 "{fact: state.consent, equals: given}"}),
                      "status: active", "status: active\nmode: shadow"),
              "id: test-agreement", "id: shadow-agreement");
  const auto literals = ConditionLiterals::of(load_all({draft, shadow}));
  using L = std::vector<std::string>;
  // present, header, classification and state.* tests name no data literal.
  const std::map<std::string, L, std::less<>> want = {
      {"data.consent.referral", L{"\"explicit\"", "\"opt_out_not_exercised\""}},
      {"data.victim.count", L{"3"}}};
  EXPECT_EQ(literals.by_path(), want);

  const AgreementSet set(load_all({draft, shadow}));
  EXPECT_EQ(ConditionLiterals::of(set).by_path(), want);
}

struct CollectRow {
  const char* name;
  std::vector<std::string> conditions;  // of one flow
  F fields;                             // the envelope's data (relative paths)
  Details facts;                        // expected DecisionInputs::facts
};

class CollectInputs : public ::testing::TestWithParam<CollectRow> {};

TEST_P(CollectInputs, KeepsALiteralOrTheLiteralsItIsNot) {
  const CollectRow& row = GetParam();
  const auto literals = ConditionLiterals::of(load_all({with_when(row.conditions)}));
  const auto inputs =
      collect_inputs(make_envelope("referral.created", row.fields), literals, nullptr);
  EXPECT_EQ(inputs.facts, row.facts);
}

const std::vector<std::string> kConsentIn = {
    "{fact: data.consent.referral, in: [explicit, opt_out_not_exercised]}"};
const std::vector<std::string> kCountIs3 = {"{fact: data.victim.count, equals: 3}"};
const char* kNotConsent = R"({"not":["explicit","opt_out_not_exercised"]})";

INSTANTIATE_TEST_SUITE_P(
    Rows, CollectInputs,
    ::testing::Values(
        CollectRow{"string_literal", kConsentIn, F{{"consent.referral", "\"explicit\""}},
                   Details{{"data.consent.referral", "\"explicit\""}}},
        // Equal by decoded text: the literal is recorded, not the sender's spelling.
        CollectRow{"escaped_string_is_the_literal", kConsentIn,
                   F{{"consent.referral", "\"\\u0065xplicit\""}},
                   Details{{"data.consent.referral", "\"explicit\""}}},
        CollectRow{"other_string_is_not_any", kConsentIn,
                   F{{"consent.referral", "\"declined: see note from J Smith\""}},
                   Details{{"data.consent.referral", kNotConsent}}},
        CollectRow{"number_by_value", kCountIs3, F{{"victim.count", "3.0"}},
                   Details{{"data.victim.count", "3"}}},
        CollectRow{"number_other", kCountIs3, F{{"victim.count", "3.5"}},
                   Details{{"data.victim.count", R"({"not":[3]})"}}},
        CollectRow{"string_is_not_a_number", kCountIs3, F{{"victim.count", "\"3\""}},
                   Details{{"data.victim.count", R"({"not":[3]})"}}},
        CollectRow{"bool_literal",
                   {"{fact: data.needs.emotional_support, equals: true}"},
                   F{{"needs.emotional_support", "true"}},
                   Details{{"data.needs.emotional_support", "true"}}},
        CollectRow{"array_equals_none", kConsentIn, F{{"consent.referral", "[\"explicit\"]"}},
                   Details{{"data.consent.referral", kNotConsent}}},
        CollectRow{"empty_object_leaf_equals_none", kConsentIn, F{{"consent.referral", "{}"}},
                   Details{{"data.consent.referral", kNotConsent}}},
        // Something below the tested path: its value is an object, which equals no literal.
        CollectRow{"present_below", kConsentIn, F{{"consent.referral.kind", "\"explicit\""}},
                   Details{{"data.consent.referral", kNotConsent}}},
        CollectRow{"absent_is_not_listed", kConsentIn, F{{"consent.recorded_at", "\"x\""}},
                   Details{}},
        CollectRow{"sibling_prefix_is_not_below", kConsentIn,
                   F{{"consent.referralx", "\"explicit\""}}, Details{}},
        // An array is a leaf: nothing lies below it, so a path into it is absent.
        CollectRow{"path_into_array_is_absent",
                   {"{fact: data.needs.practical.first, equals: lock_change}"},
                   F{{"needs.practical", "[\"lock_change\"]"}},
                   Details{}},
        CollectRow{"nested_paths_each_listed",
                   {"{fact: data.consent.referral, equals: explicit}",
                    "{fact: data.victim.contact.channel, not_equals: phone}"},
                   F{{"consent.referral", "\"explicit\""},
                     {"victim.contact.channel", "\"phone\""},
                     {"victim.contact.phone", "\"07700 900123\""}},
                   Details{{"data.consent.referral", "\"explicit\""},
                           {"data.victim.contact.channel", "\"phone\""}}},
        CollectRow{"present_tests_keep_nothing",
                   {"{fact: data.victim.contact.phone, present: true}"},
                   F{{"victim.contact.phone", "\"07700 900123\""}},
                   Details{}}),
    [](const auto& info) { return std::string(info.param.name); });

// The recorded fact says exactly what decide() concluded: for every field value, a condition
// naming one of the literals holds iff the recorded fact is that literal.
TEST(CollectInputs, AgreesWithDecideOnEveryRow) {
  const std::vector<std::string> values = {"3",    "3.0", "-3", "3e0", "\"3\"", "true",
                                           "null", "[3]", "{}", "0",   "-0.0"};
  for (const char* literal : {"3", "0", "-3"}) {
    const std::string text =
        with_when({std::string("{fact: data.victim.count, equals: ") + literal + "}"});
    const AgreementSet set(load_all({text}));
    const auto literals = ConditionLiterals::of(set);
    for (const auto& v : values) {
      const auto e = make_envelope("referral.created", {{"victim.count", v}});
      const bool allowed = decide(e, "police.met", "provider.lvws", set, kNow).allowed;
      const auto inputs = collect_inputs(e, literals, nullptr);
      ASSERT_EQ(inputs.facts.size(), 1u) << v;
      EXPECT_EQ(inputs.facts[0].second == literal, allowed) << literal << " vs " << v;
    }
  }
}

TEST(CollectInputs, HeadersPathsAndStateOnlyWhenRead) {
  auto e = make_envelope("referral.created",
                         {{"victim.dob", "\"1987-03-14\""}, {"offence.category", "\"burglary\""}},
                         "OFFICIAL-SENSITIVE [PERSONAL]");
  SubjectState state;
  state.consent = "given";
  state.contact["channel"] = "email";
  state.contact["do_not_contact"] = "false";

  const auto not_read = collect_inputs(e, ConditionLiterals{}, nullptr);
  EXPECT_EQ(not_read.classification, "OFFICIAL-SENSITIVE");  // the marking, caveats dropped
  EXPECT_EQ(not_read.case_owner, "police.met");
  EXPECT_EQ(not_read.paths, (std::vector<std::string>{"data.offence.category", "data.victim.dob"}));
  EXPECT_FALSE(not_read.state_read);
  EXPECT_EQ(inputs_details(not_read), (Details{{"classification", "OFFICIAL-SENSITIVE"},
                                               {"case.owner", "police.met"},
                                               {"state", "not_read"}}));
  EXPECT_EQ(inputs_fields(not_read),
            (Details{{"data.offence.category", "present"}, {"data.victim.dob", "present"}}));

  const auto read = collect_inputs(e, ConditionLiterals{}, &state);
  EXPECT_TRUE(read.state_read);
  EXPECT_EQ(inputs_details(read), (Details{{"classification", "OFFICIAL-SENSITIVE"},
                                           {"case.owner", "police.met"},
                                           {"state", "read"},
                                           {"state.consent", "given"},
                                           {"state.contact.channel", "email"},
                                           {"state.contact.do_not_contact", "false"}}));

  // Read, but nothing recorded about the subject yet.
  const SubjectState empty;
  EXPECT_EQ(inputs_details(collect_inputs(e, ConditionLiterals{}, &empty)),
            (Details{{"classification", "OFFICIAL-SENSITIVE"},
                     {"case.owner", "police.met"},
                     {"state", "read"}}));

  e.classification = "RESTRICTED";
  EXPECT_EQ(collect_inputs(e, ConditionLiterals{}, nullptr).classification, "");
}

TEST(InputsDetails, FactsFollowTheStateAndRoundTrip) {
  const auto literals = ConditionLiterals::of(load_all({with_when(
      {"{fact: data.consent.referral, in: [explicit, opt_out_not_exercised]}",
       "{fact: data.victim.count, equals: 3}", "{fact: data.needs.safety, not_equals: high}"})}));
  const auto e = make_envelope("referral.created", {{"consent.referral", "\"declined\""},
                                                    {"needs.safety", "\"high\""},
                                                    {"victim.count", "3"},
                                                    {"victim.dob", "\"1987-03-14\""}});
  SubjectState state;
  state.consent = "withdrawn";
  state.contact["updates"] = "key_only";
  const auto inputs = collect_inputs(e, literals, &state);
  const auto details = inputs_details(inputs);
  EXPECT_EQ(details, (Details{{"classification", "OFFICIAL-SENSITIVE"},
                              {"case.owner", "police.met"},
                              {"state", "read"},
                              {"state.consent", "withdrawn"},
                              {"state.contact.updates", "key_only"},
                              {"fact.data.consent.referral", kNotConsent},
                              {"fact.data.needs.safety", "\"high\""},
                              {"fact.data.victim.count", "3"}}));

  const auto back = inputs_from_record(details, inputs_fields(inputs));
  ASSERT_TRUE(back.ok()) << back.error().path << ": " << back.error().message;
  EXPECT_EQ(back->classification, inputs.classification);
  EXPECT_EQ(back->case_owner, inputs.case_owner);
  EXPECT_EQ(back->paths, inputs.paths);
  EXPECT_EQ(back->facts, inputs.facts);
  EXPECT_TRUE(back->state_read);
  EXPECT_EQ(back->state.consent, state.consent);
  EXPECT_EQ(back->state.contact, state.contact);
  EXPECT_EQ(inputs_details(*back), details);

  const auto none = inputs_from_record(inputs_details(collect_inputs(e, literals, nullptr)), {});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->state_read);
  EXPECT_TRUE(none->paths.empty());
}

struct MalformedRow {
  const char* name;
  Details details;
  F fields;
  const char* path;  // the offending member
};

class InputsFromRecord : public ::testing::TestWithParam<MalformedRow> {};

TEST_P(InputsFromRecord, RefusesAMalformedMemberNamingIt) {
  const MalformedRow& row = GetParam();
  const auto r = inputs_from_record(row.details, row.fields);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_record");
  EXPECT_EQ(r.error().path, row.path) << r.error().message;
}

const std::pair<std::string, std::string> kCls = {"classification", "OFFICIAL"};
const std::pair<std::string, std::string> kOwner = {"case.owner", "police.met"};
const std::pair<std::string, std::string> kRead = {"state", "read"};
const std::pair<std::string, std::string> kNotRead = {"state", "not_read"};

INSTANTIATE_TEST_SUITE_P(
    Rows, InputsFromRecord,
    ::testing::Values(
        MalformedRow{"no_classification", Details{kOwner, kNotRead}, F{}, "details.classification"},
        MalformedRow{"caveated_classification",
                     Details{{"classification", "OFFICIAL [PERSONAL]"}, kOwner, kNotRead}, F{},
                     "details.classification"},
        MalformedRow{"no_owner", Details{kCls, kNotRead}, F{}, "details.case.owner"},
        MalformedRow{"no_state", Details{kCls, kOwner}, F{}, "details.state"},
        MalformedRow{"bad_state", Details{kCls, kOwner, {"state", "maybe"}}, F{}, "details.state"},
        MalformedRow{"state_fact_not_read",
                     Details{kCls, kOwner, kNotRead, {"state.consent", "given"}}, F{},
                     "details.state.consent"},
        MalformedRow{"state_fact_off_list",
                     Details{kCls, kOwner, kRead, {"state.contact.channel", "pigeon"}}, F{},
                     "details.state.contact.channel"},
        MalformedRow{
            "state_fact_twice",
            Details{
                kCls, kOwner, kRead, {"state.consent", "given"}, {"state.consent", "withdrawn"}},
            F{}, "details.state.consent"},
        MalformedRow{"unknown_member", Details{kCls, kOwner, kNotRead, {"victim.dob", "x"}}, F{},
                     "details.victim.dob"},
        MalformedRow{"fact_not_data", Details{kCls, kOwner, kNotRead, {"fact.subject.role", "1"}},
                     F{}, "details.fact.subject.role"},
        MalformedRow{"fact_not_json", Details{kCls, kOwner, kNotRead, {"fact.data.x", "explicit"}},
                     F{}, "details.fact.data.x"},
        MalformedRow{"fact_object",
                     Details{kCls, kOwner, kNotRead, {"fact.data.x", R"({"is":["a"]})"}}, F{},
                     "details.fact.data.x"},
        MalformedRow{"fact_not_empty",
                     Details{kCls, kOwner, kNotRead, {"fact.data.x", R"({"not":[]})"}}, F{},
                     "details.fact.data.x"},
        MalformedRow{"fact_not_nested",
                     Details{kCls, kOwner, kNotRead, {"fact.data.x", R"({"not":[[1]]})"}}, F{},
                     "details.fact.data.x"},
        MalformedRow{"facts_out_of_order",
                     Details{kCls, kOwner, kNotRead, {"fact.data.y", "1"}, {"fact.data.x", "1"}},
                     F{}, "details.fact.data.x"},
        MalformedRow{"field_not_data", Details{kCls, kOwner, kNotRead},
                     F{{"victim.dob", "present"}}, "fields[0]"},
        MalformedRow{"field_not_present", Details{kCls, kOwner, kNotRead},
                     F{{"data.a", "present"}, {"data.b", "share"}}, "fields[1]"},
        MalformedRow{"fields_twice", Details{kCls, kOwner, kNotRead},
                     F{{"data.a", "present"}, {"data.a", "present"}}, "fields[1]"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::agreements
