// The fast signing input (encode the transform's output once) against the reference
// construction (flatten with a JSON parser, sort, encode): byte for byte, on real encrypted
// copies and on object-valued fields the fast path must hand to the reference.
#include "accord/crypto/signing_input.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/testing/temp_dir.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

using accord::testing::TempDir;

// Hand-built (not decodable: unicode keys, empty top-level strings), sorted by path.
envelope::Envelope unicode_envelope() {
  envelope::Envelope e;
  e.id = "msg-\xc3\xa9-2";
  e.type = "referral.updated";
  e.case_ref = {"01AB1234521", "police.met"};
  e.subject = {"victim", "R\xc3\xa9\"f\\"};
  e.occurred_at = "";
  e.classification = "";
  e.data = {{"a", "\"\""},
            {"b.c", "0"},
            {"b.d", "-12"},
            {"b.e", "1.5e+300"},
            {"b.f", "[\"x\",{},\"\xe4\xb8\xad\"]"},
            {"empty", "{}"},
            {"\xc3\xbc.\xd0\xba\xd0\xbb", "\"\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\""},
            {"\xc3\xbc.tab", "\"a\\tb\\u0001\\\"\""}};
  std::sort(e.data.begin(), e.data.end(),
            [](const envelope::Field& a, const envelope::Field& b) { return a.path < b.path; });
  return e;
}

envelope::Envelope empty_data_envelope() {
  auto e = testing::sample_envelope("msg-empty");
  e.data.clear();
  return e;
}

