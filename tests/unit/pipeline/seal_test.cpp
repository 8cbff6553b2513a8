// Plan then seal, with the real agreements, keys and crypto: the plan holds no ciphertext and
// no plaintext of a field to encrypt, only what to seal and to which key; the seal step's
// copies open with the recipient's secret key and carry a signature that verifies.
#include "accord/pipeline/seal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/pipeline/content_hash.hpp"
#include "accord/receipts/receipt.hpp"
#include "pipeline_fixture.hpp"

namespace accord::pipeline {
namespace {

using namespace accord::pipeline::testing;

// The seal step names copies with content_hash (OpenSSL); receipts define copy_hash
// (libsodium). One digest: inputs around SHA-256's block and padding edges, and a large one.
TEST(Seal, CopyHashOfTheSealStepIsTheReceiptsCopyHash) {
  for (const std::size_t size :
       std::initializer_list<std::size_t>{0, 1, 55, 56, 63, 64, 65, 119, 120, 1100, 1 << 20}) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 131 + 7);
    EXPECT_EQ(content_hash(bytes), receipts::copy_hash(bytes)) << size << " bytes";
  }
}

// The safe-contact fields met-lvws-referral encrypts for Victim Support, sorted.
const std::vector<std::string> kSealed = {
    "victim.contact.do_not_contact_by", "victim.contact.do_not_leave_messages",
    "victim.contact.email", "victim.contact.phone", "victim.contact.safe_times"};

struct Planned {
  envelope::Envelope envelope;
  Plan plan;
};

Planned plan_referral(const World& w) {
  auto decoded = envelope::decode(referral_body(), w.vocabulary);
  if (!decoded.ok()) std::abort();
  Planned p{std::move(decoded.value()), {}};
  p.plan = w.agreements->plan(p.envelope, kSender, kNow);
  return p;
}

TEST(Plan, NamesTheFieldsToSealAndTheKeyButHoldsNoneOfTheirValues) {
  World w;
  const auto p = plan_referral(w);
  ASSERT_EQ(p.plan.copies.size(), 1u);
  const PlannedCopy& copy = p.plan.copies[0];
  EXPECT_EQ(copy.recipient, kLvws);
  ASSERT_TRUE(copy.seal_key.has_value());
  EXPECT_EQ(copy.seal_key->kid, w.lvws_key.pub.kid);
  std::vector<std::string> paths;
  for (const auto& f : copy.to_seal) {
    paths.push_back(f.plaintext.path);
    EXPECT_EQ(copy.copy.data.at(f.index).path, f.plaintext.path);
    EXPECT_EQ(copy.copy.data.at(f.index).json, agreements::kSealPlaceholder);
    EXPECT_EQ(f.plaintext.json, p.envelope.find(f.plaintext.path)->json);
  }
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, kSealed);
  EXPECT_EQ(envelope::encode(copy.copy).find("07700 900123"), std::string::npos);
  ASSERT_EQ(p.plan.refusals.size(), 1u);
  EXPECT_EQ(p.plan.refusals[0].recipient, "provider.survivors-uk");
}

TEST(Seal, CopiesOpenWithTheRecipientsKeyAndTheSignatureVerifies) {
  World w;
  crypto::EpochKeyCache field_keys;
  auto p = plan_referral(w);
  const Sealed sealed =
      seal(std::move(p.plan.copies), {kSender, p.envelope.id, kNow}, *w.signer, field_keys);
  ASSERT_TRUE(sealed.refusals.empty());
  ASSERT_EQ(sealed.copies.size(), 1u);
  const SealedCopy& copy = sealed.copies[0];
  EXPECT_EQ(copy.recipient, kLvws);
  EXPECT_EQ(copy.agreement.rfind("met-lvws-referral@", 0), 0u) << copy.agreement;
  EXPECT_EQ(copy.document.find("07700 900123"), std::string::npos) << "sealed, not in clear";

  crypto::DeliveryHeader header;
  header.delivery_id = 1;
  header.sender = kSender;
  header.recipient = kLvws;
  header.message_id = p.envelope.id;
  header.type = p.envelope.type;
  header.case_urn = p.envelope.case_ref.urn;
  header.received_at_ms = kNow;
  auto item = crypto::parse_inbox_item(crypto::delivered_item(header, copy.document), kLvws);
  ASSERT_TRUE(item.ok()) << item.error().message;
  const std::vector<crypto::AgencySecretKey> keys = {w.lvws_key};
  auto opened = crypto::verify_and_open(item.value(), keys, &w.signer->public_key());
  ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  EXPECT_EQ(opened->opened.size(), kSealed.size());
  for (const auto& path : kSealed) {
    ASSERT_NE(opened->envelope.find(path), nullptr) << path;
    EXPECT_EQ(opened->envelope.find(path)->json, p.envelope.find(path)->json) << path;
  }

  // The copy hash a receipt names (docs/receipts.md §1): what the recipient computes from the
  // item alone equals what the seal step stored; the sample referral flow does not require one.
  EXPECT_EQ(copy.copy_hash, receipts::copy_hash(crypto::delivery_signing_input(
                                item.value().info, item.value().envelope)));
  EXPECT_TRUE(receipts::is_copy_hash(copy.copy_hash));
  EXPECT_FALSE(copy.receipt_required);

  // The signature covers the receipt time: another time does not verify.
  auto moved = item.value();
  moved.info.received_at = "2026-11-22T09:00:01.000Z";
  EXPECT_FALSE(crypto::verify_and_open(moved, keys, &w.signer->public_key()).ok());
}

