#include "accord/agreements/validator.hpp"

#include <gtest/gtest.h>

#include "accord/agreements/loader.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::pos_of;
using testing::replace;

const Instant kNow = testing::at("2026-06-01T12:00:00Z");

std::vector<Diagnostic> check(const std::vector<std::string>& texts, Instant now = kNow) {
  std::vector<Agreement> set;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    set.push_back(testing::load(texts[i], "f" + std::to_string(i) + ".yaml"));
  }
  return validate(set, testing::directory(), testing::vocabulary(), now);
}

TEST(Validator, BaseAgreementIsClean) {
  EXPECT_TRUE(check({base_yaml()}).empty());
}

struct ValidatorRow {
  const char* name;
  std::vector<std::string> texts;
  const char* code;    // "" = no diagnostics at all (negative row)
  std::string marker;  // position within texts[file]
  std::size_t file = 0;
  Severity severity = Severity::error;
  Instant now = kNow;
};

std::vector<ValidatorRow> rows() {
  const std::string b = base_yaml();
  const std::string field = "      data.offence.category: share\n";
  auto add_field = [&](std::string_view line, std::string text) {
    return replace(std::move(text), field, field + std::string(line));
  };
  const std::string v2 = replace(b, "version: 1", "version: 2");
  const std::string other = replace(b, "id: test-agreement", "id: z-other");
  const std::string art9 = replace(b, "  article6: 6(1)(e) public task\n",
                                   "  article6: 6(1)(e) public task\n  article9: 9(2)(g)\n");
  return {
      {"unknown_provider",
       {replace(replace(b, "provider: police.met", "provider: police.nowhere"),
                "agency: police.met, role: controller",
                "agency: police.nowhere, role: controller")},
       "unknown_agency",
       "police.nowhere"},
      {"unknown_recipient",
       {replace(b, "provider.survivors-uk]", "provider.nowhere]")},
       "unknown_agency",
       "provider.nowhere"},
      {"unknown_party",
       {replace(b, "agency: provider.survivors-uk, role", "agency: provider.x, role")},
       "unknown_agency",
       "{agency: provider.x"},
      {"unknown_retention_agency",
       {replace(b, "agency: provider.lvws, period", "agency: provider.y, period")},
       "unknown_agency",
       "{agency: provider.y"},
      {"unknown_signatory_agency",
       {replace(b, "role: SIRO, agency: police.met", "role: SIRO, agency: x.y")},
       "unknown_agency",
       "{name: A. Person"},
      {"unknown_event_type",
       {replace(b, "[referral.created]", "[referral.made]")},
       "unknown_event_type",
       "referral.made"},
      {"recipient_is_provider",
       {replace(replace(b, "provider.survivors-uk]", "police.met]"),
                "  - {agency: provider.survivors-uk, role: processor}\n", "")},
       "recipient_is_provider",
       "police.met]"},
      {"party_missing",
       {replace(b, "  - {agency: provider.survivors-uk, role: processor}\n", "")},
       "party_missing",
       "provider.survivors-uk]"},
      {"retention_missing",
       {replace(b,
                "  - {agency: provider.survivors-uk, period: P1Y, trigger: case_closed, disposal: "
                "deletion}\n",
                "")},
       "retention_missing",
       "provider.survivors-uk]"},
      {"special_category_default_list",
       {add_field("      data.needs.health.conditions: share\n", b)},
       "special_category_without_article9",
       "data.needs.health.conditions"},
      {"special_category_under_wildcard",
       {add_field("      data.needs.*: mask\n", b)},
       "special_category_without_article9",
       "data.needs.*"},
      {"special_category_whole_data",
       {add_field("      data.*: pseudonymise\n", b)},
       "special_category_without_article9",
       "data.*"},
      {"special_category_declared",
       {add_field("      data.offence.details: share\n",
                  b + "special_category: [data.offence.details]\n")},
       "special_category_without_article9",
       "data.offence.details: share"},
      {"special_category_with_article9",
       {add_field("      data.needs.health.conditions: share\n",
                  replace(b, "  article6: 6(1)(e) public task\n",
                          "  article6: 6(1)(e) public task\n  article9: 9(2)(g)\n"))},
       "",
       ""},
      {"special_category_with_part3_sensitive",
       {add_field(
           "      data.needs.health.conditions: share\n",
           replace(b, "  article6: 6(1)(e) public task\n",
                   "  article6: 6(1)(e) public task\n  dpa_part3_sensitive: Sch 8 para 1\n"))},
       "",
       ""},
      {"special_category_dropped", {add_field("      data.needs.health.*: drop\n", b)}, "", ""},
      // A warning, never an error: an agreement's end date must not stop start or reload.
      {"expired_but_active",
       {b},
       "expired",
       "2027-01-01",
       0,
       Severity::warning,
       testing::at("2027-01-01T00:00:00Z")},
      {"expired_years_ago_but_active",
       {b},
       "expired",
       "2027-01-01",
       0,
       Severity::warning,
       testing::at("2031-01-01T00:00:00Z")},
      {"not_yet_expired", {b}, "", "", 0, Severity::error, testing::at("2026-11-30T23:59:59Z")},
      {"expired_status_expired",
       {replace(b, "status: active", "status: expired")},
       "",
       "",
       0,
       Severity::error,
       testing::at("2027-06-01")},
      {"review_overdue",
       {b},
       "review_overdue",
       "2026-12-01",
       0,
       Severity::warning,
       testing::at("2026-12-01T00:00:00Z")},
      {"duplicate_version", {b, b}, "duplicate_version", "1\ntitle", 1},
      {"overlapping_versions",
       {b, replace(v2, "valid_from: 2026-01-01", "valid_from: 2026-12-01")},
       "overlapping_versions",
       "2026-12-01",
       1},
      {"adjacent_versions_do_not_overlap",
       {b, replace(replace(v2, "valid_from: 2026-01-01", "valid_from: 2027-01-01"),
                   "valid_until: 2027-01-01", "valid_until: 2028-01-01")},
       "",
       ""},
      {"shadow_version_may_overlap", {b, v2 + "mode: shadow\n"}, "", ""},
      {"suspended_version_may_overlap",
       {b, replace(v2, "status: active", "status: suspended")},
       "",
       ""},
      {"contradictory_flows",
       {b + "  - name: second\n    events: [referral.created]\n    fields:\n"
            "      data.offence.category: drop\n"},
       "contradictory_field_action",
       "data.offence.category: drop"},
      {"flows_with_different_conditions_may_differ",
       {b + "  - name: second\n    events: [referral.created]\n    when:\n"
            "      - {fact: data.consent.referral, equals: explicit}\n    fields:\n"
            "      data.offence.category: drop\n"},
       "",
       ""},
      {"flows_for_different_recipients_may_differ",
       {replace(b, "    events: [referral.created]\n",
                "    events: [referral.created]\n    to: [provider.lvws]\n") +
        "  - name: second\n    events: [referral.created]\n    to: [provider.survivors-uk]\n    "
        "fields:\n"
        "      data.offence.category: drop\n"},
       "",
       ""},
      // Issue 11 item 6: two agreements in force for one route must not give a field two
      // actions (the first by id would decide), whatever their conditions.
      {"agreements_contradict",
       {b, replace(other, "category: share", "category: drop")},
       "contradictory_field_action",
       "data.offence.category: drop",
       1},
      {"agreements_contradict_whatever_the_conditions",
       {b, replace(replace(other, "category: share", "category: mask"),
                   "    events: [referral.created]\n",
                   "    events: [referral.created]\n    when:\n"
                   "      - {fact: data.consent.referral, equals: explicit}\n")},
       "contradictory_field_action",
       "data.offence.category: mask",
       1},
      {"agreements_contradict_in_parameters",
       {replace(b, "category: share", "category: {action: mask, keep_last: 2}"),
        replace(other, "category: share", "category: mask")},
       "contradictory_field_action",
       "data.offence.category: mask",
       1},
      {"agreements_agree", {b, other}, "", ""},
      {"agreements_for_other_recipients_may_differ",
       {replace(b, "    events: [referral.created]\n",
                "    events: [referral.created]\n    to: [provider.lvws]\n"),
        replace(replace(other, "category: share", "category: drop"),
                "    events: [referral.created]\n",
                "    events: [referral.created]\n    to: [provider.survivors-uk]\n")},
       "",
       ""},
      {"shadow_agreement_may_differ",
       {b, replace(other, "category: share", "category: drop") + "mode: shadow\n"},
       "",
       ""},
      {"suspended_agreement_may_differ",
       {b, replace(replace(other, "category: share", "category: drop"), "status: active",
                   "status: suspended")},
       "",
       ""},
      {"agreements_in_force_at_different_times_may_differ",
       {b, replace(replace(replace(other, "category: share", "category: drop"),
                           "valid_from: 2026-01-01", "valid_from: 2027-01-01"),
                   "valid_until: 2027-01-01", "valid_until: 2028-01-01")},
       "",
       ""},
      // Issue 11 item 6: an exact drop rule does not drop what lies below it.
      {"drop_leaf_only_under_share_all",
       {add_field("      data.victim: drop\n      data.*: share\n", art9)},
       "drop_leaf_only",
       "data.victim: drop",
       0,
       Severity::warning},
      {"drop_leaf_only_under_nearer_wildcard",
       {add_field("      data.victim.contact: drop\n      data.victim.*: mask\n", art9)},
       "drop_leaf_only",
       "data.victim.contact: drop",
       0,
       Severity::warning},
      {"drop_with_its_own_wildcard_is_clean",
       {add_field("      data.victim: drop\n      data.victim.*: drop\n      data.*: share\n",
                  art9)},
       "",
       ""},
      {"drop_leaf_without_wildcard_is_clean", {add_field("      data.victim: drop\n", b)}, "", ""},
      {"drop_leaf_under_drop_wildcard_is_clean",
       {add_field("      data.victim.contact: drop\n      data.victim.*: drop\n", b)},
       "",
       ""},
      {"part3_without_competent_authority",
       {replace(b, "  article6: 6(1)(e) public task", "  dpa_part3: s.31 law enforcement")},
       "part3_without_competent_authority",
       "dpa_part3"},
  };
}

