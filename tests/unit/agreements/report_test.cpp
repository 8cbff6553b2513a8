#include "accord/agreements/report.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::replace;

const Instant kNow = testing::at("2026-06-01T12:00:00Z");

TEST(Report, ListShowsStatusValidityAndReview) {
  std::vector<Agreement> v = {
      testing::load(base_yaml()),
      testing::load(replace(replace(base_yaml(), "id: test-agreement", "id: draft-one"),
                            "status: active", "status: draft")),
      testing::load(replace(replace(base_yaml(), "id: test-agreement", "id: overdue"),
                            "review_by: 2026-12-01", "review_by: 2026-05-01")),
      testing::load(replace(replace(base_yaml(), "id: test-agreement", "id: soon"),
                            "review_by: 2026-12-01", "review_by: 2026-06-20")),
      testing::load(replace(replace(base_yaml(), "id: test-agreement", "id: future"),
                            "valid_from: 2026-01-01", "valid_from: 2026-09-01"))};
  const std::string out = format_list(v, kNow);
  auto line = [&](std::string_view id) {
    const auto at = out.find(std::string(id) + " v1");
    EXPECT_NE(at, std::string::npos) << id << "\n" << out;
    return at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
  };
  EXPECT_NE(line("test-agreement").find("active "), std::string::npos);
  EXPECT_NE(line("test-agreement").find("police.met -> provider.lvws,provider.survivors-uk"),
            std::string::npos);
  EXPECT_NE(line("test-agreement").find("2026-01-01..2027-01-01  review by 2026-12-01"),
            std::string::npos);
  EXPECT_EQ(line("test-agreement").find("REVIEW"), std::string::npos);
  EXPECT_NE(line("draft-one").find("draft"), std::string::npos);
  EXPECT_NE(line("overdue").find("(REVIEW OVERDUE)"), std::string::npos);
  EXPECT_NE(line("soon").find("(review due in 19 days)"), std::string::npos);
  EXPECT_NE(line("future").find("(not yet in force)"), std::string::npos);
  EXPECT_LT(out.find("draft-one"), out.find("test-agreement"));  // sorted by id
}

// The notice column: validity ending within the notice period, or ended (still `active`).
struct ListNoticeRow {
  const char* name;
  const char* now;
  int notice_days;
  const char* want;  // substring of the line; "" = no notice at all
};

class ListNotice : public ::testing::TestWithParam<ListNoticeRow> {};