struct KeyRow {
  const char* name;
  const char* key_agency;  // whose key the plan names for provider.lvws
  const char* message_id;
  const char* code;  // "" = sealed
};

class SealKeys : public ::testing::TestWithParam<KeyRow> {};

TEST_P(SealKeys, ACopyThatCannotBeSealedIsWithheldNeverSentInClear) {
  const KeyRow& row = GetParam();
  World w;
  crypto::EpochKeyCache field_keys;
  auto p = plan_referral(w);
  ASSERT_EQ(p.plan.copies.size(), 1u);
  auto key = crypto::generate_agency_key(row.key_agency, kNow);
  ASSERT_TRUE(key.ok());
  p.plan.copies[0].seal_key = key->pub;
  const Sealed sealed =
      seal(std::move(p.plan.copies), {kSender, row.message_id, kNow}, *w.signer, field_keys);
  if (std::string(row.code).empty()) {
    EXPECT_EQ(sealed.copies.size(), 1u);
    EXPECT_TRUE(sealed.refusals.empty());
    return;
  }
  EXPECT_TRUE(sealed.copies.empty());
  ASSERT_EQ(sealed.refusals.size(), 1u);
  EXPECT_EQ(sealed.refusals[0].recipient, kLvws);
  EXPECT_EQ(sealed.refusals[0].code, row.code);
  EXPECT_EQ(sealed.refusals[0].agreement.rfind("met-lvws-referral@", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SealKeys,
    ::testing::Values(KeyRow{"recipients_own_key", "provider.lvws", "m-1", ""},
                      KeyRow{"another_agencys_key", "provider.other", "m-1", "key_mismatch"},
                      KeyRow{"no_message_id", "provider.lvws", "", "invalid_context"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Seal, AWithheldCopyIsRecordedAsIfThePlanHadRefusedIt) {
  Plan plan;
  plan.refusals = {{"cps.london", "not_permitted", "r1"}, {"wcu.met", "not_permitted", "r2"}};
  plan.shadow = {
      {"provider.lvws", "shadow@1", true, {{"a", "share"}}, "", "lvws@1", {{"a", "encrypt"}}},
      {"wcu.met", "shadow@2", false, {{"a", "drop"}}, "why", "", {{"a", "drop"}}}};
  withhold_unsealed(plan, {{"provider.lvws", "key_mismatch", "wrong key", "lvws@1"}});
  std::vector<std::string> order;
  for (const auto& r : plan.refusals) order.push_back(r.recipient);
  EXPECT_EQ(order, (std::vector<std::string>{"cps.london", "provider.lvws", "wcu.met"}));
  EXPECT_EQ(plan.refusals[1].code, "key_mismatch");
  EXPECT_EQ(plan.shadow[0].enforced, "") << "nothing was shared with provider.lvws after all";
  EXPECT_EQ(plan.shadow[0].enforced_fields, (std::vector<audit::FieldAction>{{"a", "drop"}}));
  EXPECT_EQ(plan.shadow[1].enforced, "");
}

TEST(Seal, ACopyWithNothingToSealIsSignedOnly) {
  World w;
  crypto::EpochKeyCache field_keys;
  PlannedCopy planned;
  planned.recipient = "wcu.met";
  planned.agreement = "met-wcu@1";
  planned.copy.id = "m-2";
  planned.copy.type = "suspect.arrested";
  planned.copy.case_ref.urn = "01MP1";
  planned.copy.subject = {"victim", "V-1"};
  planned.copy.occurred_at = "2026-11-20T09:30:00Z";
  planned.copy.classification = "OFFICIAL";
  planned.copy.data = {{"arrest.at", "\"2026-11-20T09:00:00Z\""}};
  std::vector<PlannedCopy> copies;
  copies.push_back(planned);
  const Sealed sealed = seal(std::move(copies), {kSender, "m-2", kNow}, *w.signer, field_keys);
  ASSERT_EQ(sealed.copies.size(), 1u);
  const auto signed_bytes = crypto::delivery_signing_input(
      {kSender, "wcu.met", "m-2", "2026-11-22T09:00:00.000Z"}, planned.copy);
  const auto signature = w.signer->sign(signed_bytes);
  EXPECT_EQ(sealed.copies[0].document,
            delivered_document(envelope::encode(planned.copy), signature));
}

}  // namespace
}  // namespace accord::pipeline
