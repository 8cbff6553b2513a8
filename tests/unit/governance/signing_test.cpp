// Signing keys, signed statements and verify() (accord/governance/signing.hpp): every verdict
// code, the statement and key file formats with each way they can be malformed, and the fixed
// test vector docs/agreements.md prints.
#include "accord/governance/signing.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace accord::governance {
namespace {

constexpr std::int64_t kCreated = 1'796'576'400'000;  // 2026-12-06T17:00:00.000Z

std::array<unsigned char, 32> seed_of(unsigned char first) {
  std::array<unsigned char, 32> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(first + i);
  return seed;
}

SigningSecret key_of(std::string_view agency, unsigned char seed, unsigned char suffix = 0x12,
                     std::string_view signer = "") {
  auto key = signing_key_from_seed(agency, signer, kCreated, seed_of(seed), {0xab, suffix});
  EXPECT_TRUE(key.ok()) << key.error().message;
  return key.value();
}

constexpr std::string_view kTextV2 = "id: met-lvws-referral\nversion: 2\n";
constexpr std::string_view kTextV1 = "id: met-lvws-referral\nversion: 1\n";

Statement statement_over(std::string_view text, int version,
                         StatementKind kind = StatementKind::signature) {
  Statement s;
  s.kind = kind;
  s.agreement = "met-lvws-referral";
  s.version = version;
  s.content_hash = content_hash(text);
  s.signed_at = "2026-12-06T17:05:00.000Z";
  if (kind == StatementKind::suspension) s.reason = "breach reported by the provider";
  return s;
}

class Signing : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = SignerRegistry::parse({
        {"keys/police.met.20261206T170000Z-ab12.sign.pub.json", public_key_json(met_.key)},
        {"keys/provider.lvws.20261206T170000Z-ab12.sign.pub.json", public_key_json(lvws_.key)},
        {"keys/cps.london.20261206T170000Z-ab12.sign.pub.json", public_key_json(cps_.key)},
    });
    ASSERT_TRUE(registry.ok()) << registry.error().message;
    signers_ = registry.value();
  }

  VersionRef v2() const {
    return {"met-lvws-referral", 2, content_hash(kTextV2), {"police.met", "provider.lvws"}};
  }

  SigningSecret met_ = key_of("police.met", 1);
  SigningSecret lvws_ = key_of("provider.lvws", 2);
  SigningSecret cps_ = key_of("cps.london", 3);                 // registered, not a party
  SigningSecret unregistered_ = key_of("police.met", 4, 0x99);  // another kid, never registered
  // Same agency, time and suffix as met_ (so the same kid) but another seed: a wrong key.
  SigningSecret impostor_ = key_of("police.met", 5);
  SignerRegistry signers_;
};

