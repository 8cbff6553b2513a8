// Status notices (docs/receipts.md, "Status notices"): the signing input's layout, the test
// vector the doc prints, the document's shape, and what a recipient's check refuses.
#include "accord/crypto/status_notice.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "accord/crypto/bytes.hpp"
#include "accord/env/env.hpp"
#include "accord/testing/temp_dir.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

using accord::testing::TempDir;
using nlohmann::json;

// The vector of docs/receipts.md "Status notices": gateway seed 32 bytes of 0x42.
const std::string kVectorStatus =
    R"({"message_id":"met-1","sender":"police.met","type":"referral.created",)"
    R"("case_urn":"01AB1234521","received_at":"2026-11-22T09:30:00.123Z","complete":true,)"
    R"("recipients":[{"recipient":"provider.lvws","state":"acknowledged","delivery_id":"42",)"
    R"("attempts":1,"acknowledged_at":"2026-11-22T10:14:59.000Z","receipt_required":false,)"
    R"("copy_hash":"abababababababababababababababababababababababababababababababab"}]})";
const DeliveryInfo kVectorInfo{"gateway.status", "police.met", "status-7",
                               "2026-11-22T10:15:00.000Z"};
constexpr const char* kVectorPublicKey = "IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=";
constexpr const char* kVectorKid = "26e88ab5574ac2e8";
constexpr const char* kVectorInputSha256 =
    "95ee7634f8506af8af3464c0197104590a4bd350441d4ed0f9605ef6553e90de";
constexpr const char* kVectorSig =
    "/YGp7Yfodzh869j0AEJFMdiVkFZ/T1xHxoRd1THL2gpt80tS8xVJVs1Nf29sUUgKVJsJof01zBzx8qhadsUPBQ==";

GatewaySigner vector_signer(const TempDir& dir) {
  const std::string path = dir.file("gateway-signing.key");
  const std::array<unsigned char, 32> seed = [] {
    std::array<unsigned char, 32> s;
    s.fill(0x42);
    return s;
  }();
  const json file = {{"format", kSigningKeyFormat}, {"alg", "ed25519"},
                     {"kid", kVectorKid},           {"public_key", kVectorPublicKey},
                     {"seed", to_base64(seed)},     {"created", "2026-11-22T09:00:00.000Z"}};
  EXPECT_TRUE(env::system_env().write_new_file(path, file.dump(), 0600).ok());
  auto signer = GatewaySigner::load_or_create(path, testing::kNowMs);
  EXPECT_TRUE(signer.ok()) << signer.error().message;
  return std::move(signer.value());
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return to_hex(std::span<const unsigned char>(hash, sizeof hash));
}

// The delivered item of a notice copy, as the mailbox and every push adapter hand it out.
std::string item_for(const std::string& document) {
  json header = {{"delivery_id", "9"},
                 {"sender", kVectorInfo.sender},
                 {"recipient", kVectorInfo.recipient},
                 {"message_id", kVectorInfo.message_id},
                 {"type", "accord.delivery_status"},
                 {"case_urn", "01AB1234521"},
                 {"received_at", kVectorInfo.received_at},
                 {"attempts", 1},
                 {"lease_expires_at", "2026-11-22T10:15:30.000Z"}};
  std::string item = header.dump();
  item.back() = ',';
  return item + document.substr(1);
}

TEST(StatusNotice, SigningInputLayoutIsDocumented) {
  std::string expected;
  for (std::string_view part :
       {std::string_view("accord-status-v1"), std::string_view("r.b"), std::string_view("status-1"),
        std::string_view("2026-11-22T09:30:00.123Z"), std::string_view("{}")}) {
    append_length_prefixed(expected, part);
  }
  EXPECT_EQ(status_notice_signing_input(
                {"gateway.status", "r.b", "status-1", "2026-11-22T09:30:00.123Z"}, "{}"),
            expected);
  EXPECT_EQ(expected.substr(0, 20), std::string("\0\0\0\x10", 4) + "accord-status-v1");
}

TEST(StatusNotice, TestVectorOfTheDoc) {
  TempDir dir("accord-notice-");
  const auto signer = vector_signer(dir);
  EXPECT_EQ(signer.public_key().kid, kVectorKid);
  const std::string input = status_notice_signing_input(kVectorInfo, kVectorStatus);
  EXPECT_EQ(input.size(), 479u);
  EXPECT_EQ(sha256_hex(input), kVectorInputSha256);
  const auto sig = signer.sign_status_notice(kVectorInfo, kVectorStatus);
  EXPECT_EQ(sig.sig, kVectorSig);
  EXPECT_EQ(sig.kid, kVectorKid);
}

