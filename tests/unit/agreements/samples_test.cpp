// The shipped London agreements: they validate clean, and the demo journey (referral, arrest,
// charge, hearing listed, outcome, VCS referral, referral accepted) has recipients at each step.
#include <gtest/gtest.h>

#include <filesystem>

#include "accord/agreements/loader.hpp"
#include "accord/agreements/transform.hpp"
#include "accord/agreements/validator.hpp"
#include "accord/envelope/codec.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

const Instant kNow = testing::at("2026-11-22T09:00:00Z");

std::vector<Agreement> samples() {
  std::vector<SourceText> sources;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::source_dir() + "/config/agreements")) {
    if (entry.path().extension() != ".yaml") continue;
    sources.push_back({entry.path().string(), testing::read_file(entry.path().string())});
  }
  LoadedSet set = parse_all(sources);
  for (const auto& d : set.diagnostics) ADD_FAILURE() << d.to_string();
  return std::move(set.agreements);
}

TEST(Samples, ValidateClean) {
  const auto agreements = samples();
  EXPECT_GE(agreements.size(), 9u);
  const auto diags = validate(agreements, testing::directory(), testing::vocabulary(), kNow);
  for (const auto& d : diags) ADD_FAILURE() << d.to_string();
}

struct Step {
  const char* sender;
  const char* type;
  std::vector<std::string> recipients;
};

TEST(Samples, DemoJourneyHasRecipientsAtEachStep) {
  const AgreementSet set(samples());
  const std::vector<Step> steps = {
      {"police.met", "referral.created", {"provider.lvws", "provider.survivors-uk"}},
      {"provider.lvws", "referral.accepted", {"police.met"}},
      {"provider.survivors-uk", "referral.declined", {"police.met"}},
      {"police.met", "suspect.arrested", {"provider.lvws", "wcu.met"}},
      {"police.met", "charge.decided", {"cps.london", "provider.lvws", "wcu.met"}},
      {"cps.london", "charge.decided", {"wcu.met"}},
      {"court.london", "hearing.listed", {"wcu.met"}},
      {"wcu.met", "hearing.listed", {"provider.lvws"}},
      {"court.london", "case.outcome", {"wcu.met"}},
      {"wcu.met", "case.outcome", {"provider.lvws"}},
      {"wcu.met", "vcs.referred", {"probation.london"}},
      // issue 15: the rest of the journey, the victim told, and the oversight feed.
      {"court.london", "appeal.decided", {"wcu.met"}},
      {"wcu.met", "appeal.decided", {"provider.lvws"}},
      {"court.london", "court.bail_decided", {"wcu.met"}},
      {"wcu.met", "victim.informed", {"provider.lvws"}},
      {"police.met", "victim.informed", {}},  // recorded by the gateway alone
      {"gateway.london", "compliance.summary", {"oversight.mopac"}},
  };
  for (const Step& s : steps) {
    const auto e = testing::make_envelope(s.type, {});
    EXPECT_EQ(recipients_for(e, s.sender, set, kNow), s.recipients) << s.sender << " " << s.type;
  }
}

