// accord-fe-1: round trips, every tamper that must fail, and no plaintext in the output.
#include "accord/crypto/field_encryption.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <functional>

#include "accord/crypto/bytes.hpp"
#include "accord/envelope/codec.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

const std::string kSender = "police.met";
const std::string kRecipient = "provider.lvws";
const std::vector<std::string> kProtected = {"data.victim.contact.phone",
                                             "data.victim.contact.email",
                                             "data.victim.contact.safe_times",
                                             "data.victim.needs.health",
                                             "data.victim.needs.language",
                                             "data.victim.age",
                                             "data.victim.score",
                                             "data.victim.none",
                                             "data.victim.empty",
                                             "data.victim.contact.do_not_leave_messages"};

TEST(CryptoFieldEncryption, AssociatedDataIsLengthPrefixed) {
  const std::string ad = field_associated_data("m1", "data.a", "s.x", "r.y", "k");
  const std::string expected =
      std::string("\0\0\0\x0b", 4) + "accord-fe-1" + std::string("\0\0\0\x02", 4) + "m1" +
      std::string("\0\0\0\x06", 4) + "data.a" + std::string("\0\0\0\x03", 4) + "s.x" +
      std::string("\0\0\0\x03", 4) + "r.y" + std::string("\0\0\0\x01", 4) + "k";
  EXPECT_EQ(ad, expected);
  // Moving a byte between parts changes the data: the framing is unambiguous.
  EXPECT_NE(field_associated_data("m1d", "ata.a", "s.x", "r.y", "k"), ad);
}

TEST(CryptoFieldEncryption, RoundTripEveryValueKind) {
  const auto original = testing::sample_envelope();
  const auto key = testing::make_key(kRecipient);
  const auto copy = testing::encrypt_copy(original, kProtected, key.pub, kSender, kRecipient);
  // The copy's protected values are objects in the documented member order.
  const std::string& phone = copy.find("victim.contact.phone")->json;
  EXPECT_EQ(phone.rfind(R"({"accord_enc":1,"alg":"xchacha20poly1305-ietf","ct":")", 0), 0u)
      << phone;
  const auto delivered = testing::as_delivered(copy);
  EXPECT_EQ(delivered.find("victim.contact.phone"), nullptr);  // now 6 leaves
  EXPECT_EQ(testing::leaf(delivered, "victim.contact.phone.kid"), "\"" + key.pub.kid + "\"");

  const AgencySecretKey keys[] = {key};
  auto opened = open_fields(delivered, keys, kSender, kRecipient);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->envelope, original);
  std::vector<std::string> expected = kProtected;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(opened->opened, expected);
}

TEST(CryptoFieldEncryption, OneWrappedKeyPerCopyFreshNoncePerField) {
  const auto original = testing::sample_envelope();
  const auto key = testing::make_key(kRecipient);
  const auto d1 = testing::as_delivered(
      testing::encrypt_copy(original, kProtected, key.pub, kSender, kRecipient));
  const auto d2 = testing::as_delivered(
      testing::encrypt_copy(original, kProtected, key.pub, kSender, kRecipient));
  const auto& w = testing::leaf(d1, "victim.contact.phone.wrapped_key");
  EXPECT_EQ(testing::leaf(d1, "victim.contact.email.wrapped_key"), w);
  EXPECT_NE(testing::leaf(d2, "victim.contact.phone.wrapped_key"), w);
  EXPECT_NE(testing::leaf(d1, "victim.contact.phone.nonce"),
            testing::leaf(d1, "victim.contact.email.nonce"));
  EXPECT_NE(testing::leaf(d1, "victim.contact.phone.ct"),
            testing::leaf(d2, "victim.contact.phone.ct"));
}

TEST(CryptoFieldEncryption, RotatedKeysStillOpenOldCopies) {
  const auto original = testing::sample_envelope();
  const auto old_key = testing::make_key(kRecipient, testing::kNowMs);
  const auto new_key = testing::make_key(kRecipient, testing::kNowMs + 1000);
  const auto old_copy = testing::as_delivered(
      testing::encrypt_copy(original, kProtected, old_key.pub, kSender, kRecipient));
  const auto new_copy = testing::as_delivered(
      testing::encrypt_copy(original, kProtected, new_key.pub, kSender, kRecipient));
  const AgencySecretKey both[] = {new_key, old_key};
  EXPECT_TRUE(open_fields(old_copy, both, kSender, kRecipient).ok());
  EXPECT_TRUE(open_fields(new_copy, both, kSender, kRecipient).ok());
  const AgencySecretKey only_new[] = {new_key};
  auto r = open_fields(old_copy, only_new, kSender, kRecipient);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unknown_kid");
}

TEST(CryptoFieldEncryption, EncryptorRefusesAnotherAgencysKeyAndEmptyContext) {
  const auto key = testing::make_key("provider.other");
  auto r = make_field_encryptor(key.pub, FieldContext{"m1", kSender, kRecipient});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "key_mismatch");
  auto e = make_field_encryptor(key.pub, FieldContext{"", kSender, "provider.other"});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "invalid_context");
}