TEST_P(ListNotice, ShowsEndsAndEnded) {
  const ListNoticeRow& row = GetParam();
  const std::string out = format_list({testing::load(base_yaml())}, testing::at(row.now),
                                      std::chrono::days{row.notice_days});
  if (std::string_view(row.want).empty()) {
    EXPECT_EQ(out.find("ends in"), std::string::npos) << out;
    EXPECT_EQ(out.find("ENDED"), std::string::npos) << out;
  } else {
    EXPECT_NE(out.find(row.want), std::string::npos) << out;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ListNotice,
    ::testing::Values(
        ListNoticeRow{"far", "2026-06-01", 30, ""},
        ListNoticeRow{"within_30", "2026-12-20", 30, "(ends in 12 days)"},
        ListNoticeRow{"within_longer_notice", "2026-06-01T12:00:00Z", 365, "(ends in 214 days)"},
        ListNoticeRow{"shorter_notice", "2026-12-20", 7, ""},
        ListNoticeRow{"last_second", "2026-12-31T23:59:59Z", 30, "(ends in 1 day)"},
        ListNoticeRow{"ended", "2027-01-01", 30, "(ENDED 2027-01-01: no longer grants)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Report, ExplainShowsEachFieldAndWhy) {
  const std::string text = testing::with_flows(R"(  - name: referral
    events: [referral.created]
    fields:
      data.victim.dob: {action: generalise, to: year}
      data.victim.phone: encrypt
      data.victim.ref: pseudonymise
      data.offence.*: share
)");
  const AgreementSet set({testing::load(text)});
  const auto e = testing::make_envelope("referral.created", {{"victim.dob", "\"1987-03-14\""},
                                                             {"victim.phone", "\"07700\""},
                                                             {"victim.ref", "\"R1\""},
                                                             {"offence.category", "\"burglary\""},
                                                             {"officer.collar", "\"PC 1\""}});
  const std::string out = format_explanation(e, "police.met", "provider.lvws",
                                             decide(e, "police.met", "provider.lvws", set, kNow));
  for (const char* want :
       {"police.met -> provider.lvws: referral.created (message msg-1, 5 fields)",
        "decision: ALLOW by test-agreement v1 flow `referral`", "requires encryption: yes",
        "(rule data.victim.dob) -> \"1987\"", "<encrypted for provider.lvws>",
        "<keyed hash, stable for provider.lvws>", "(rule data.offence.*) -> \"burglary\"",
        "data.officer.collar", "not named by the flow: dropped by default"}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  // Issue 11 item 6: field encryption exists; the text says what happens without a key.
  EXPECT_EQ(out.find("until field encryption is available"), std::string::npos) << out;
  EXPECT_NE(out.find("no_recipient_key"), std::string::npos) << out;
  // Explaining a denial lists the reasons and no field values.
  const std::string denied = format_explanation(e, "police.met", "cps.london",
                                                decide(e, "police.met", "cps.london", set, kNow));
  EXPECT_NE(denied.find("decision: DENY"), std::string::npos);
  EXPECT_NE(denied.find("no agreement has a flow"), std::string::npos);
  EXPECT_EQ(denied.find("burglary"), std::string::npos);
}

TEST(Report, ExposureDiffShowsWhoGainsAndLosesWhat) {
  const std::string before = testing::with_flows(R"(  - name: referral
    events: [referral.created]
    fields:
      data.offence.category: share
      data.victim.dob: {action: generalise, to: year}
      data.victim.phone: share
      data.victim.notes: drop
)");
  std::string after =
      replace(before, "data.victim.dob: {action: generalise, to: year}", "data.victim.dob: share");
  after = replace(after, "      data.victim.phone: share\n", "      data.victim.postcode: share\n");
  after =
      replace(after, "events: [referral.created]", "events: [referral.created, suspect.arrested]");
  after = replace(after, "[provider.lvws, provider.survivors-uk]", "[provider.lvws]");
  const auto changes = exposure_diff({testing::load(before)}, {testing::load(after)}, kNow);
  const std::string out = format_exposure_diff(changes);
  for (const char* want : {
           "provider.lvws:\n",
           "  ~ police.met -> provider.lvws  referral.created  data.victim.dob: "
           "generalise(year) -> share\n",
           "  + police.met -> provider.lvws  referral.created  data.victim.postcode: share\n",
           "  - police.met -> provider.lvws  referral.created  data.victim.phone: share (rule "
           "removed)\n",
           "  + police.met -> provider.lvws  suspect.arrested  now received, when always\n",
           "  + police.met -> provider.lvws  suspect.arrested  data.offence.category: share\n",
           "provider.survivors-uk:\n",
           "  - police.met -> provider.survivors-uk  referral.created  no longer received (was "
           "when always)\n",
           "  - police.met -> provider.survivors-uk  referral.created  data.victim.phone: share\n",
       }) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  // Unchanged rules of a kept route are not listed; drop rules are not exposure.
  EXPECT_EQ(out.find("provider.lvws  referral.created  data.offence.category"), std::string::npos);
  EXPECT_EQ(out.find("data.victim.notes"), std::string::npos) << out;
  EXPECT_TRUE(exposure_diff({testing::load(before)}, {testing::load(before)}, kNow).empty());
}

TEST(Report, ExposureDiffCountsOnlyInForceEnforcedAgreements) {
  const Agreement active = testing::load(base_yaml());
  const Agreement draft = testing::load(replace(base_yaml(), "status: active", "status: draft"));
  const Agreement shadow = testing::load(base_yaml() + "mode: shadow\n");
  EXPECT_TRUE(exposure_diff({}, {draft}, kNow).empty());
  EXPECT_TRUE(exposure_diff({}, {shadow}, kNow).empty());
  EXPECT_TRUE(exposure_diff({}, {active}, testing::at("2027-01-01")).empty());
  const auto gained = exposure_diff({}, {active}, kNow);
  ASSERT_EQ(gained.size(), 4u);  // two recipients: the event and one field each
  EXPECT_EQ(gained[0].kind, ExposureChange::Kind::gained);
  const auto lost = exposure_diff({active}, {draft}, kNow);
  ASSERT_EQ(lost.size(), 4u);
  EXPECT_EQ(lost[0].kind, ExposureChange::Kind::lost);
  EXPECT_NE(format_exposure_diff(lost).find("4 exposure changes: 0 gained, 4 lost, 0 changed"),
            std::string::npos);
}

TEST(Report, ExposureDiffReportsConditionChanges) {
  const std::string before = base_yaml();
  const std::string after = replace(before, "    events: [referral.created]\n",
                                    "    events: [referral.created]\n    when:\n"
                                    "      - {fact: data.consent.referral, equals: explicit}\n");
  const std::string out =
      format_exposure_diff(exposure_diff({testing::load(before)}, {testing::load(after)}, kNow));
  EXPECT_NE(out.find("~ police.met -> provider.lvws  referral.created  (conditions): always -> "
                     "data.consent.referral == \"explicit\""),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace accord::agreements