class ValidatorRows : public ::testing::TestWithParam<ValidatorRow> {};

TEST_P(ValidatorRows, Finds) {
  const ValidatorRow& row = GetParam();
  const auto diags = check(row.texts, row.now);
  std::string all;
  for (const Diagnostic& d : diags) all += d.to_string() + "\n";
  if (std::string_view(row.code).empty()) {
    EXPECT_TRUE(diags.empty()) << all;
    return;
  }
  const Pos want = pos_of(row.texts[row.file], row.marker);
  bool found = false;
  for (const Diagnostic& d : diags) {
    EXPECT_FALSE(d.hint.empty()) << d.to_string();
    if (d.code == row.code && d.pos == want && d.severity == row.severity &&
        d.file == "f" + std::to_string(row.file) + ".yaml") {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "want " << row.code << " at f" << row.file << ".yaml:" << want.line << ":"
                     << want.column << "; got:\n"
                     << all;
  EXPECT_EQ(has_errors(diags), row.severity == Severity::error) << all;
}

INSTANTIATE_TEST_SUITE_P(Rows, ValidatorRows, ::testing::ValuesIn(rows()),
                         [](const auto& info) { return std::string(info.param.name); });

// Advance notice: valid_until 2027-01-01T00:00:00Z and review_by 2026-12-01 in base_yaml().
struct NoticeRow {
  const char* name;
  const char* now;
  int notice_days;
  std::string status;
  std::vector<std::string> codes;  // in order
  const char* message;             // substring of the first message, if any
};

class Notices : public ::testing::TestWithParam<NoticeRow> {};

TEST_P(Notices, WarnAheadOfEndAndReview) {
  const NoticeRow& row = GetParam();
  const std::vector<Agreement> set = {
      testing::load(replace(base_yaml(), "status: active", "status: " + row.status), "f0.yaml")};
  const auto found = notices(set, testing::at(row.now), std::chrono::days{row.notice_days});
  std::vector<std::string> codes;
  for (const Diagnostic& d : found) {
    codes.push_back(d.code);
    EXPECT_EQ(d.severity, Severity::warning) << d.to_string();
    EXPECT_FALSE(d.hint.empty()) << d.to_string();
  }
  EXPECT_EQ(codes, row.codes);
  if (!found.empty()) {
    EXPECT_NE(found[0].message.find(row.message), std::string::npos) << found[0].message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, Notices,
    ::testing::Values(
        NoticeRow{"far_ahead", "2026-06-01", 30, "active", {}, ""},
        NoticeRow{"review_31_days", "2026-10-31", 30, "active", {}, ""},
        NoticeRow{"review_30_days", "2026-11-01", 30, "active", {"review_due"}, "in 30 days"},
        NoticeRow{"end_due_review_past", "2026-12-15", 30, "active", {"expiry_due"}, "in 17 days"},
        NoticeRow{
            "end_in_1_second", "2026-12-31T23:59:59Z", 30, "active", {"expiry_due"}, "in 1 day"},
        NoticeRow{"ended_is_not_notice", "2027-01-01", 30, "active", {}, ""},
        NoticeRow{"longer_notice",
                  "2026-06-01",
                  365,
                  "active",
                  {"expiry_due", "review_due"},
                  "stops granting at 2027-01-01T00:00:00Z"},
        NoticeRow{"suspended_has_no_notice", "2026-12-15", 30, "suspended", {}, ""}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::agreements
