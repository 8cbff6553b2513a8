// The receipt library against the committed vectors (made by tests/interop/receipt.py with
// PyNaCl alone), and check()'s verdicts, one row per way a receipt is wrong, in the documented
// order.
#include "accord/receipts/receipt.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace accord::receipts {
namespace {

using nlohmann::json;

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

json load_vectors() {
  std::ifstream in(ACCORD_RECEIPT_VECTORS);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::array<unsigned char, 32> seed_from_hex(const std::string& hex) {
  const std::string bytes = from_hex(hex);
  std::array<unsigned char, 32> seed{};
  std::copy(bytes.begin(), bytes.end(), seed.begin());
  return seed;
}

// The vector's key, made by the gateway's own key generator from the same seed.
governance::SigningSecret vector_key(const json& v) {
  const std::string kid = v["kid"];
  const std::string suffix = from_hex(kid.substr(kid.size() - 4));
  // The kid's creation time, as milliseconds: both vectors' kids are made at these instants.
  const std::int64_t created_ms =
      v["agency"] == "provider.lvws" ? 1'795'339'800'000 : 1'796'083'200'000;
  auto key = governance::signing_key_from_seed(
      v["agency"].get<std::string>(), "", created_ms, seed_from_hex(v["seed_hex"]),
      {static_cast<unsigned char>(suffix[0]), static_cast<unsigned char>(suffix[1])});
  EXPECT_TRUE(key.ok()) << key.error().message;
  return key.value();
}

TEST(ReceiptVectors, MatchThePyNaClComputation) {
  const json vectors = load_vectors();
  ASSERT_EQ(vectors["format"], "accord-receipt-vectors-1");
  ASSERT_EQ(vectors["vectors"].size(), 2u);
  for (const json& v : vectors["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const std::string delivery_input = from_hex(v["delivery_signing_input_hex"]);
    EXPECT_EQ(copy_hash(delivery_input), v["copy_hash"]);
    const CopySubject copy{v["recipient"], v["sender"], v["message_id"], v["copy_hash"]};
    EXPECT_EQ(to_hex(signing_input(copy)), v["receipt_signing_input_hex"]);

    const auto key = vector_key(v);
    EXPECT_EQ(key.key.kid, v["kid"]);
    const Receipt receipt = sign(copy, key);
    EXPECT_EQ(json::parse(to_json(receipt)), v["receipt"]);
    // Member order alg, kid, copy_hash, sig (docs/receipts.md §2), minified.
    const json& r = v["receipt"];
    EXPECT_EQ(to_json(receipt), "{\"alg\":" + r["alg"].dump() + ",\"kid\":" + r["kid"].dump() +
                                    ",\"copy_hash\":" + r["copy_hash"].dump() +
                                    ",\"sig\":" + r["sig"].dump() + "}");

    auto registry = governance::SignerRegistry::parse(
        {{governance::public_file_name(key.key), governance::public_key_json(key.key)}});
    ASSERT_TRUE(registry.ok()) << registry.error().message;
    const json stored = v["receipt"];
    auto verdict = check(&stored, copy, true, registry.value(), "receipt");
    ASSERT_TRUE(verdict.ok()) << verdict.error().message;
    ASSERT_TRUE(verdict.value().has_value());
    EXPECT_EQ(verdict.value()->sig, v["receipt"]["sig"]);
  }
}

TEST(CopyHash, IsLowerHexSha256) {
  // SHA-256("abc"), FIPS 180-2.
  EXPECT_EQ(copy_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(is_copy_hash(copy_hash("")));
  EXPECT_FALSE(is_copy_hash(std::string(63, 'a')));
  EXPECT_FALSE(is_copy_hash(std::string(64, 'A')));
  EXPECT_FALSE(is_copy_hash(std::string(63, 'a') + "g"));
}

constexpr std::int64_t kCreated = 1'796'576'400'000;  // 2026-12-06T17:00:00.000Z

governance::SigningSecret key_of(std::string_view agency, unsigned char first,
                                 unsigned char suffix) {
  std::array<unsigned char, 32> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(first + i);
  auto key = governance::signing_key_from_seed(agency, "", kCreated, seed, {0xab, suffix});
  EXPECT_TRUE(key.ok());
  return key.value();
}

class Check : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = governance::SignerRegistry::parse({
        {governance::public_file_name(lvws_.key), governance::public_key_json(lvws_.key)},
        {governance::public_file_name(cps_.key), governance::public_key_json(cps_.key)},
    });
    ASSERT_TRUE(registry.ok()) << registry.error().message;
    signers_ = registry.value();
  }

  const governance::SigningSecret lvws_ = key_of("provider.lvws", 1, 0x01);
  const governance::SigningSecret cps_ = key_of("cps.london", 2, 0x02);
  const governance::SigningSecret unregistered_ = key_of("provider.lvws", 3, 0x03);
  governance::SignerRegistry signers_;
  const CopySubject copy_{"provider.lvws", "police.met", "met-1", copy_hash("copy A")};
  const CopySubject other_copy_{"provider.lvws", "police.met", "met-2", copy_hash("copy B")};
};

TEST_F(Check, EachWayAReceiptIsWrongHasItsCode) {
  const json good = json::parse(to_json(sign(copy_, lvws_)));
  auto with = [&](const char* member, json value) {
    json r = good;
    r[member] = std::move(value);
    return r;
  };
  CopySubject cps_copy = copy_;
  cps_copy.recipient = "cps.london";
  json flipped = good;
  {
    auto sig = flipped["sig"].get<std::string>();
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    flipped["sig"] = sig;
  }
  struct Row {
    std::string name;
    json receipt;  // null: the ack carries none
    bool required;
    std::string code;  // "" = accepted
    std::string path;
  };
  const std::vector<Row> rows = {
      {"good", good, false, "", ""},
      {"good, required", good, true, "", ""},
      {"none, optional", nullptr, false, "", ""},
      {"none, required", nullptr, true, "receipt_required", "receipt"},
      {"not an object", json::array(), false, "invalid_receipt", "receipt"},
      {"text", "receipt", false, "invalid_receipt", "receipt"},
      {"extra member", with("at", "now"), false, "invalid_receipt", "receipt.at"},
      {"member missing", json{{"alg", "ed25519"}, {"kid", good["kid"]}, {"sig", good["sig"]}},
       false, "invalid_receipt", "receipt.copy_hash"},
      {"alg", with("alg", "rsa"), false, "invalid_receipt", "receipt.alg"},
      {"alg not text", with("alg", 1), false, "invalid_receipt", "receipt.alg"},
      {"hash upper-case", with("copy_hash", std::string(64, 'A')), false, "invalid_receipt",
       "receipt.copy_hash"},
      {"hash short", with("copy_hash", std::string(62, 'a')), false, "invalid_receipt",
       "receipt.copy_hash"},
      {"sig not base64", with("sig", "!!"), false, "invalid_receipt", "receipt.sig"},
      {"sig 63 bytes", with("sig", std::string(84, 'A')), false, "invalid_receipt", "receipt.sig"},
      {"kid empty", with("kid", ""), false, "invalid_receipt", "receipt.kid"},
      {"unregistered key", json::parse(to_json(sign(copy_, unregistered_))), false,
       "receipt_unknown_key", "receipt.kid"},
      {"another agency's key", json::parse(to_json(sign(copy_, cps_))), false,
       "receipt_wrong_agency", "receipt.kid"},
      {"wrong hash", with("copy_hash", copy_hash("copy C")), false, "receipt_hash_mismatch",
       "receipt.copy_hash"},
      {"replay of copy B's receipt", json::parse(to_json(sign(other_copy_, lvws_))), false,
       "receipt_hash_mismatch", "receipt.copy_hash"},
      {"bad signature", flipped, false, "receipt_bad_signature", "receipt.sig"},
      // The unknown key wins over the wrong hash: the first failing check is the verdict.
      {"unknown key and wrong hash", json::parse(to_json(sign(other_copy_, unregistered_))), false,
       "receipt_unknown_key", "receipt.kid"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const json* receipt = row.receipt.is_null() ? nullptr : &row.receipt;
    auto verdict = check(receipt, copy_, row.required, signers_, "receipt");
    if (row.code.empty()) {
      ASSERT_TRUE(verdict.ok()) << verdict.error().code << ": " << verdict.error().message;
      EXPECT_EQ(verdict.value().has_value(), receipt != nullptr);
    } else {
      ASSERT_FALSE(verdict.ok());
      EXPECT_EQ(verdict.error().code, row.code) << verdict.error().message;
      EXPECT_EQ(verdict.error().path, row.path);
    }
  }
}

TEST_F(Check, SameIdsSameHashOtherRecipientIsRefused) {
  // A cps.london receipt over the same hash, acked by provider.lvws: the kid is not its own.
  CopySubject as_cps = copy_;
  as_cps.recipient = "cps.london";
  const json receipt = json::parse(to_json(sign(as_cps, cps_)));
  auto verdict = check(&receipt, copy_, false, signers_, "receipts.17");
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code, "receipt_wrong_agency");
  EXPECT_EQ(verdict.error().path, "receipts.17.kid");
}

TEST_F(Check, SignatureCoversEveryMember) {
  const json good = json::parse(to_json(sign(copy_, lvws_)));
  for (auto change : std::vector<std::function<void(CopySubject&)>>{
           [](CopySubject& c) { c.sender = "police.kent"; },
           [](CopySubject& c) { c.message_id = "met-1x"; },
       }) {
    CopySubject altered = copy_;
    change(altered);
    auto verdict = check(&good, altered, false, signers_, "receipt");
    ASSERT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.error().code, "receipt_bad_signature");
  }
}

}  // namespace
}  // namespace accord::receipts