struct Row {
  std::string name;
  std::function<envelope::Envelope()> base;
  std::vector<std::string> encrypt;                      // "data.<path>"
  std::vector<std::pair<std::string, std::string>> set;  // leaf path -> raw JSON, after
  bool expect_fast;  // encoding_is_canonical: which construction the fast path takes
  std::function<void(envelope::Envelope&)> mutate = nullptr;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

const std::function<envelope::Envelope()> kSample = [] { return testing::sample_envelope(); };
const std::string kRecipient = "provider.lvws";

class CryptoSigningInputFast : public ::testing::TestWithParam<Row> {
 protected:
  envelope::Envelope copy() const {
    const Row& row = GetParam();
    const auto key = testing::make_key(kRecipient);
    auto e = testing::encrypt_copy(row.base(), row.encrypt, key.pub, "police.met", kRecipient);
    for (const auto& [path, json] : row.set) testing::set_leaf(e, path, json);
    if (row.mutate) row.mutate(e);
    return e;
  }
  static DeliveryInfo info(const envelope::Envelope& e) {
    return {"police.met", kRecipient, e.id, "2026-11-22T09:30:00.123Z"};
  }
};

TEST_P(CryptoSigningInputFast, EqualsTheReferenceByteForByte) {
  const auto e = copy();
  const std::string reference = delivery_signing_input_reference(info(e), e);
  EXPECT_EQ(encoding_is_canonical(e), GetParam().expect_fast);
  EXPECT_EQ(delivery_signing_input(info(e), e), reference);
  const DeliveryEncoding encoded = encode_for_delivery(info(e), e);
  EXPECT_EQ(encoded.signing_input, reference);
  EXPECT_EQ(encoded.envelope_json, envelope::encode(e));
  EXPECT_EQ(reference.substr(0, 22), std::string("\0\0\0\x12", 4) + "accord-delivery-v1");
}

// Copies the gateway really delivers: the recipient's view must give the same bytes too.
class CryptoSigningInputRecipient : public CryptoSigningInputFast {};

TEST_P(CryptoSigningInputRecipient, VerifiesTheFastSignature) {
  TempDir dir("accord-crypto-");
  auto signer = GatewaySigner::load_or_create(dir.file("k.json"), testing::kNowMs);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  const auto e = copy();
  const DeliveryEncoding encoded = encode_for_delivery(info(e), e);
  const DeliverySignature sig = signer->sign(encoded.signing_input);
  // What a recipient holds: the stored JSON decoded, then the inbox item round trip.
  auto delivered = decode_delivered(encoded.envelope_json);
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  EXPECT_EQ(delivery_signing_input_reference(info(e), *delivered), encoded.signing_input);
  EXPECT_EQ(delivery_signing_input(info(e), *delivered), encoded.signing_input);
  EXPECT_TRUE(encoding_is_canonical(*delivered));  // decoded copies never need the fallback
  auto item = parse_inbox_item(make_inbox_item(info(e), "7", *delivered, sig), kRecipient);
  ASSERT_TRUE(item.ok()) << item.error().message;
  EXPECT_TRUE(verify_delivery(item->info, item->envelope, sig, signer->public_key()).ok());
  // A negative: the same signature over another receipt time must not verify.
  DeliveryInfo later = item->info;
  later.received_at = "2026-11-22T09:30:00.124Z";
  EXPECT_EQ(verify_delivery(later, item->envelope, sig, signer->public_key()).error().code,
            "signature_invalid");
}

const std::vector<std::string> kContact = {"data.victim.contact.email",
                                           "data.victim.contact.address"};

// Real copies, as the pipeline builds them (decodable by a recipient).
std::vector<Row> delivered_rows() {
  return {
      {"decoded_no_encrypted_fields", kSample, {}, {}, true},
      {"empty_data", empty_data_envelope, {}, {}, true},
      {"encrypted_fields", kSample, kContact, {}, true},
      {"encrypted_unicode_escaped_plaintext",
       kSample,
       {"data.victim.needs.language", "data.victim.needs.health"},
       {},
       true},
      {"encrypted_numbers_null_array_empty_object",
       kSample,
       {"data.victim.age", "data.victim.score", "data.victim.none", "data.victim.empty",
        "data.victim.contact.safe_times", "data.victim.contact.do_not_leave_messages"},
       {},
       true},
      // "phone-2" sorts between "phone" and "phone.accord_enc": must fall back.
      {"encrypted_with_dash_sibling", kSample, {"data.victim.contact.phone"}, {}, false},
      {"encrypted_dash_sibling_itself", kSample, {"data.victim.contact.phone-2"}, {}, true},
      {"encrypted_both_siblings",
       kSample,
       {"data.victim.contact.phone", "data.victim.contact.phone-2"},
       {},
       false},
  };
}

// Hand-built envelopes and object-valued fields not from the encryptor: canonical ones take
// the fast path, the rest must be re-parsed by the reference to give the same bytes.
std::vector<Row> other_rows() {
  return {
      {"unicode_hand_built", unicode_envelope, {}, {}, true},
      {"unicode_hand_built_encrypted",
       unicode_envelope,
       {"data.a", "data.b.d", "data.\xc3\xbc.\xd0\xba\xd0\xbb", "data.\xc3\xbc.tab"},
       {},
       true},
      {"flat_canonical_object", kSample, {}, {{"victim.age", R"({"a":1,"b":"x","c":-7})"}}, true},
      {"literals_object", kSample, {}, {{"victim.age", R"({"f":false,"n":null,"t":true})"}}, true},
      {"unsorted_keys", kSample, {}, {{"victim.age", R"({"b":1,"a":2})"}}, false},
      {"duplicate_keys", kSample, {}, {{"victim.age", R"({"a":1,"a":2})"}}, false},
      {"float_member", kSample, {}, {{"victim.age", R"({"a":1.50})"}}, false},
      {"exponent_member", kSample, {}, {{"victim.age", R"({"a":1E2})"}}, false},
      {"minus_zero", kSample, {}, {{"victim.age", R"({"a":-0})"}}, false},
      {"nineteen_digits", kSample, {}, {{"victim.age", R"({"a":1234567890123456789})"}}, false},
      {"nested_object", kSample, {}, {{"victim.age", R"({"a":{"b":1},"c":2})"}}, false},
      {"array_member", kSample, {}, {{"victim.age", R"({"a":[1, 2]})"}}, false},
      {"whitespace", kSample, {}, {{"victim.age", R"({ "a":1})"}}, false},
      {"escaped_string", kSample, {}, {{"victim.age", R"({"a":"\u00e9"})"}}, false},
      {"raw_unicode_string", kSample, {}, {{"victim.age", "{\"a\":\"\xc3\xa9\"}"}}, false},
      {"dotted_key", kSample, {}, {{"victim.age", R"({"a.b":1})"}}, false},
      {"empty_key", kSample, {}, {{"victim.age", R"({"":1})"}}, false},
      {"empty_object_is_a_leaf", kSample, {}, {{"victim.age", "{}"}}, true},
      {"not_json", kSample, {}, {{"victim.age", "{not json"}}, false},
      {"trailing_garbage", kSample, {}, {{"victim.age", R"({"a":1}x)"}}, false},
      {"object_beside_own_leaf",
       kSample,
       {},
       {{"victim.needs.health", R"({"a":1})"}},
       false,
       [](envelope::Envelope& e) {
         // A leaf "victim.needs.health.z" next to the object: its "." forces the fallback.
         e.data.push_back({"victim.needs.health.z", "2"});
         std::sort(e.data.begin(), e.data.end(),
                   [](const auto& a, const auto& b) { return a.path < b.path; });
       }},
      {"unsorted_data",
       kSample,
       kContact,
       {},
       false,
       [](envelope::Envelope& e) { std::reverse(e.data.begin(), e.data.end()); }},
  };
}

std::vector<Row> all_rows() {
  auto rows = delivered_rows();
  for (auto& row : other_rows()) rows.push_back(std::move(row));
  return rows;
}

const auto kRowName = [](const auto& info) { return info.param.name; };
INSTANTIATE_TEST_SUITE_P(Crypto, CryptoSigningInputFast, ::testing::ValuesIn(all_rows()), kRowName);
INSTANTIATE_TEST_SUITE_P(Crypto, CryptoSigningInputRecipient, ::testing::ValuesIn(delivered_rows()),
                         kRowName);

TEST(CryptoSigningInputPipeline, StoredCopyIsTheSignedCanonicalEnvelope) {
  // The stored copy is the fast path's envelope_json; its signing input must embed exactly
  // those bytes (length prefix included) whenever the fast path applies.
  const auto key = testing::make_key(kRecipient);
  const auto e = testing::encrypt_copy(testing::sample_envelope(), {"data.victim.dob"}, key.pub,
                                       "police.met", kRecipient);
  const DeliveryInfo info{"police.met", kRecipient, e.id, "2026-11-22T09:30:00.123Z"};
  ASSERT_TRUE(encoding_is_canonical(e));
  const auto encoded = encode_for_delivery(info, e);
  ASSERT_GE(encoded.signing_input.size(), encoded.envelope_json.size());
  EXPECT_TRUE(encoded.signing_input.ends_with(encoded.envelope_json));
}

}  // namespace
}  // namespace accord::crypto