TEST(CryptoFieldEncryption, EnvelopeWithoutProtectedFieldsOpensUnchanged) {
  const auto original = testing::sample_envelope();
  const auto key = testing::make_key(kRecipient);
  const AgencySecretKey keys[] = {key};
  auto r = open_fields(original, keys, kSender, kRecipient);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->envelope, original);
  EXPECT_TRUE(r->opened.empty());
}

// Each row changes one thing in the delivered copy, the keys or the context; opening must
// fail with the row's code at the row's path.
struct Tamper {
  std::string name;
  std::function<void(envelope::Envelope& delivered, std::vector<AgencySecretKey>& keys,
                     std::string& sender, std::string& recipient)>
      mutate;
  std::string code;
  std::string path = "data.victim.contact.phone";
};

void PrintTo(const Tamper& row, std::ostream* os) {
  *os << row.name;
}

class CryptoFieldTamper : public ::testing::TestWithParam<Tamper> {};

TEST_P(CryptoFieldTamper, FailsLoudly) {
  const auto original = testing::sample_envelope();
  const auto key = testing::make_key(kRecipient);
  const std::vector<std::string> only_phone = {"data.victim.contact.phone"};
  auto delivered = testing::as_delivered(
      testing::encrypt_copy(original, only_phone, key.pub, kSender, kRecipient));
  std::vector<AgencySecretKey> keys = {key};
  std::string sender = kSender;
  std::string recipient = kRecipient;
  {
    const AgencySecretKey ks[] = {key};
    ASSERT_TRUE(open_fields(delivered, ks, sender, recipient).ok()) << "the untampered copy";
  }
  GetParam().mutate(delivered, keys, sender, recipient);
  std::sort(delivered.data.begin(), delivered.data.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  auto r = open_fields(delivered, keys, sender, recipient);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, GetParam().code) << r.error().message;
  EXPECT_EQ(r.error().path, GetParam().path);
}

void rename_field(envelope::Envelope& e, const std::string& from, const std::string& to) {
  for (auto& f : e.data) {
    if (f.path.rfind(from + ".", 0) == 0) f.path = to + f.path.substr(from.size());
  }
}

const std::string P = "victim.contact.phone";

INSTANTIATE_TEST_SUITE_P(
    Crypto, CryptoFieldTamper,
    ::testing::Values(
        Tamper{"ct_first_byte", [](auto& e, auto&, auto&, auto&) {
                 testing::flip_base64_leaf(e, P + ".ct", 0);
               }, "decrypt_failed"},
        Tamper{"ct_tag_byte", [](auto& e, auto&, auto&, auto&) {
                 testing::flip_base64_leaf(e, P + ".ct", 20);
               }, "decrypt_failed"},
        Tamper{"nonce_byte", [](auto& e, auto&, auto&, auto&) {
                 testing::flip_base64_leaf(e, P + ".nonce", 23);
               }, "decrypt_failed"},
        Tamper{"wrapped_key_byte", [](auto& e, auto&, auto&, auto&) {
                 testing::flip_base64_leaf(e, P + ".wrapped_key", 40);
               }, "unwrap_failed"},
        Tamper{"wrapped_key_ephemeral_pk", [](auto& e, auto&, auto&, auto&) {
                 testing::flip_base64_leaf(e, P + ".wrapped_key", 0);
               }, "unwrap_failed"},
        Tamper{"kid_flipped", [](auto& e, auto&, auto&, auto&) {
                 std::string kid = testing::leaf(e, P + ".kid");
                 kid[kid.size() - 2] = kid[kid.size() - 2] == 'a' ? 'b' : 'a';
                 testing::set_leaf(e, P + ".kid", kid);
               }, "unknown_kid"},
        Tamper{"kid_of_same_key_relabelled", [](auto& e, auto& keys, auto&, auto&) {
                 // The same secret under a second kid: the data key unwraps, the AD does not.
                 AgencySecretKey alias = keys[0];
                 alias.pub.kid = std::string(kRecipient) + ":20300101T000000Z:beef";
                 keys.push_back(alias);
                 testing::set_leaf(e, P + ".kid", "\"" + alias.pub.kid + "\"");
               }, "decrypt_failed"},
        Tamper{"kid_of_other_own_key", [](auto& e, auto& keys, auto&, auto&) {
                 keys.push_back(testing::make_key(kRecipient, testing::kNowMs + 5));
                 testing::set_leaf(e, P + ".kid", "\"" + keys.back().pub.kid + "\"");
               }, "unwrap_failed"},
        Tamper{"moved_to_another_path", [](auto& e, auto&, auto&, auto&) {
                 rename_field(e, P, "victim.contact.address");
                 e.data.erase(std::remove_if(e.data.begin(), e.data.end(), [](const auto& f) {
                                return f.path == "victim.contact.address";
                              }), e.data.end());
               }, "decrypt_failed", "data.victim.contact.address"},
        Tamper{"swapped_into_another_message", [](auto& e, auto&, auto&, auto&) {
                 e.id = "msg-0002";
               }, "decrypt_failed"},
        Tamper{"claimed_other_sender", [](auto&, auto&, auto& sender, auto&) {
                 sender = "police.kent";
               }, "decrypt_failed"},
        Tamper{"another_recipients_key", [](auto&, auto& keys, auto&, auto& recipient) {
                 keys = {testing::make_key("provider.other")};
                 recipient = "provider.other";
               }, "unknown_kid"},
        Tamper{"another_recipient_relabels_kid", [](auto& e, auto& keys, auto&, auto&) {
                 keys = {testing::make_key("provider.other")};
                 testing::set_leaf(e, P + ".kid", "\"" + keys[0].pub.kid + "\"");
               }, "wrong_recipient"},
        Tamper{"opened_as_other_recipient", [](auto&, auto&, auto&, auto& recipient) {
                 recipient = "provider.other";
               }, "wrong_recipient"},
        Tamper{"unknown_version", [](auto& e, auto&, auto&, auto&) {
                 testing::set_leaf(e, P + ".accord_enc", "2");
               }, "unknown_format_version"},
        Tamper{"version_as_string", [](auto& e, auto&, auto&, auto&) {
                 testing::set_leaf(e, P + ".accord_enc", "\"1\"");
               }, "unknown_format_version"},
        Tamper{"unknown_alg", [](auto& e, auto&, auto&, auto&) {
                 testing::set_leaf(e, P + ".alg", "\"aes256gcm\"");
               }, "unknown_algorithm"},
        Tamper{"truncated_ct_base64", [](auto& e, auto&, auto&, auto&) {
                 std::string ct = testing::leaf(e, P + ".ct");
                 testing::set_leaf(e, P + ".ct", ct.substr(0, ct.size() - 3) + "\"");
               }, "malformed_field"},
        Tamper{"truncated_nonce", [](auto& e, auto&, auto&, auto&) {
                 testing::set_leaf(e, P + ".nonce", "\"AAAAAAAAAAAAAAAA\"");
               }, "malformed_field"},
        Tamper{"missing_member", [](auto& e, auto&, auto&, auto&) {
                 e.data.erase(std::remove_if(e.data.begin(), e.data.end(), [](const auto& f) {
                                return f.path == P + ".nonce";
                              }), e.data.end());
               }, "malformed_field"},
        Tamper{"extra_member", [](auto& e, auto&, auto&, auto&) {
                 e.data.push_back({P + ".note", "\"x\""});
               }, "malformed_field"},
        Tamper{"ct_not_a_string", [](auto& e, auto&, auto&, auto&) {
                 testing::set_leaf(e, P + ".ct", "42");
               }, "malformed_field"}),
    [](const auto& info) { return info.param.name; });

