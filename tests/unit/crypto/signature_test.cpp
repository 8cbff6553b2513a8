// The gateway's delivery signature: the signing input, the signer's key file, verify + tamper.
#include "accord/crypto/signature.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>

#include "accord/crypto/bytes.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/testing/temp_dir.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

using accord::testing::TempDir;

const std::vector<std::string> kProtected = {
    "data.victim.contact.phone", "data.victim.contact.email", "data.victim.needs.health"};

DeliveryInfo info_for(const envelope::Envelope& e) {
  return DeliveryInfo{"police.met", "provider.lvws", e.id, "2026-11-22T09:30:00.123Z"};
}

TEST(CryptoSigningInput, LayoutIsDocumented) {
  auto e = testing::sample_envelope();
  const DeliveryInfo info{"s.a", "r.b", "m1", "2026-11-22T09:30:00.123Z"};
  const std::string canonical = envelope::encode(e);
  std::string expected;
  for (std::string_view part :
       {std::string_view("accord-delivery-v1"), std::string_view("s.a"), std::string_view("r.b"),
        std::string_view("m1"), std::string_view("2026-11-22T09:30:00.123Z"),
        std::string_view(canonical)}) {
    append_length_prefixed(expected, part);
  }
  EXPECT_EQ(delivery_signing_input(info, e), expected);
  EXPECT_EQ(expected.substr(0, 22), std::string("\0\0\0\x12", 4) + "accord-delivery-v1");
}

TEST(CryptoSigningInput, TransformFormEqualsWhatTheRecipientDecodes) {
  // "phone-2" sorts before "phone.<member>" but after "phone": the signer must flatten the
  // encrypted object exactly as the recipient's decoder does, or signatures would not verify.
  const auto key = testing::make_key("provider.lvws");
  const auto copy = testing::encrypt_copy(testing::sample_envelope(), kProtected, key.pub,
                                          "police.met", "provider.lvws");
  const auto delivered = testing::as_delivered(copy);
  EXPECT_EQ(delivery_signing_input(info_for(copy), copy),
            delivery_signing_input(info_for(copy), delivered));
  EXPECT_EQ(envelope::encode(delivered), envelope::encode(testing::as_delivered(delivered)));
}

TEST(CryptoGatewaySigner, CreatesOnceThenLoadsTheSameKey) {
  TempDir dir("accord-crypto-");
  const std::string path = dir.file("gateway-signing.json");
  auto a = GatewaySigner::load_or_create(path, testing::kNowMs);
  ASSERT_TRUE(a.ok()) << a.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = GatewaySigner::load_or_create(path, testing::kNowMs + 1);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(a->public_key().key, b->public_key().key);
  EXPECT_EQ(a->public_key().kid, gateway_kid(a->public_key().key));
  EXPECT_EQ(a->public_key().kid.size(), 16u);
  // Signed by one instance, verified with the key the other publishes.
  const auto sig = a->sign("hello");
  EXPECT_TRUE(verify_signature("hello", sig, b->public_key()).ok());
}

TEST(CryptoGatewaySigner, RefusesInsecureOrCorruptKeyFile) {
  TempDir dir("accord-crypto-");
  const std::string path = dir.file("gateway-signing.json");
  ASSERT_TRUE(GatewaySigner::load_or_create(path, testing::kNowMs).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto r = GatewaySigner::load_or_create(path, testing::kNowMs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "insecure_permissions");
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos);

  for (const char* text : {"{}", "not json", R"({"format":"accord-gateway-signing-key-1",
       "alg":"ed25519","seed":"AAAA","public_key":"AAAA"})"}) {
    const std::string bad = dir.file("bad-" + std::to_string(std::hash<std::string>{}(text)));
    ASSERT_TRUE(write_new_file(bad, text, 0600).ok());
    auto c = GatewaySigner::load_or_create(bad, testing::kNowMs);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.error().code, "bad_key_file") << text;
    EXPECT_EQ(c.error().path, bad);
  }
}