TEST(Samples, RealisticReferralReachesVictimSupportMinimised) {
  const AgreementSet set(samples());
  const auto decoded = envelope::decode(
      testing::read_file(testing::source_dir() + "/tests/data/envelope/referral_created.json"),
      testing::vocabulary());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const envelope::Envelope& e = decoded.value();

  const Decision lvws = decide(e, "police.met", "provider.lvws", set, kNow);
  ASSERT_TRUE(lvws.allowed);
  EXPECT_EQ(lvws.agreement_id, "met-lvws-referral");
  EXPECT_TRUE(lvws.requires_encryption);  // safe-contact fields
  std::map<std::string, Action> actions;
  for (const auto& f : lvws.fields) actions[f.path] = f.action;
  EXPECT_EQ(actions["victim.contact.phone"], Action::encrypt);
  EXPECT_EQ(actions["victim.contact.safe_times"], Action::encrypt);
  EXPECT_EQ(actions["victim.contact.do_not_leave_messages"], Action::encrypt);
  EXPECT_EQ(actions["victim.dob"], Action::generalise);
  EXPECT_EQ(actions["officer.collar"], Action::drop);
  EXPECT_EQ(actions["enhanced_rights.assessed_by"], Action::drop);
  const auto unsealed = transform(e, lvws, {std::vector<unsigned char>(kPseudonymKeyBytes, 9)});
  ASSERT_TRUE(unsealed.ok());
  EXPECT_EQ(unsealed.value().to_seal.size(), 5u);  // the safe-contact fields
  EXPECT_EQ(unsealed.value().copy.find("victim.contact.phone")->json, kSealPlaceholder);

  const FieldEncryptor enc = [](const envelope::Field&) -> Result<std::string> {
    return std::string("{\"sealed\":true}");
  };
  const std::vector<unsigned char> key(kPseudonymKeyBytes, 9);
  auto copy = transform(e, lvws, {key});
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(seal_fields(copy.value().copy, copy.value().to_seal, enc).ok());
  EXPECT_EQ(copy.value().copy.find("victim.contact.phone")->json, "{\"sealed\":true}");
  EXPECT_EQ(copy.value().copy.find("victim.dob")->json, "\"35-49\"");
  EXPECT_EQ(copy.value().copy.find("victim.postcode")->json, "\"SE1\"");
  EXPECT_EQ(copy.value().copy.find("officer.station"), nullptr);

  // Same message, a burglary: SurvivorsUK's agreement needs a sexual-offence category.
  const Decision suk = decide(e, "police.met", "provider.survivors-uk", set, kNow);
  EXPECT_FALSE(suk.allowed);
  ASSERT_FALSE(suk.reasons.empty());
  EXPECT_NE(suk.reasons[0].find("data.offence.category in"), std::string::npos);
}

// The Witness Care Unit is the victim's single point of contact from charge: it gets the
// phone in clear then, and only a recognisable tail before.
TEST(Samples, WitnessCareUnitGetsThePhoneInClearFromCharge) {
  const AgreementSet set(samples());
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"victim.contact.phone", "\"07700 900123\""}};
  const Decision charge =
      decide(testing::make_envelope("charge.decided", fields), "police.met", "wcu.met", set, kNow);
  ASSERT_TRUE(charge.allowed);
  ASSERT_EQ(charge.fields.size(), 1u);
  EXPECT_EQ(charge.fields[0].action, Action::share);
  const Decision arrest = decide(testing::make_envelope("suspect.arrested", fields), "police.met",
                                 "wcu.met", set, kNow);
  ASSERT_TRUE(arrest.allowed);
  ASSERT_EQ(arrest.fields.size(), 1u);
  EXPECT_EQ(arrest.fields[0].action, Action::mask);
}

// Victim Support's case updates honour the consent the update carries (until the stored
// consent state of docs/compliance.md §7 decides it).
TEST(Samples, VictimSupportCaseUpdatesHonourAWithdrawal) {
  const AgreementSet set(samples());
  for (const auto& [sender, type] : std::vector<std::pair<std::string, std::string>>{
           {"police.met", "suspect.arrested"}, {"wcu.met", "hearing.listed"}}) {
    const auto withdrawn = testing::make_envelope(type, {{"consent.support", "\"withdrawn\""}});
    EXPECT_FALSE(decide(withdrawn, sender, "provider.lvws", set, kNow).allowed) << type;
    const auto given = testing::make_envelope(type, {{"consent.support", "\"given\""}});
    EXPECT_TRUE(decide(given, sender, "provider.lvws", set, kNow).allowed) << type;
  }
}

// The oversight feed carries the summary's three members and nothing else.
TEST(Samples, OversightFeedSharesTheCountsOnly) {
  const AgreementSet set(samples());
  const auto summary = testing::make_envelope("compliance.summary",
                                              {{"period", "\"2026-11\""},
                                               {"rows", "[]"},
                                               {"rule_sets", "[\"vcop-2020\"]"},
                                               {"victim.contact.phone", "\"07700 900123\""}},
                                              "OFFICIAL");
  const Decision d = decide(summary, "gateway.london", "oversight.mopac", set, kNow);
  ASSERT_TRUE(d.allowed);
  std::map<std::string, Action> actions;
  for (const auto& f : d.fields) actions[f.path] = f.action;
  EXPECT_EQ(actions["period"], Action::share);
  EXPECT_EQ(actions["rows"], Action::share);
  EXPECT_EQ(actions["rule_sets"], Action::share);
  EXPECT_EQ(actions["victim.contact.phone"], Action::drop);
}

}  // namespace
}  // namespace accord::agreements
