// The subject-state ledger on the submission path (subject_ledger.hpp; docs/compliance.md §7,
// §8): folding rows into the state and the holders, the facts an append writes, the notices.
#include "accord/pipeline/subject_ledger.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace accord::pipeline {
namespace {

using spool::SubjectStateRow;

SubjectStateRow row(std::string agency, std::string name, std::string value, std::int64_t at) {
  return {std::move(agency), std::move(name), std::move(value), at, "police.met", "m"};
}

struct FoldRow {
  const char* name;
  std::vector<SubjectStateRow> rows;
  const char* event_type;
  std::optional<std::string> consent;
  std::map<std::string, std::string> contact;
  std::vector<std::string> holders;
};

class FoldLedger : public ::testing::TestWithParam<FoldRow> {};

TEST_P(FoldLedger, Rows) {
  const FoldRow& r = GetParam();
  const SubjectLedger ledger = fold_ledger(r.rows, r.event_type, "police.met");
  EXPECT_EQ(ledger.state.consent, r.consent);
  EXPECT_EQ(ledger.state.contact, r.contact);
  EXPECT_EQ(ledger.holders, r.holders);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FoldLedger,
    ::testing::Values(FoldRow{"empty", {}, "referral.created", std::nullopt, {}, {}},
                      FoldRow{"latest_consent_from_any_agency",
                              {row("police.met", "consent", "withdrawn", 100),
                               row("provider.lvws", "consent", "given", 200)},
                              "referral.created",
                              "given",
                              {},
                              {}},
                      FoldRow{"withdrawal_later_wins",
                              {row("police.met", "consent", "withdrawn", 300),
                               row("provider.lvws", "consent", "given", 200)},
                              "referral.created",
                              "withdrawn",
                              {},
                              {}},
                      FoldRow{"tie_goes_to_withdrawn",
                              {row("police.met", "consent", "given", 200),
                               row("provider.lvws", "consent", "withdrawn", 200)},
                              "referral.created",
                              "withdrawn",
                              {},
                              {}},
                      FoldRow{"contact_latest_per_key",
                              {row("police.met", "contact.channel", "phone", 100),
                               row("wcu.met", "contact.channel", "email", 200),
                               row("police.met", "contact.updates", "key_only", 50)},
                              "referral.created",
                              std::nullopt,
                              {{"channel", "email"}, {"updates", "key_only"}},
                              {}},
                      FoldRow{"withdrawal_tells_consent_based_holders_not_the_sender",
                              {row("provider.lvws", "holds", "a@1", 1),
                               row("provider.lvws", "holds.consent_based", "a@1", 1),
                               row("wcu.met", "holds", "b@1", 1),
                               row("police.met", "holds.consent_based", "c@1", 1)},
                              "consent.withdrawn",
                              std::nullopt,
                              {},
                              {"provider.lvws"}},
                      FoldRow{"erasure_tells_every_holder",
                              {row("wcu.met", "holds", "b@1", 1),
                               row("provider.lvws", "holds", "notice", 1),
                               row("provider.lvws", "holds.consent_based", "a@1", 1)},
                              "subject.erasure_requested",
                              std::nullopt,
                              {},
                              {"provider.lvws", "wcu.met"}},
                      FoldRow{"other_types_tell_nobody",
                              {row("wcu.met", "holds", "b@1", 1)},
                              "referral.created",
                              std::nullopt,
                              {},
                              {}}),
    [](const auto& info) { return std::string(info.param.name); });

envelope::Envelope envelope_of(std::string type, std::vector<envelope::Field> data = {}) {
  envelope::Envelope e;
  e.id = "m1";
  e.type = std::move(type);
  e.case_ref = {"01MP0001", "police.met"};
  e.subject = {"victim", "V-1"};
  e.occurred_at = "2026-11-21T14:05:00Z";
  e.classification = "OFFICIAL";
  e.data = std::move(data);
  return e;
}

SealedCopy copy(std::string recipient, std::string agreement, bool consent_based = false) {
  SealedCopy c;
  c.recipient = std::move(recipient);
  c.agreement = std::move(agreement);
  c.consent_based = consent_based;
  return c;
}

TEST(LedgerFacts, ConsentContactAndHoldings) {
  using F = spool::SubjectFact;
  EXPECT_EQ(ledger_facts(envelope_of("consent.withdrawn"), "police.met", {}),
            (std::vector<F>{{"police.met", "consent", "withdrawn"}}));
  EXPECT_EQ(ledger_facts(envelope_of("consent.given"), "provider.lvws", {}),
            (std::vector<F>{{"provider.lvws", "consent", "given"}}));
  const auto prefs = envelope_of("contact.preferences_changed",
                                 {{"contact_preferences.channel", "\"email\""},
                                  {"contact_preferences.do_not_contact", "true"},
                                  {"contact_preferences.safe_number", "\"07700 900123\""},
                                  {"contact_preferences.updates", "\"key_only\""}});
  EXPECT_EQ(ledger_facts(prefs, "wcu.met", {}),
            (std::vector<F>{{"wcu.met", "contact.channel", "email"},
                            {"wcu.met", "contact.updates", "key_only"},
                            {"wcu.met", "contact.do_not_contact", "true"}}));
  EXPECT_EQ(ledger_facts(envelope_of("suspect.arrested"), "police.met",
                         {copy("provider.lvws", "a@1", true), copy("wcu.met", "b@2"),
                          copy("victim-support", "")}),
            (std::vector<F>{{"provider.lvws", "holds", "a@1"},
                            {"provider.lvws", "holds.consent_based", "a@1"},
                            {"wcu.met", "holds", "b@2"},
                            {"victim-support", "holds", "notice"}}));
}

TEST(NoticesFor, HeaderOnlyForHoldersWithoutACopy) {
  const auto e = envelope_of("subject.erasure_requested", {{"reason", "\"asked\""}});
  const auto notices = notices_for({copy("wcu.met", "b@1")}, e, {"provider.lvws", "wcu.met"});
  ASSERT_EQ(notices.size(), 1u);
  const PlannedCopy& n = notices[0];
  EXPECT_EQ(n.recipient, "provider.lvws");
  EXPECT_TRUE(n.agreement.empty());
  EXPECT_TRUE(n.copy.data.empty());
  EXPECT_EQ(n.copy.subject, e.subject);
  EXPECT_EQ(n.copy.case_ref, e.case_ref);
  EXPECT_EQ(n.copy.type, e.type);
  ASSERT_EQ(n.fields.size(), 1u);
  EXPECT_EQ(n.fields[0].action, "drop");
  EXPECT_NE(n.reason.find("propagation of subject.erasure_requested"), std::string::npos);
  EXPECT_FALSE(n.seal_key.has_value());
}

TEST(NotifiedRecord, NamesHoldersAndNotices) {
  audit::Event accepted;
  accepted.kind = audit::kind::kDecisionAccepted;
  accepted.message_id = "m1";
  accepted.recipient = "wcu.met";
  accepted.agreement = "b@1";
  accepted.content_hash = "abc";
  const auto e = notified_record(accepted, {"provider.lvws", "wcu.met"},
                                 {copy("wcu.met", "b@1"), copy("provider.lvws", "")});
  EXPECT_EQ(e.kind, audit::kind::kComplianceNotified);
  EXPECT_EQ(e.message_id, "m1");
  EXPECT_TRUE(e.recipient.empty());
  EXPECT_TRUE(e.agreement.empty());
  EXPECT_TRUE(e.content_hash.empty());
  const std::vector<std::pair<std::string, std::string>> want = {
      {"holders", "provider.lvws,wcu.met"}, {"notices", "provider.lvws"}};
  EXPECT_EQ(e.details, want);
}

}  // namespace
}  // namespace accord::pipeline