TEST_F(Signing, EveryVerdictInCheckOrder) {
  struct Row {
    std::string name;
    std::function<Statement()> make;
    std::string code;  // "" = counts
  };
  const std::vector<Row> rows = {
      {"each party's own signature counts", [&] { return sign(statement_over(kTextV2, 2), met_); },
       ""},
      {"the other party's too", [&] { return sign(statement_over(kTextV2, 2), lvws_); }, ""},
      {"a suspension counts",
       [&] { return sign(statement_over(kTextV2, 2, StatementKind::suspension), lvws_); }, ""},
      {"kid not registered", [&] { return sign(statement_over(kTextV2, 2), unregistered_); },
       "unknown_signer"},
      {"unknown kid wins over every later check",
       [&] {
         Statement s = sign(statement_over(kTextV1, 1), unregistered_);
         s.agency = "court.snaresbrook";
         return s;
       },
       "unknown_signer"},
      {"key registered for another agency than the one it signs for",
       [&] {
         Statement s = sign(statement_over(kTextV2, 2), lvws_);
         s.agency = "police.met";
         return s;
       },
       "signer_not_of_agency"},
      {"agency not a party", [&] { return sign(statement_over(kTextV2, 2), cps_); }, "not_a_party"},
      {"not a party wins over another version",
       [&] { return sign(statement_over(kTextV1, 1), cps_); }, "not_a_party"},
      {"signature over version 1 replayed on version 2",
       [&] { return sign(statement_over(kTextV1, 1), met_); }, "other_version"},
      {"signature over another agreement",
       [&] {
         Statement s = statement_over(kTextV2, 2);
         s.agreement = "met-cps-charging";
         return sign(s, met_);
       },
       "other_version"},
      {"same id and version, the file edited after signing",
       [&] {
         return sign(statement_over("id: met-lvws-referral\nversion: 2\n# edited\n", 2), met_);
       },
       "text_changed"},
      {"wrong key: the registered kid, another secret",
       [&] { return sign(statement_over(kTextV2, 2), impostor_); }, "bad_signature"},
      {"signed_at altered after signing",
       [&] {
         Statement s = sign(statement_over(kTextV2, 2), met_);
         s.signed_at = "2026-12-06T17:06:00.000Z";
         return s;
       },
       "bad_signature"},
      {"suspension reason altered after signing",
       [&] {
         Statement s = sign(statement_over(kTextV2, 2, StatementKind::suspension), met_);
         s.reason = "no reason";
         return s;
       },
       "bad_signature"},
      {"a signature presented as a suspension (domains differ)",
       [&] {
         Statement s = sign(statement_over(kTextV2, 2), met_);
         s.kind = StatementKind::suspension;
         return s;
       },
       "bad_signature"},
      {"one bit of the signature flipped",
       [&] {
         Statement s = sign(statement_over(kTextV2, 2), met_);
         s.sig[0] = s.sig[0] == 'A' ? 'B' : 'A';
         return s;
       },
       "bad_signature"},
      {"signature not base64",
       [&] {
         Statement s = sign(statement_over(kTextV2, 2), met_);
         s.sig = "not base64";
         return s;
       },
       "bad_signature"},
  };
  for (const auto& row : rows) {
    const Verdict v = verify(row.make(), v2(), signers_);
    EXPECT_EQ(v.ok, row.code.empty()) << row.name << ": " << v.code << " " << v.reason;
    EXPECT_EQ(v.code, row.code) << row.name << ": " << v.reason;
    EXPECT_EQ(v.reason.empty(), row.code.empty()) << row.name;
  }
}

TEST_F(Signing, ReasonsNameWhatIsWrong) {
  const Verdict replay = verify(sign(statement_over(kTextV1, 1), met_), v2(), signers_);
  EXPECT_EQ(replay.reason, "the signature is over met-lvws-referral v1, not met-lvws-referral v2");
  const Verdict party = verify(sign(statement_over(kTextV2, 2), cps_), v2(), signers_);
  EXPECT_EQ(party.reason, "cps.london is not a party to met-lvws-referral v2");
  Statement other = sign(statement_over(kTextV2, 2), lvws_);
  other.agency = "police.met";
  EXPECT_EQ(
      verify(other, v2(), signers_).reason,
      "signing key " + lvws_.key.kid + " is registered for provider.lvws, not for police.met");
}

