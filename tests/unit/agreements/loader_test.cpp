#include "accord/agreements/loader.hpp"

#include <gtest/gtest.h>

#include <cctype>

#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::pos_of;
using testing::replace;

TEST(Loader, BaseAgreementLoadsEveryItem) {
  const Agreement a = testing::load(base_yaml(), "base.yaml");
  EXPECT_EQ(a.file, "base.yaml");
  EXPECT_EQ(a.id, "test-agreement");
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.status, Status::active);
  EXPECT_EQ(a.mode, Mode::enforce);
  EXPECT_EQ(a.provider, "police.met");
  EXPECT_EQ(a.recipients, (std::vector<std::string>{"provider.lvws", "provider.survivors-uk"}));
  ASSERT_EQ(a.parties.size(), 3u);
  EXPECT_TRUE(a.parties[0].competent_authority);
  EXPECT_EQ(a.parties[2].role, PartyRole::processor);
  EXPECT_EQ(a.lawful_basis.article6, "6(1)(e) public task");
  EXPECT_EQ(a.valid_from, testing::at("2026-01-01"));
  EXPECT_EQ(a.valid_until, testing::at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(a.review_by, testing::at("2026-12-01"));
  ASSERT_EQ(a.retention.size(), 2u);
  EXPECT_EQ(a.retention[1].agency, "provider.survivors-uk");
  EXPECT_EQ(a.onward_sharing, OnwardSharing::prohibited);
  EXPECT_EQ(a.max_classification, Classification::official_sensitive);
  EXPECT_EQ(a.breach_contact, "dpo@example.org");
  ASSERT_EQ(a.signatories.size(), 1u);
  EXPECT_EQ(a.dpia_ref, "DPIA-1");
  ASSERT_EQ(a.flows.size(), 1u);
  EXPECT_EQ(a.flows[0].events, std::vector<std::string>{"referral.created"});
  ASSERT_EQ(a.flows[0].fields.size(), 1u);
  EXPECT_EQ(a.flows[0].fields[0].prefix, "offence.category");
  EXPECT_EQ(a.flows[0].fields[0].pos, pos_of(base_yaml(), "data.offence.category"));
  EXPECT_EQ(a.id_pos, pos_of(base_yaml(), "test-agreement"));
}

TEST(Loader, FieldRuleAndConditionForms) {
  const std::string text = testing::with_flows(R"(  - name: all-forms
    events: [referral.created]
    to: [provider.lvws]
    when:
      - {fact: data.consent.referral, equals: true}
      - {fact: data.consent.referral, not_equals: "true"}
      - {fact: data.offence.category, in: [rape, 42, sexual_offence]}
      - {fact: data.enhanced_rights, present: false}
      - {fact: classification, at_most: OFFICIAL}
      - {fact: subject.role, equals: victim}
    fields:
      data.a: share
      data.b: drop
      data.c: mask
      data.d: {action: mask, keep_last: 2}
      data.e: {action: generalise, to: year}
      data.f: {action: generalise, to: age_band, bands: [0, 18, 65]}
      data.g: {action: generalise, to: postcode_district}
      data.h: pseudonymise
      data.i: encrypt
      data.j.*: share
      data.*: drop
)");
  const Agreement a = testing::load(text);
  const Flow& f = a.flows.at(0);
  EXPECT_EQ(f.to, std::vector<std::string>{"provider.lvws"});
  ASSERT_EQ(f.when.size(), 6u);
  EXPECT_EQ(f.when[0].values, std::vector<std::string>{"true"});
  EXPECT_EQ(f.when[1].values, std::vector<std::string>{"\"true\""});  // quoted: a string
  EXPECT_EQ(f.when[2].values, (std::vector<std::string>{"\"rape\"", "42", "\"sexual_offence\""}));
  EXPECT_EQ(f.when[3].op, Op::present);
  EXPECT_EQ(f.when[3].values, std::vector<std::string>{"false"});
  EXPECT_EQ(f.when[4].at_most, Classification::official);
  EXPECT_EQ(f.when[5].values, std::vector<std::string>{"\"victim\""});
  ASSERT_EQ(f.fields.size(), 11u);
  EXPECT_EQ(f.fields[2].keep_last, 4);
  EXPECT_EQ(f.fields[3].keep_last, 2);
  EXPECT_EQ(f.fields[4].to, Generalisation::year);
  EXPECT_EQ(f.fields[5].bands, (std::vector<int>{0, 18, 65}));
  EXPECT_EQ(f.fields[6].to, Generalisation::postcode_district);
  EXPECT_EQ(f.fields[7].action, Action::pseudonymise);
  EXPECT_EQ(f.fields[8].action, Action::encrypt);
  EXPECT_TRUE(f.fields[9].wildcard);
  EXPECT_EQ(f.fields[9].prefix, "j");
  EXPECT_TRUE(f.fields[10].wildcard);
  EXPECT_EQ(f.fields[10].prefix, "");
}