TEST(CryptoFieldEncryption, NoPlaintextBytesInEncryptedOutput) {
  // Property over random values: the delivered JSON holds no protected plaintext. The same
  // check on the unencrypted encoding finds every value, so the check itself can fail.
  const auto key = testing::make_key(kRecipient);
  auto e = testing::sample_envelope();
  const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 @.+-";
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> secrets;
    for (auto& f : e.data) {
      if (f.path.rfind("victim.contact.", 0) != 0 || f.path == "victim.contact.safe_times" ||
          f.path == "victim.contact.do_not_leave_messages") {
        continue;
      }
      std::string s(8 + randombytes_uniform(40), ' ');
      for (auto& c : s) c = alphabet[randombytes_uniform(sizeof alphabet - 1)];
      secrets.push_back(s);
      f.json = "\"" + s + "\"";
    }
    ASSERT_EQ(secrets.size(), 4u);
    const std::string clear = envelope::encode(e);
    for (const auto& s : secrets) ASSERT_NE(clear.find(s), std::string::npos);
    const std::string sealed = envelope::encode(
        testing::encrypt_copy(e,
                              {"data.victim.contact.phone", "data.victim.contact.email",
                               "data.victim.contact.address", "data.victim.contact.phone-2"},
                              key.pub, kSender, kRecipient));
    for (const auto& s : secrets) {
      ASSERT_EQ(sealed.find(s), std::string::npos) << s;
      ASSERT_EQ(sealed.find(s.substr(0, 8)), std::string::npos) << s;
    }
  }
}

TEST(CryptoDecodeDelivered, RefusesBadInputWithCodecCodes) {
  struct Row {
    std::string json;
    std::string code;
  };
  const std::vector<Row> rows = {
      {"{", "invalid_json"},
      {"[]", "not_an_object"},
      {R"({"id":"m","type":"Bad Type!","case":{"urn":"u","owner":"police.met"},)"
       R"("subject":{"role":"victim","ref":"r"},"occurred_at":"2026-11-20T09:30:00Z",)"
       R"("classification":"OFFICIAL","data":{}})",
       "unknown_event_type"},
      {R"({"id":"m","type":"hearing.listed","extra":1})", "unknown_key"},
  };
  for (const auto& row : rows) {
    auto r = decode_delivered(row.json);
    ASSERT_FALSE(r.ok()) << row.json;
    EXPECT_EQ(r.error().code, row.code) << row.json << ": " << r.error().message;
  }
}

}  // namespace
}  // namespace accord::crypto