TEST(SigningVector, FixedSeedGivesTheDocumentedSignature) {
  // docs/agreements.md prints these values: seed bytes 0x01..0x20, kid suffix ab12.
  const SigningSecret key = key_of("police.met", 1, 0x12, "J. Smith, DPO");
  EXPECT_EQ(key.key.kid, "police.met:20261206T170000Z:ab12");
  EXPECT_EQ(public_file_name(key.key), "police.met.20261206T170000Z-ab12.sign.pub.json");
  EXPECT_EQ(secret_file_name(key.key), "police.met.20261206T170000Z-ab12.sign.secret.json");
  EXPECT_EQ(
      public_key_json(key.key),
      R"({"agency":"police.met","alg":"ed25519","created":"2026-12-06T17:00:00.000Z",)"
      R"("kid":"police.met:20261206T170000Z:ab12","public_key":"ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=",)"
      R"("purpose":"signing","signer":"J. Smith, DPO"})"
      "\n");
  Statement s = statement_over(kTextV2, 2);
  EXPECT_EQ(s.content_hash,
            "sha256:2f37c78d15352977874820fa8e575a45ffc95769790ca3993e58654128c3d0e6");
  s.agency = key.key.agency;
  s.kid = key.key.kid;
  std::string input_hex;
  for (unsigned char c : signing_input(s)) {
    static constexpr char kHex[] = "0123456789abcdef";
    input_hex += kHex[c >> 4];
    input_hex += kHex[c & 0x0f];
  }
  EXPECT_EQ(input_hex,
            "0000001d6163636f72642d61677265656d656e742d7369676e61747572652d7631000000116d65742d"
            "6c7677732d726566657272616c0000000132000000477368613235363a3266333763373864313533"
            "35323937373837343832306661386535373561343566666339353736393739306361333939336535"
            "383635343132386333643065360000000a706f6c6963652e6d657400000020706f6c6963652e6d65"
            "743a3230323631323036543137303030305a3a6162313200000018323032362d31322d3036543137"
            "3a30353a30302e3030305a");
  s = sign(s, key);
  EXPECT_EQ(
      s.sig,
      "MvakqDNt/VPkeOaRhMTNvR2sBQ8IjrjJjuWMTJrCcpBAClg1/wTF4u+2zGmlFEdGnSBiA1m68z9jHbVV90AlDA==");
  EXPECT_EQ(
      to_json(s),
      R"({"format":"accord-agreement-signature-1","agreement":"met-lvws-referral",)"
      R"("version":2,"content_hash":"sha256:)"
      R"(2f37c78d15352977874820fa8e575a45ffc95769790ca3993e58654128c3d0e6",)"
      R"("agency":"police.met","kid":"police.met:20261206T170000Z:ab12",)"
      R"("signed_at":"2026-12-06T17:05:00.000Z","sig":"MvakqDNt/VPkeOaRhMTNvR2sBQ8IjrjJjuWMTJrCcpBAClg1/wTF4u+2zGmlFEdGnSBiA1m68z9jHbVV90AlDA=="})"
      "\n");
  EXPECT_EQ(statement_file_name(s), "met-lvws-referral.v2.police.met.sig.json");
}

TEST(SigningInput, LengthPrefixedMembersInOrderReasonLastForASuspension) {
  Statement s;
  s.agreement = "a";
  s.version = 12;
  s.content_hash = "h";
  s.agency = "police.met";
  s.kid = "k";
  s.signed_at = "t";
  s.reason = "r";
  const auto lp = [](std::string_view x) {
    std::string out(3, '\0');
    out += static_cast<char>(x.size());
    return out + std::string(x);
  };
  const std::string common = lp("a") + lp("12") + lp("h") + lp("police.met") + lp("k") + lp("t");
  EXPECT_EQ(signing_input(s), lp("accord-agreement-signature-v1") + common);  // no reason
  s.kind = StatementKind::suspension;
  EXPECT_EQ(signing_input(s), lp("accord-agreement-suspension-v1") + common + lp("r"));
}