// One row per loader error: the text, the code, and where it must point.
struct LoaderRow {
  std::string name;
  std::string text;
  const char* code;
  std::string marker;  // the error's line:col is this text's position ("" = no position)
  int skip = 0;
};

std::vector<LoaderRow> loader_rows() {
  const std::string b = base_yaml();
  const std::string field = "      data.offence.category: share\n";
  auto flow_extra = [&](std::string_view extra) {
    return replace(b, "    events: [referral.created]\n",
                   "    events: [referral.created]\n" + std::string(extra));
  };
  return {
      {"unknown_top_key", b + "colour: blue\n", "unknown_key", "colour"},
      {"retention_free_text_period",
       replace(b, "period: P1Y, trigger: case_closed", "period: 1 year, trigger: case_closed"),
       "invalid_retention", "1 year"},
      {"retention_fraction", replace(b, "period: P1Y", "period: P1.5Y"), "invalid_retention",
       "P1.5Y"},
      {"retention_negative", replace(b, "period: P1Y", "period: P-1Y"), "invalid_retention",
       "P-1Y"},
      {"retention_zero", replace(b, "period: P1Y", "period: P0D"), "invalid_retention", "P0D"},
      {"retention_unknown_trigger", replace(b, "trigger: case_closed", "trigger: case finalised"),
       "invalid_retention", "case finalised"},
      {"misspelt_key", replace(b, "review_by:", "reviw_by:"), "unknown_key", "reviw_by"},
      {"duplicate_key", b + "title: Again\n", "duplicate_key", "title: Again"},
      {"missing_key", replace(b, "dpia_ref: DPIA-1\n", ""), "missing_key", "id:"},
      {"bad_status", replace(b, "status: active", "status: live"), "invalid_value", "live"},
      {"bad_mode", b + "mode: maybe\n", "invalid_value", "maybe"},
      {"bad_date", replace(b, "2026-01-01", "2026-13-01"), "invalid_date", "2026-13-01"},
      {"bad_time", replace(b, "2026-01-01", "2026-01-01T25:00:00Z"), "invalid_date",
       "2026-01-01T25"},
      {"validity_reversed", replace(b, "valid_until: 2027-01-01", "valid_until: 2025-01-01"),
       "invalid_validity", "2025-01-01"},
      {"bad_classification", replace(b, "OFFICIAL-SENSITIVE", "RESTRICTED"), "invalid_value",
       "RESTRICTED"},
      {"version_zero", replace(b, "version: 1", "version: 0"), "invalid_value", "0\ntitle"},
      {"version_text", replace(b, "version: 1", "version: one"), "invalid_value", "one"},
      {"bad_id", replace(b, "id: test-agreement", "id: Test Agreement"), "invalid_value",
       "Test Agreement"},
      {"recipients_scalar", replace(b, "[provider.lvws, provider.survivors-uk]", "provider.lvws"),
       "wrong_type", "provider.lvws\nparties"},
      {"recipient_twice", replace(b, "provider.survivors-uk]", "provider.lvws]"), "duplicate_item",
       "provider.lvws", 1},
      {"bad_role", replace(b, "role: processor", "role: partner"), "invalid_value", "partner"},
      {"bad_onward", replace(b, "onward_sharing: prohibited", "onward_sharing: sometimes"),
       "invalid_value", "sometimes"},
      {"no_lawful_basis", replace(b, "  article6: 6(1)(e) public task", "  article10: Sch 1"),
       "missing_lawful_basis", "article10"},
      {"unknown_basis_key", replace(b, "  article6:", "  article7:"), "unknown_key", "article7"},
      {"path_without_data", replace(b, "data.offence.category", "offence.category"), "invalid_path",
       "offence.category"},
      {"wildcard_in_middle", replace(b, "data.offence.category", "data.*.category"), "invalid_path",
       "data.*.category"},
      {"empty_segment", replace(b, "data.offence.category", "data.offence..category"),
       "invalid_path", "data.offence..category"},
      {"unknown_action", replace(b, "category: share", "category: reveal"), "invalid_value",
       "reveal"},
      {"generalise_without_to", replace(b, "category: share", "category: generalise"),
       "missing_key", "generalise"},
      {"bad_generalisation",
       replace(b, "category: share", "category: {action: generalise, to: decade}"), "invalid_value",
       "decade"},
      {"keep_last_on_share",
       replace(b, "category: share", "category: {action: share, keep_last: 4}"), "unused_parameter",
       "keep_last"},
      {"to_on_mask", replace(b, "category: share", "category: {action: mask, to: year}"),
       "unused_parameter", "to: year"},
      {"bands_on_year",
       replace(b, "category: share", "category: {action: generalise, to: year, bands: [0, 18]}"),
       "unused_parameter", "bands"},
      {"bands_descending",
       replace(b, "category: share",
               "category: {action: generalise, to: age_band, bands: [0, 30, 18]}"),
       "invalid_value", "[0, 30, 18]"},
      {"bands_not_from_zero",
       replace(b, "category: share",
               "category: {action: generalise, to: age_band, bands: [18, 30]}"),
       "invalid_value", "[18, 30]"},
      {"keep_last_text", replace(b, "category: share", "category: {action: mask, keep_last: all}"),
       "invalid_value", "all"},
      {"contradictory_field_action",
       replace(b, field, field + "      data.offence.category: drop\n"),
       "contradictory_field_action", "data.offence.category: drop"},
      {"duplicate_field", replace(b, field, field + field), "duplicate_field",
       "data.offence.category", 1},
      {"recipient_not_listed", flow_extra("    to: [provider.other]\n"), "recipient_not_listed",
       "provider.other"},
      {"two_tests_in_condition",
       flow_extra("    when:\n      - {fact: type, equals: a, in: [b]}\n"), "invalid_condition",
       "{fact: type"},
      {"no_test_in_condition", flow_extra("    when:\n      - {fact: type}\n"), "invalid_condition",
       "{fact: type"},
      {"unknown_fact", flow_extra("    when:\n      - {fact: victim.name, equals: x}\n"),
       "invalid_path", "victim.name"},
      {"wildcard_fact", flow_extra("    when:\n      - {fact: data.victim.*, present: true}\n"),
       "invalid_path", "data.victim.*"},
      {"at_most_on_data", flow_extra("    when:\n      - {fact: data.x, at_most: OFFICIAL}\n"),
       "invalid_condition", "at_most"},
      {"at_most_unknown", flow_extra("    when:\n      - {fact: classification, at_most: PINK}\n"),
       "invalid_value", "PINK"},
      {"in_not_a_list", flow_extra("    when:\n      - {fact: type, in: x}\n"), "wrong_type", "x}"},
      {"equals_a_list", flow_extra("    when:\n      - {fact: type, equals: [x]}\n"), "wrong_type",
       "[x]"},
      {"present_not_bool", flow_extra("    when:\n      - {fact: data.x, present: maybe}\n"),
       "invalid_value", "maybe"},
      {"when_not_a_list", flow_extra("    when: {fact: type, equals: x}\n"), "wrong_type",
       "{fact: type"},
      {"unknown_flow_key", flow_extra("    priority: 1\n"), "unknown_key", "priority"},
      {"events_empty", replace(b, "[referral.created]", "[]"), "wrong_type", "[]"},
      {"fields_empty", replace(b, field, "      {}\n"), "wrong_type", "{}"},
      {"flows_not_a_list", testing::with_flows("  name: x\n"), "wrong_type", "name: x"},
      {"special_category_bad_path", b + "special_category: [victim.health]\n", "invalid_path",
       "victim.health]"},
      {"yaml_syntax", replace(b, "title: Test agreement", "title: [unclosed"), "yaml_syntax", ""},
      {"empty_file", "", "not_one_document", ""},
      {"two_documents", b + "---\n" + b, "not_one_document", "id: test-agreement", 1},
      {"not_a_map", "- just\n- a list\n", "wrong_type", "- just"},
      {"too_large", b + "# " + std::string(kMaxAgreementBytes, 'x') + "\n", "too_large", ""},
  };
}

