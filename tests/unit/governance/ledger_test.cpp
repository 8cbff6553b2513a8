// Ledger::apply_record on the bytes of audit records: the agreement.* kinds are folded, other
// kinds ignored, and a malformed agreement.* record is refused (invalid_record, with the member
// at fault as its path) without changing what the ledger knows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "accord/governance/lifecycle.hpp"
#include "accord/governance/signing.hpp"

namespace accord::governance {
namespace {

namespace ag = accord::agreements;

const std::string kText = "id: a\nversion: 1\nflows: x\n";
const std::string kHash = content_hash(kText);
const std::string kOtherHash = "sha256:" + std::string(64, 'b');

VersionInput a1() {
  VersionInput v;
  v.ref = VersionRef{"a", 1, kHash, {"police.met", "provider.lvws"}};
  v.file = "a.yaml";
  v.text = kText;
  v.declared = ag::Status::active;
  v.valid_until = *ag::parse_instant("2027-01-01");
  return v;
}

// What evaluating a1, unsigned, would record against this ledger.
std::vector<std::string> pending(const Ledger& ledger) {
  auto signers = SignerRegistry::parse({});
  if (!signers.ok()) std::abort();
  std::vector<std::string> out;
  for (const LifecycleEvent& e :
       evaluate({a1()}, {}, signers.value(), ledger, *ag::parse_instant("2026-12-06T17:00:00Z"))
           .events) {
    out.push_back(e.kind + (e.code.empty() ? "" : " " + e.code));
  }
  return out;
}

const std::vector<std::string> kNothingKnown = {"agreement.proposed",
                                                "agreement.not_activated missing_signature"};

std::string proposed_record(const std::string& details) {
  return R"({"seq":1,"at":"2026-12-06T17:00:00.000Z","kind":"agreement.proposed","agreement":"a@1","details":)" +
         details + "}";
}
std::string proposed_details(const std::string& hash = kHash) {
  return R"({"content_hash":")" + hash +
         R"(","file":"a.yaml","status":"active","mode":"enforce","parties":"police.met,provider.lvws","text":"id: a\nversion: 1\nflows: x\n"})";
}

struct Malformed {
  const char* name;
  std::string record;
  std::string path;  // the member named by the error
};

const Malformed kMalformed[] = {
    {"not_json", "{\"kind\":", ""},
    {"not_an_object", "[1,2]", ""},
    {"no_kind", R"({"seq":1,"agreement":"a@1"})", "kind"},
    {"kind_not_a_string", R"({"seq":1,"kind":7})", "kind"},
    {"no_agreement",
     R"({"seq":1,"kind":"agreement.proposed","details":)" + proposed_details() + "}", "agreement"},
    {"agreement_without_version",
     R"({"kind":"agreement.proposed","agreement":"a","details":)" + proposed_details() + "}",
     "agreement"},
    {"agreement_version_zero",
     R"({"kind":"agreement.proposed","agreement":"a@0","details":)" + proposed_details() + "}",
     "agreement"},
    {"agreement_version_not_a_number",
     R"({"kind":"agreement.proposed","agreement":"a@1x","details":)" + proposed_details() + "}",
     "agreement"},
    {"agreement_without_id",
     R"({"kind":"agreement.proposed","agreement":"@1","details":)" + proposed_details() + "}",
     "agreement"},
    {"agreement_not_a_string",
     R"({"kind":"agreement.proposed","agreement":1,"details":)" + proposed_details() + "}",
     "agreement"},
    {"no_details", R"({"kind":"agreement.proposed","agreement":"a@1"})", "details"},
    {"details_not_an_object", proposed_record(R"("text")"), "details"},
    {"detail_not_a_string", proposed_record(R"({"content_hash":1})"), "details.content_hash"},
    {"proposed_without_text",
     proposed_record(R"({"content_hash":")" + kHash +
                     R"(","file":"a.yaml","status":"active","mode":"enforce","parties":"x"})"),
     "details.text"},
    {"content_hash_not_sha256", proposed_record(proposed_details("sha256:abc")),
     "details.content_hash"},
    {"content_hash_upper_case", proposed_record(proposed_details("sha256:" + std::string(64, 'B'))),
     "details.content_hash"},
    {"code_not_a_string",
     R"({"kind":"agreement.activated","agreement":"a@1","code":5,"details":{"content_hash":")" +
         kHash + R"(","signed_by":"police.met"}})",
     "code"},
    {"reason_not_a_string",
     R"({"kind":"agreement.activated","agreement":"a@1","reason":[],"details":{"content_hash":")" +
         kHash + R"(","signed_by":"police.met"}})",
     "reason"},
    {"activated_without_signed_by",
     R"({"kind":"agreement.activated","agreement":"a@1","details":{"content_hash":")" + kHash +
         R"("}})",
     "details.signed_by"},
    {"signed_without_sig",
     R"({"kind":"agreement.signed","agreement":"a@1","details":{"content_hash":")" + kHash +
         R"(","agency":"police.met","kid":"k","signed_at":"t","source":"f"}})",
     "details.sig"},
    {"suspended_without_kid",
     R"({"kind":"agreement.suspended","agreement":"a@1","details":{"content_hash":")" + kHash +
         R"(","agency":"police.met","signed_at":"t","source":"f","sig":"s"}})",
     "details.kid"},
    {"refusal_without_code",
     R"({"kind":"agreement.signature_refused","agreement":"a@1","details":{"statement":"signature","content_hash":"x","agency":"a","kid":"k","source":"f"}})",
     "code"},
    {"refusal_of_an_unknown_statement_kind",
     R"({"kind":"agreement.signature_refused","agreement":"a@1","code":"bad_signature","details":{"statement":"letter","content_hash":"x","agency":"a","kid":"k","source":"f"}})",
     "details.statement"},
    {"not_activated_with_an_unknown_code",
     R"({"kind":"agreement.not_activated","agreement":"a@1","code":"later","details":{"content_hash":")" +
         kHash + R"(","missing":"police.met"}})",
     "code"},
    {"not_activated_without_missing",
     R"({"kind":"agreement.not_activated","agreement":"a@1","code":"missing_signature","details":{"content_hash":")" +
         kHash + R"("}})",
     "details.missing"},
    {"version_reused_without_archived_hash",
     R"({"kind":"agreement.not_activated","agreement":"a@1","code":"version_reused","details":{"content_hash":")" +
         kHash + R"("}})",
     "details.archived_hash"},
    {"expired_without_valid_until",
     R"({"kind":"agreement.expired","agreement":"a@1","details":{"content_hash":")" + kHash +
         R"("}})",
     "details.valid_until"},
    {"retired_without_content_hash",
     R"({"kind":"agreement.retired","agreement":"a@1","details":{}})", "details.content_hash"},
};

class LedgerMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(LedgerMalformed, IsRefusedAndChangesNothing) {
  const Malformed& row = GetParam();
  Ledger ledger;
  const Status s = ledger.apply_record(row.record);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_record");
  EXPECT_EQ(s.error().path, row.path) << s.error().message;
  EXPECT_FALSE(s.error().message.empty());
  EXPECT_FALSE(ledger.proposed(kHash));
  EXPECT_FALSE(ledger.content_hash_of("a", 1).has_value());
  EXPECT_EQ(pending(ledger), kNothingKnown);
}

INSTANTIATE_TEST_SUITE_P(Rows, LedgerMalformed, ::testing::ValuesIn(kMalformed),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Ledger, OtherKindsAndUnknownAgreementKindsAreIgnored) {
  Ledger ledger;
  for (
      const char* record : {
          R"({"seq":1,"at":"2026-12-06T17:00:00.000Z","kind":"decision.accepted","sender":"police.met"})",
          R"({"seq":2,"kind":"admin.agreements_loaded","details":{"hash":"x"}})",
          R"({"seq":3,"kind":"agreement.discussed","agreement":7})",
      }) {
    EXPECT_TRUE(ledger.apply_record(record).ok()) << record;
  }
  EXPECT_EQ(pending(ledger), kNothingKnown);
}

TEST(Ledger, FoldsTheArchiveAndTheLastState) {
  Ledger ledger;
  ASSERT_TRUE(ledger.apply_record(proposed_record(proposed_details())).ok());
  EXPECT_TRUE(ledger.proposed(kHash));
  EXPECT_EQ(ledger.content_hash_of("a", 1), kHash);
  EXPECT_FALSE(ledger.content_hash_of("a", 2).has_value());
  EXPECT_EQ(pending(ledger),
            (std::vector<std::string>{"agreement.not_activated missing_signature"}));

  ASSERT_TRUE(
      ledger
          .apply_record(
              R"({"seq":2,"kind":"agreement.not_activated","agreement":"a@1","code":"missing_signature","reason":"awaiting signatures from police.met, provider.lvws","details":{"content_hash":")" +
              kHash + R"(","missing":"police.met,provider.lvws"}})")
          .ok());
  EXPECT_EQ(pending(ledger), std::vector<std::string>{});

  // The first text archived for an id@version stays its text.
  ASSERT_TRUE(ledger.apply_record(proposed_record(proposed_details(kOtherHash))).ok());
  EXPECT_EQ(ledger.content_hash_of("a", 1), kHash);
  EXPECT_TRUE(ledger.proposed(kOtherHash));
}

TEST(Ledger, ApplyOfAnEventEqualsApplyOfItsRecord) {
  Ledger from_event;
  LifecycleEvent e;
  e.kind = std::string(kind::kProposed);
  e.agreement = "a@1";
  e.details = {{"content_hash", kHash}, {"file", "a.yaml"}, {"status", "active"},
               {"mode", "enforce"},     {"parties", "x"},   {"text", kText}};
  from_event.apply(e);
  EXPECT_TRUE(from_event.proposed(kHash));
  EXPECT_EQ(from_event.content_hash_of("a", 1), kHash);
  EXPECT_EQ(pending(from_event),
            (std::vector<std::string>{"agreement.not_activated missing_signature"}));
}

}  // namespace
}  // namespace accord::governance