TEST(ContentHash, Sha256OfTheExactBytes) {
  EXPECT_EQ(content_hash(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(content_hash("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Statements, JsonRoundTripKeepsEveryMemberInOrder) {
  const SigningSecret key = key_of("provider.lvws", 2);
  for (const auto kind : {StatementKind::signature, StatementKind::suspension}) {
    const Statement s = sign(statement_over(kTextV2, 2, kind), key);
    const std::string text = to_json(s);
    const bool suspension = kind == StatementKind::suspension;
    const std::vector<std::string> order = {
        suspension ? "\"format\":\"accord-agreement-suspension-1\""
                   : "\"format\":\"accord-agreement-signature-1\"",
        "\"agreement\":\"met-lvws-referral\"",
        "\"version\":2",
        "\"content_hash\":\"sha256:",
        "\"agency\":\"provider.lvws\"",
        "\"kid\":\"provider.lvws:20261206T170000Z:ab12\"",
        "\"signed_at\":\"2026-12-06T17:05:00.000Z\"",
        suspension ? "\"reason\":\"breach reported by the provider\"" : "\"sig\":\"",
        "\"sig\":\""};
    std::size_t at = 0;
    for (const auto& member : order) {
      const auto found = text.find(member, at);
      ASSERT_NE(found, std::string::npos) << member << " after " << at << " in " << text;
      at = found;
    }
    EXPECT_EQ(text.find("reason") != std::string::npos, suspension) << text;
    auto back = parse_statement(text, "x.json");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->kind, s.kind);
    EXPECT_EQ(back->agreement, s.agreement);
    EXPECT_EQ(back->version, s.version);
    EXPECT_EQ(back->content_hash, s.content_hash);
    EXPECT_EQ(back->agency, s.agency);
    EXPECT_EQ(back->kid, s.kid);
    EXPECT_EQ(back->signed_at, s.signed_at);
    EXPECT_EQ(back->reason, s.reason);
    EXPECT_EQ(back->sig, s.sig);
    EXPECT_EQ(back->source, "x.json");
    EXPECT_EQ(to_json(*back), text);
  }
  EXPECT_EQ(statement_file_name(sign(statement_over(kTextV2, 2, StatementKind::suspension), key)),
            "met-lvws-referral.v2.provider.lvws.suspend.json");
}

TEST(Statements, EveryMalformedStatementIsRefusedWithWhatIsWrong) {
  const SigningSecret key = key_of("police.met", 1);
  const std::string good = to_json(sign(statement_over(kTextV2, 2), key));
  const std::string good_suspension =
      to_json(sign(statement_over(kTextV2, 2, StatementKind::suspension), key));
  const auto edit = [](std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  const std::string sig = good.substr(good.find("\"sig\":\"") + 7, 88);
  struct Row {
    std::string text;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {"{}", "member \"format\" is missing"},
      {edit(good, "accord-agreement-signature-1", "accord-agreement-signature-2"),
       "format \"accord-agreement-signature-2\" is neither"},
      {edit(good, "\"format\":\"accord-agreement-signature-1\"", "\"format\":1"),
       "member \"format\" is not text"},
      {edit(good, "\"agreement\":\"met-lvws-referral\",", ""), "member \"agreement\" is missing"},
      {edit(good, "\"agreement\":\"met-lvws-referral\"", "\"agreement\":\"../x\""),
       "is not an agreement id"},
      {edit(good, "\"version\":2,", ""), "member \"version\" is missing"},
      {edit(good, "\"version\":2", "\"version\":\"2\""), "member \"version\" is not an integer"},
      {edit(good, "\"version\":2", "\"version\":0"), "member \"version\" is not an integer"},
      {edit(good, "\"version\":2", "\"version\":2.5"), "member \"version\" is not an integer"},
      {edit(good, "\"content_hash\":\"sha256:", "\"content_hash\":\"md5:"),
       "content_hash is not sha256:<64 lower-case hex>"},
      {edit(good, "\"agency\":\"police.met\"", "\"agency\":\"Police Met\""), "is not an agency id"},
      {edit(good, "\"agency\":\"police.met\",", ""), "member \"agency\" is missing"},
      {edit(good, "\"kid\":\"police.met:20261206T170000Z:ab12\"", "\"kid\":7"),
       "member \"kid\" is not text"},
      {edit(good, "\"signed_at\":\"2026-12-06T17:05:00.000Z\"", "\"signed_at\":\"2026-12-06\""),
       "signed_at is not YYYY-MM-DDTHH:MM:SS.mmmZ"},
      {edit(good, "\"sig\":\"" + sig + "\"", "\"sig\":\"***\""), "sig is not padded base64"},
      {edit(good, "\"sig\":\"" + sig + "\"", "\"sig\":\"AAAA\""),
       "sig is 3 bytes, not the 64 of an Ed25519 signature"},
      {edit(good, ",\"sig\":\"" + sig + "\"", ""), "member \"sig\" is missing"},
      {edit(good, "\"signed_at\"", "\"reason\":\"r\",\"signed_at\""),
       "a signature carries no \"reason\""},
      {edit(good, "\"signed_at\"", "\"note\":\"r\",\"signed_at\""), "unknown member \"note\""},
      {edit(good_suspension, "\"reason\":\"breach reported by the provider\",", ""),
       "member \"reason\" is missing"},
      {edit(good_suspension, "breach reported by the provider", std::string(501, 'x')),
       "reason is 501 bytes, more than 500"},
      {edit(good_suspension, "breach reported by the provider", "line\\nbreak"),
       "reason holds a control character"},
      {edit(good_suspension, "breach reported by the provider", ""), "reason is empty"},
  };
  for (const auto& row : rows) {
    auto parsed = parse_statement(row.text, "sigs/x.sig.json");
    ASSERT_FALSE(parsed.ok()) << row.text;
    EXPECT_EQ(parsed.error().code, "malformed_statement") << row.text;
    EXPECT_EQ(parsed.error().path, "sigs/x.sig.json");
    EXPECT_NE(parsed.error().message.find(row.message), std::string::npos)
        << parsed.error().message << " lacks " << row.message;
    EXPECT_EQ(parsed.error().message.rfind("sigs/x.sig.json: ", 0), 0u) << parsed.error().message;
  }
  // A reason of exactly 500 bytes, in any script, is fine.
  const std::string welsh = "Rhoddwyd y gorau i rannu: torri amodau";
  EXPECT_TRUE(
      parse_statement(edit(good_suspension, "breach reported by the provider", welsh), "x").ok());
  EXPECT_TRUE(
      parse_statement(
          edit(good_suspension, "breach reported by the provider", std::string(500, 'x')), "x")
          .ok());
}

TEST(TextRule, SignerNamesAndReasons) {
  struct Row {
    std::string text;
    std::string problem;  // "" = fine
  };
  const std::vector<Row> rows = {
      {"J. Smith, DPO", ""},
      {"Siân Jones", ""},
      {"", "is empty"},
      {std::string(21, 'a'), "is 21 bytes, more than 20"},
      {"tab\there", "holds a control character (byte 3)"},
      {"del\x7f", "holds a control character (byte 3)"},
      {"c1 \xc2\x85", "holds a control character (byte 3)"},
      {"bad \xff", "is not valid UTF-8 (byte 4)"},
      {"cut \xc3", "is not valid UTF-8 (byte 4)"},
      {"overlong \xe0\x80\xaf", "is not valid UTF-8 (byte 9)"},
      {"surrogate \xed\xa0\x80", "is not valid UTF-8 (byte 10)"},
  };
  for (const auto& row : rows) EXPECT_EQ(text_problem(row.text, 20), row.problem) << row.text;
}

TEST(KeyFiles, GeneratedKeysRoundTripAndSign) {
  auto key = generate_signing_key("provider.lvws", "", kCreated);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->key.kid.starts_with("provider.lvws:20261206T170000Z:"));
  EXPECT_EQ(public_key_json(key->key).find("signer"), std::string::npos);  // omitted when empty
  auto pub = parse_public_key(public_key_json(key->key), "p.sign.pub.json");
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(pub->public_key, key->key.public_key);
  EXPECT_EQ(pub->source, "p.sign.pub.json");
  auto secret = parse_secret_key(secret_key_json(*key), "s.sign.secret.json");
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ(secret->secret_key, key->secret_key);
  EXPECT_EQ(secret_key_json(*key).find("\"format\":\"accord-signing-secret-key-1\""),
            public_key_json(key->key).find("\"kid\""));  // members sorted by name
  auto other = generate_signing_key("provider.lvws", "", kCreated);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->key.public_key, key->key.public_key);

  EXPECT_EQ(generate_signing_key("Police", "", kCreated).error().code, "invalid_agency");
  EXPECT_EQ(generate_signing_key("police.met", "a\nb", kCreated).error().code, "invalid_signer");
}

TEST(KeyFiles, EveryBadKeyFileIsRefusedNamingTheFile) {
  const SigningSecret key = key_of("police.met", 1, 0x12, "J. Smith, DPO");
  const std::string pub = public_key_json(key.key);
  const std::string secret = secret_key_json(key);
  const SigningSecret other = key_of("police.met", 9);
  const auto edit = [](std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  const std::string pk = pub.substr(pub.find("\"public_key\":\"") + 14, 44);
  struct Row {
    std::string text;
    bool secret;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"{", false, "not valid JSON"},
      {"\"text\"", false, "not a JSON object"},
      {edit(pub, "\"alg\":\"ed25519\"", "\"alg\":\"x25519\""), false,
       "alg \"x25519\" is not ed25519"},
      {edit(pub, "\"purpose\":\"signing\"", "\"purpose\":\"encryption\""), false,
       "purpose \"encryption\" is not signing"},
      {edit(pub, "\"purpose\":\"signing\",", ""), false, "member \"purpose\" missing or not text"},
      {edit(pub, "\"kid\":\"police.met:", "\"kid\":\"cps.london:"), false, "kid \"cps.london:"},
      {edit(pub, "\"agency\":\"police.met\"", "\"agency\":\"Met\""), false, "is not an agency id"},
      {edit(pub, "\"created\":\"2026-12-06T17:00:00.000Z\"", "\"created\":\"yesterday\""), false,
       "created must be YYYY-MM-DDTHH:MM:SS.mmmZ"},
      {edit(pub, pk, "AAAA"), false, "\"public_key\" must be 32 bytes, not 3"},
      {edit(pub, pk, "@@@"), false, "\"public_key\" is not base64"},
      {edit(pub, "\"signer\":\"J. Smith, DPO\"", "\"signer\":\"\""), false, "signer is empty"},
      {edit(pub, "\"purpose\"", "\"colour\":\"red\",\"purpose\""), false,
       "unknown member \"colour\""},
      {secret, false, "this is a secret key file"},
      {pub, true, "member \"format\" missing or not text"},
      {edit(secret, "accord-signing-secret-key-1", "accord-agency-secret-key-1"), true,
       "format \"accord-agency-secret-key-1\" is not accord-signing-secret-key-1"},
      {edit(secret, pk, public_key_json(other.key).substr(pub.find("\"public_key\":\"") + 14, 44)),
       true, "secret_key does not match public_key"},
  };
  for (const auto& row : rows) {
    const Error error = row.secret ? parse_secret_key(row.text, "k/f.json").error()
                                   : parse_public_key(row.text, "k/f.json").error();
    EXPECT_EQ(error.code, "bad_key_file") << row.text;
    EXPECT_EQ(error.path, "k/f.json");
    EXPECT_NE(error.message.find(row.message), std::string::npos)
        << error.message << " lacks " << row.message;
  }
}

TEST(Registry, ReadsOnlySigningKeysRefusesDuplicatesAndSorts) {
  const SigningSecret met_new = key_of("police.met", 1, 0x13);
  const SigningSecret met_old =
      signing_key_from_seed("police.met", "", kCreated - 86'400'000, seed_of(2), {0xab, 0x12})
          .value();
  const SigningSecret cps = key_of("cps.london", 3);
  auto registry = SignerRegistry::parse({
      {"b.sign.pub.json", public_key_json(met_new.key)},
      {"police.met.x.pub.json", "an encryption key: not read"},
      {"a.sign.pub.json", public_key_json(met_old.key)},
      {"c.sign.pub.json", public_key_json(cps.key)},
      {"README", "not read"},
  });
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  ASSERT_EQ(registry->all().size(), 3u);
  EXPECT_EQ(registry->all()[0].kid, cps.key.kid);
  EXPECT_EQ(registry->all()[1].kid, met_old.key.kid);
  EXPECT_EQ(registry->all()[2].kid, met_new.key.kid);
  ASSERT_NE(registry->find_kid(met_old.key.kid), nullptr);
  EXPECT_EQ(registry->find_kid(met_old.key.kid)->source, "a.sign.pub.json");
  EXPECT_EQ(registry->find_kid("police.met:20000101T000000Z:0000"), nullptr);

  auto duplicate = SignerRegistry::parse({{"a.sign.pub.json", public_key_json(cps.key)},
                                          {"b.sign.pub.json", public_key_json(cps.key)}});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, "duplicate_kid");
  EXPECT_EQ(duplicate.error().path, "b.sign.pub.json");
  auto broken = SignerRegistry::parse({{"a.sign.pub.json", "{}"}});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "bad_key_file");
}

}  // namespace
}  // namespace accord::governance