// Issue 11 item 6: a condition value has one canonical spelling. Plain scalars that a YAML
// reader could take for a boolean, null or number in a form JSON does not write are refused
// with file:line (they used to become strings that silently never matched).
std::vector<LoaderRow> noncanonical_rows() {
  const std::string b = base_yaml();
  auto when = [&](std::string_view condition) {
    return replace(
        b, "    events: [referral.created]\n",
        "    events: [referral.created]\n    when:\n      - " + std::string(condition) + "\n");
  };
  std::vector<LoaderRow> rows;
  for (const char* v : {"True", "TRUE", "False", "FALSE", "yes",  "No",    "on",         "OFF",
                        "y",    "N",    "+1",    ".5",    "0x10", "0o17",  "010",        "1_000",
                        "1.",   "1:20", ".inf",  "-.inf", ".NaN", "1e400", "2026-01-01", "-x"}) {
    std::string name = "equals_" + std::to_string(rows.size()) + "_" + v;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    // The error points at the value: skip the marker's occurrences in the base text.
    const std::string marker = std::string(v) + "}";
    int skip = 0;
    for (auto at = b.find(marker); at != std::string::npos; at = b.find(marker, at + 1)) ++skip;
    rows.push_back({name, when(std::string("{fact: data.x, equals: ") + v + "}"),
                    "noncanonical_value", marker, skip});
  }
  rows.push_back(
      {"in_item_True", when("{fact: data.x, in: [a, True]}"), "noncanonical_value", "True]"});
  rows.push_back(
      {"not_equals_plus_one", when("{fact: data.x, not_equals: +1}"), "noncanonical_value", "+1}"});
  rows.push_back(
      {"explicit_tag", when("{fact: data.x, equals: !!str 1}"), "noncanonical_value", "!!str"});
  rows.push_back({"explicit_int_tag", when("{fact: data.x, equals: !!int 0x10}"),
                  "noncanonical_value", "!!int"});
  // Classification tests compare the bare marking: caveats in a value are refused.
  rows.push_back({"classification_value_with_caveat",
                  when("{fact: classification, equals: \"OFFICIAL [PERSONAL]\"}"), "invalid_value",
                  "\"OFFICIAL [PERSONAL]\""});
  rows.push_back({"classification_in_item_with_caveat",
                  when("{fact: classification, in: [OFFICIAL, \"OFFICIAL-SENSITIVE [PERSONAL]\"]}"),
                  "invalid_value", "\"OFFICIAL-SENSITIVE [PERSONAL]\""});
  rows.push_back({"classification_not_a_marking", when("{fact: classification, not_equals: PINK}"),
                  "invalid_value", "PINK"});
  rows.push_back({"at_most_with_caveat",
                  when("{fact: classification, at_most: \"OFFICIAL [PERSONAL]\"}"), "invalid_value",
                  "\"OFFICIAL [PERSONAL]\""});
  return rows;
}