TEST(CryptoGatewayPublicKey, DocumentAndBareBase64) {
  TempDir dir("accord-crypto-");
  auto signer = GatewaySigner::load_or_create(dir.file("k.json"), testing::kNowMs);
  ASSERT_TRUE(signer.ok());
  const std::string doc = gateway_public_key_json(signer->public_key());
  auto from_doc = parse_gateway_public_key(doc + "\n");
  ASSERT_TRUE(from_doc.ok()) << from_doc.error().message;
  EXPECT_EQ(from_doc->key, signer->public_key().key);
  auto bare = parse_gateway_public_key(to_base64(signer->public_key().key));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->kid, signer->public_key().kid);

  std::string wrong_kid = doc;
  wrong_kid.replace(wrong_kid.find(signer->public_key().kid), 16, "0000000000000000");
  for (const std::string& bad :
       {wrong_kid, std::string("{\"alg\":\"x25519\"}"), std::string("AAAA"), std::string("")}) {
    auto r = parse_gateway_public_key(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "bad_public_key");
  }
}

struct SigTamper {
  std::string name;
  std::function<void(DeliveryInfo&, envelope::Envelope&, DeliverySignature&, GatewayPublicKey&)>
      mutate;
  std::string code;
};

void PrintTo(const SigTamper& row, std::ostream* os) {
  *os << row.name;
}

class CryptoDeliveryTamper : public ::testing::TestWithParam<SigTamper> {};

TEST_P(CryptoDeliveryTamper, VerifyFails) {
  TempDir dir("accord-crypto-");
  auto signer = GatewaySigner::load_or_create(dir.file("k.json"), testing::kNowMs);
  ASSERT_TRUE(signer.ok());
  const auto key = testing::make_key("provider.lvws");
  const auto copy = testing::encrypt_copy(testing::sample_envelope(), kProtected, key.pub,
                                          "police.met", "provider.lvws");
  DeliveryInfo info = info_for(copy);
  DeliverySignature sig = signer->sign_delivery(info, copy);
  envelope::Envelope delivered = testing::as_delivered(copy);
  GatewayPublicKey pub = signer->public_key();
  ASSERT_TRUE(verify_delivery(info, delivered, sig, pub).ok()) << "the untampered copy";
  GetParam().mutate(info, delivered, sig, pub);
  Status s = verify_delivery(info, delivered, sig, pub);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, GetParam().code) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Crypto, CryptoDeliveryTamper,
    ::testing::Values(
        SigTamper{"sender", [](auto& i, auto&, auto&, auto&) { i.sender = "police.kent"; },
                  "signature_invalid"},
        SigTamper{"recipient", [](auto& i, auto&, auto&, auto&) { i.recipient = "provider.x"; },
                  "signature_invalid"},
        SigTamper{"message_id", [](auto& i, auto&, auto&, auto&) { i.message_id = "msg-9"; },
                  "signature_invalid"},
        SigTamper{"received_at",
                  [](auto& i, auto&, auto&, auto&) { i.received_at = "2026-11-22T09:30:00.124Z"; },
                  "signature_invalid"},
        SigTamper{"clear_field",
                  [](auto&, auto& e, auto&, auto&) {
                    testing::set_leaf(e, "offence.category", "\"robbery\"");
                  },
                  "signature_invalid"},
        SigTamper{"encrypted_ct",
                  [](auto&, auto& e, auto&, auto&) {
                    testing::flip_base64_leaf(e, "victim.contact.phone.ct", 3);
                  },
                  "signature_invalid"},
        SigTamper{"field_removed",
                  [](auto&, auto& e, auto&, auto&) {
                    std::erase_if(e.data,
                                  [](const auto& f) { return f.path == "offence.summary"; });
                  },
                  "signature_invalid"},
        SigTamper{"header", [](auto&, auto& e, auto&, auto&) { e.classification = "OFFICIAL"; },
                  "signature_invalid"},
        SigTamper{"sig_byte",
                  [](auto&, auto&, auto& s, auto&) {
                    auto b = *from_base64(s.sig);
                    b[10] ^= 1;
                    s.sig = to_base64(b);
                  },
                  "signature_invalid"},
        SigTamper{"sig_truncated",
                  [](auto&, auto&, auto& s, auto&) { s.sig = s.sig.substr(0, 40); },
                  "bad_signature"},
        SigTamper{"alg", [](auto&, auto&, auto& s, auto&) { s.alg = "rsa"; }, "bad_signature"},
        SigTamper{"kid_mismatch", [](auto&, auto&, auto& s, auto&) { s.kid = "0011223344556677"; },
                  "wrong_gateway_key"},
        SigTamper{"other_gateway_key",
                  [](auto&, auto&, auto& s, auto& pub) {
                    TempDir d("accord-crypto-");
                    auto other = GatewaySigner::load_or_create(d.file("o.json"), 0);
                    pub = other->public_key();
                    s.kid = pub.kid;  // a forger who also relabels the kid
                  },
                  "signature_invalid"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::crypto