TEST(StatusNotice, DocumentMembersInOrderAndAbsentWhenNotApplying) {
  const DeliverySignature sig{"ed25519", "k", "s"};
  EXPECT_EQ(status_notice_document("{\"a\":1}", {"acknowledged", "", 0}, sig),
            R"({"status":"{\"a\":1}","notice":{"outcome":"acknowledged"},)"
            R"("signature":{"alg":"ed25519","kid":"k","sig":"s"}})");
  EXPECT_EQ(status_notice_document("{}", {"dead_lettered", "cps.london", 43}, sig),
            R"({"status":"{}","notice":{"delivery_id":"43","outcome":"dead_lettered",)"
            R"("recipient":"cps.london"},"signature":{"alg":"ed25519","kid":"k","sig":"s"}})");
}

TEST(StatusNotice, DeliveredItemParsesAndVerifies) {
  TempDir dir("accord-notice-");
  const auto signer = vector_signer(dir);
  const NoticeFacts facts{"dead_lettered", "cps.london", 43};
  const std::string item = item_for(status_notice_document(
      kVectorStatus, facts, signer.sign_status_notice(kVectorInfo, kVectorStatus)));
  EXPECT_TRUE(is_status_notice_item(item));
  auto parsed = parse_status_notice(item);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->status, kVectorStatus);
  EXPECT_EQ(parsed->notice.outcome, "dead_lettered");
  EXPECT_EQ(parsed->notice.recipient, "cps.london");
  EXPECT_EQ(parsed->notice.delivery_id, 43);
  EXPECT_EQ(parsed->delivery_id, "9");
  EXPECT_TRUE(verify_status_notice(*parsed, signer.public_key()).ok());
}

TEST(StatusNotice, AnAlteredNoticeDoesNotVerify) {
  TempDir dir("accord-notice-");
  const auto signer = vector_signer(dir);
  const std::string item =
      item_for(status_notice_document(kVectorStatus, {"acknowledged", "", 0},
                                      signer.sign_status_notice(kVectorInfo, kVectorStatus)));
  struct Case {
    const char* name;
    std::function<void(StatusNoticeItem&)> alter;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"status text",
       [](StatusNoticeItem& i) { i.status.replace(i.status.find("true"), 4, "fals"); },
       "signature_invalid"},
      {"recipient", [](StatusNoticeItem& i) { i.info.recipient = "police.kent"; },
       "signature_invalid"},
      {"message id", [](StatusNoticeItem& i) { i.info.message_id = "status-8"; },
       "signature_invalid"},
      {"received_at", [](StatusNoticeItem& i) { i.info.received_at = "2026-11-22T10:15:00.001Z"; },
       "signature_invalid"},
      {"kid", [](StatusNoticeItem& i) { i.signature.kid = "0000000000000000"; },
       "wrong_gateway_key"},
      {"sig", [](StatusNoticeItem& i) { i.signature.sig = "AAAA"; }, "bad_signature"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_status_notice(item);
    ASSERT_TRUE(parsed.ok());
    c.alter(*parsed);
    auto verified = verify_status_notice(*parsed, signer.public_key());
    ASSERT_FALSE(verified.ok()) << c.name;
    EXPECT_EQ(verified.error().code, c.code) << c.name;
  }
}

TEST(StatusNotice, MalformedItemsAreRefusedWithAPath) {
  const std::string good = item_for(
      status_notice_document("{}", {"dead_lettered", "cps.london", 43}, {"ed25519", "k", "s"}));
  struct Case {
    std::string item;
    const char* path;
  };
  auto without = [&](const char* member) {
    json j = json::parse(good);
    j.erase(member);
    return j.dump();
  };
  auto with = [&](const char* member, json value) {
    json j = json::parse(good);
    j[member] = std::move(value);
    return j.dump();
  };
  const std::vector<Case> cases = {
      {"[]", ""},
      {without("status"), "status"},
      {with("status", json::object()), "status"},
      {with("type", "referral.created"), "type"},
      {with("sender", "police.met"), "type"},
      {without("notice"), "notice"},
      {with("notice", json{{"recipient", "x"}}), "notice.outcome"},
      {with("notice", json{{"outcome", "dead_lettered"}, {"delivery_id", "4x"}}),
       "notice.delivery_id"},
      {without("signature"), "signature"},
      {with("signature", json{{"alg", "ed25519"}, {"kid", "k"}}), "signature.sig"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_status_notice(c.item);
    ASSERT_FALSE(parsed.ok()) << c.item;
    EXPECT_EQ(parsed.error().code, "bad_message") << c.item;
    EXPECT_EQ(parsed.error().path, c.path) << c.item;
  }
  EXPECT_FALSE(is_status_notice_item("not json"));
  EXPECT_FALSE(is_status_notice_item(with("type", "referral.created")));
}

}  // namespace
}  // namespace accord::crypto