class LoaderErrors : public ::testing::TestWithParam<LoaderRow> {};

TEST_P(LoaderErrors, ReportsCodePositionAndHint) {
  const LoaderRow& row = GetParam();
  const LoadResult r = parse(row.text, "bad.yaml");
  EXPECT_FALSE(r.ok());
  bool found = false;
  for (const Diagnostic& d : r.diagnostics) {
    EXPECT_EQ(d.file, "bad.yaml");
    EXPECT_FALSE(d.hint.empty()) << d.to_string();
    if (d.code != row.code) continue;
    if (row.marker.empty()) {
      found = true;
    } else if (d.pos == pos_of(row.text, row.marker, row.skip)) {
      found = true;
    }
  }
  std::string all;
  for (const Diagnostic& d : r.diagnostics) all += d.to_string() + "\n";
  const Pos want = row.marker.empty() ? Pos{} : pos_of(row.text, row.marker, row.skip);
  EXPECT_TRUE(found) << "want " << row.code << " at " << want.line << ":" << want.column
                     << "; got:\n"
                     << all;
}

INSTANTIATE_TEST_SUITE_P(Rows, LoaderErrors, ::testing::ValuesIn(loader_rows()),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(Noncanonical, LoaderErrors, ::testing::ValuesIn(noncanonical_rows()),
                         [](const auto& info) { return std::string(info.param.name); });

// The canonical spellings load, with their JSON types: quoted scalars are always text.
TEST(Loader, CanonicalConditionValues) {
  const std::string text = testing::with_flows(R"(  - name: values
    events: [referral.created]
    when:
      - {fact: data.a, equals: true}
      - {fact: data.a, equals: "True"}
      - {fact: data.a, equals: 'yes'}
      - {fact: data.a, equals: -1}
      - {fact: data.a, equals: 0.5}
      - {fact: data.a, equals: 1e3}
      - {fact: data.a, equals: "0x10"}
      - {fact: data.a, equals: explicit}
      - {fact: classification, in: [OFFICIAL, OFFICIAL-SENSITIVE, SECRET, TOP SECRET]}
      - {fact: classification, not_equals: OFFICIAL}
    fields:
      data.a: share
)");
  const Agreement a = testing::load(text);
  const auto& w = a.flows.at(0).when;
  ASSERT_EQ(w.size(), 10u);
  const std::vector<std::string> want = {"true", "\"True\"", "\"yes\"",  "-1",
                                         "0.5",  "1000.0",   "\"0x10\"", "\"explicit\""};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(w[i].values.at(0), want[i]) << i;
  EXPECT_EQ(w[8].values, (std::vector<std::string>{"\"OFFICIAL\"", "\"OFFICIAL-SENSITIVE\"",
                                                   "\"SECRET\"", "\"TOP SECRET\""}));
}

TEST(Loader, DiagnosticTextNamesFileLineColumnAndFix) {
  const std::string text = replace(base_yaml(), "status: active", "status: live");
  const LoadResult r = parse(text, "agreements/x.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].to_string(),
            "agreements/x.yaml:4:9: error: `status` cannot be `live` (fix: use one of: draft, "
            "active, suspended, expired) [invalid_value]");
}

TEST(Loader, UnknownKeySuggestsTheNearestKey) {
  const LoadResult r = parse(replace(base_yaml(), "review_by:", "reviw_by:"), "x.yaml");
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics[0].hint.find("did you mean 'review_by'?"), std::string::npos);
}

TEST(Loader, ReportsSeveralErrorsAtOnce) {
  std::string text = replace(base_yaml(), "status: active", "status: live");
  text = replace(text, "category: share", "category: reveal");
  text += "colour: blue\n";
  const LoadResult r = parse(text, "x.yaml");
  EXPECT_EQ(r.diagnostics.size(), 3u);
}

TEST(Loader, ParseAllKeepsGoodFilesAndCollectsErrors) {
  const LoadedSet set = parse_all(
      {{"a.yaml", base_yaml()}, {"b.yaml", replace(base_yaml(), "status: active", "status: x")}});
  ASSERT_EQ(set.agreements.size(), 1u);
  EXPECT_EQ(set.agreements[0].file, "a.yaml");
  ASSERT_EQ(set.diagnostics.size(), 1u);
  EXPECT_EQ(set.diagnostics[0].file, "b.yaml");
}

TEST(Time, ParsesDatesAndRfc3339) {
  EXPECT_EQ(parse_instant("2026-01-01T01:00:00+01:00"), parse_instant("2026-01-01"));
  EXPECT_EQ(parse_instant("2026-01-01T00:00:00.999Z"), parse_instant("2026-01-01"));
  EXPECT_EQ(format_instant(testing::at("2026-03-04T05:06:07-01:00")), "2026-03-04T06:06:07Z");
  for (const char* bad :
       {"", "2026", "2026-02-30", "2026-1-01", "2026-01-01T", "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00", "2026-01-01T00:00:00+0100", "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:00Zx", "2026-01-01T00:00:00.Z"}) {
    EXPECT_FALSE(parse_instant(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace accord::agreements
