// The gateway's registry of agency public keys: newest key wins, every bad file is named.
#include "accord/crypto/key_registry.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "accord/crypto/bytes.hpp"
#include "accord/crypto/key_dir.hpp"
#include "accord/testing/temp_dir.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

using accord::testing::TempDir;
using nlohmann::json;

TEST(CryptoKeyRegistry, CurrentIsNewestByCreated) {
  const auto old_key = testing::make_key("provider.lvws", testing::kNowMs);
  const auto new_key = testing::make_key("provider.lvws", testing::kNowMs + 86400000);
  const auto police = testing::make_key("police.met");
  // Given newest first, to show the order of files does not matter.
  auto reg = KeyRegistry::parse({{"b.pub.json", public_key_file_text(new_key.pub)},
                                 {"a.pub.json", public_key_file_text(old_key.pub)},
                                 {"c.pub.json", public_key_file_text(police.pub)}});
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  ASSERT_NE(reg->current("provider.lvws"), nullptr);
  EXPECT_EQ(reg->current("provider.lvws")->kid, new_key.pub.kid);
  EXPECT_EQ(reg->current("provider.lvws")->source, "b.pub.json");
  EXPECT_EQ(reg->current("police.met")->kid, police.pub.kid);
  EXPECT_EQ(reg->current("provider.other"), nullptr);
  ASSERT_NE(reg->find_kid(old_key.pub.kid), nullptr);
  EXPECT_EQ(reg->find_kid(old_key.pub.kid)->public_key, old_key.pub.public_key);
  EXPECT_EQ(reg->find_kid("provider.lvws:20000101T000000Z:0000"), nullptr);
  EXPECT_EQ(reg->all().size(), 3u);
}

TEST(CryptoKeyRegistry, BadFilesAreNamed) {
  const auto key = testing::make_key("provider.lvws");
  const json good = json::parse(public_key_file_text(key.pub));
  struct Row {
    const char* name;
    std::string text;
    const char* code;
  };
  auto with = [&](const char* member, json value) {
    json j = good;
    j[member] = std::move(value);
    return j.dump();
  };
  auto without = [&](const char* member) {
    json j = good;
    j.erase(member);
    return j.dump();
  };
  const std::vector<Row> rows = {
      {"corrupt json", good.dump().substr(0, 40), "bad_key_file"},
      {"empty file", "", "bad_key_file"},
      {"wrong agency id", with("agency", "Provider LVWS"), "invalid_agency"},
      {"unknown agency kind", with("agency", "charity.lvws"), "invalid_agency"},
      {"short key", with("public_key", to_base64(std::vector<unsigned char>(31, 1))),
       "bad_key_file"},
      {"long key", with("public_key", to_base64(std::vector<unsigned char>(33, 1))),
       "bad_key_file"},
      {"key not base64", with("public_key", "not base64!"), "bad_key_file"},
      {"no public key", without("public_key"), "bad_key_file"},
      {"no kid", without("kid"), "bad_key_file"},
      {"kid of other agency", with("kid", "police.met:20261122T093000Z:abcd"), "bad_key_file"},
      {"wrong alg", with("alg", "p256"), "bad_key_file"},
      {"secret key file", secret_key_file_text(key), "bad_key_file"},
  };
  for (const auto& row : rows) {
    auto reg = KeyRegistry::parse(
        {{"keys/ok.pub.json", public_key_file_text(testing::make_key("police.met").pub)},
         {"keys/bad.pub.json", row.text}});
    ASSERT_FALSE(reg.ok()) << row.name;
    EXPECT_EQ(reg.error().code, row.code) << row.name << ": " << reg.error().message;
    EXPECT_EQ(reg.error().path, "keys/bad.pub.json") << row.name;
    EXPECT_EQ(reg.error().message.rfind("keys/bad.pub.json: ", 0), 0u) << reg.error().message;
  }
}

TEST(CryptoKeyRegistry, DuplicateKidNamesBothFiles) {
  const auto key = testing::make_key("provider.lvws");
  auto reg = KeyRegistry::parse({{"one.pub.json", public_key_file_text(key.pub)},
                                 {"two.pub.json", public_key_file_text(key.pub)}});
  ASSERT_FALSE(reg.ok());
  EXPECT_EQ(reg.error().code, "duplicate_kid");
  EXPECT_EQ(reg.error().path, "two.pub.json");
  EXPECT_NE(reg.error().message.find("one.pub.json"), std::string::npos);
}

TEST(CryptoKeyRegistry, LoadDirReadsOnlyPublicKeyFiles) {
  TempDir dir("accord-crypto-");
  const auto a = testing::make_key("provider.lvws", testing::kNowMs);
  const auto b = testing::make_key("provider.lvws", testing::kNowMs + 1);
  ASSERT_TRUE(write_key_files(dir.path(), a).ok());
  ASSERT_TRUE(write_key_files(dir.path(), b).ok());
  ASSERT_TRUE(write_new_file(dir.file("README.txt"), "not a key", 0644).ok());
  auto reg = KeyRegistry::load_dir(dir.path());
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  EXPECT_EQ(reg->all().size(), 2u);
  EXPECT_EQ(reg->current("provider.lvws")->kid, b.pub.kid);

  ASSERT_TRUE(write_new_file(dir.file("broken.pub.json"), "{}", 0644).ok());
  auto broken = KeyRegistry::load_dir(dir.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().path, dir.file("broken.pub.json"));

  auto missing = KeyRegistry::load_dir(dir.file("absent"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "io_error");
}

// Agreement signing keys share the directory (docs/agreements.md): the X25519 registry reads
// neither their public files (a signing key is no encryption key) nor, in read_secret_keys,
// their secret files; read_dir_files lists by suffix, sorted, for SignerRegistry.
TEST(CryptoKeyRegistry, SigningKeysInTheSameDirectoryAreLeftAlone) {
  TempDir dir("accord-crypto-");
  const auto a = testing::make_key("provider.lvws", testing::kNowMs);
  ASSERT_TRUE(write_key_files(dir.path(), a).ok());
  const std::string signing_pub =
      R"({"agency":"provider.lvws","alg":"ed25519","created":"2026-12-06T17:00:00.000Z",)"
      R"("kid":"provider.lvws:20261206T170000Z:ab12",)"
      R"("public_key":"ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=","purpose":"signing"})";
  auto written = write_key_pair(dir.path(), "provider.lvws.20261206T170000Z-ab12.sign.pub.json",
                                signing_pub, "provider.lvws.20261206T170000Z-ab12.sign.secret.json",
                                "{\"not\":\"an encryption key\"}");
  ASSERT_TRUE(written.ok()) << written.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(written->secret_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(written->public_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_FALSE(write_key_pair(dir.path(), "x.sign.pub.json", "",
                              "provider.lvws.20261206T170000Z-ab12.sign.secret.json", "")
                   .ok());

  auto reg = KeyRegistry::load_dir(dir.path());
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  ASSERT_EQ(reg->all().size(), 1u);
  EXPECT_EQ(reg->all()[0].kid, a.pub.kid);
  auto parsed = KeyRegistry::parse({{"x.sign.pub.json", signing_pub}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->all().empty());
  // Without the rule the same text is refused: the test above is not vacuous.
  EXPECT_FALSE(KeyRegistry::parse({{"x.pub.json", signing_pub}}).ok());

  auto secrets = read_secret_keys(dir.path());
  ASSERT_TRUE(secrets.ok()) << secrets.error().message;
  ASSERT_EQ(secrets->size(), 1u);
  EXPECT_EQ((*secrets)[0].pub.kid, a.pub.kid);

  auto signing_files = read_dir_files(dir.path(), ".sign.pub.json");
  ASSERT_TRUE(signing_files.ok());
  ASSERT_EQ(signing_files->size(), 1u);
  EXPECT_EQ((*signing_files)[0].first, written->public_path);
  EXPECT_EQ((*signing_files)[0].second, signing_pub);
  auto all_public = list_dir_files(dir.path(), ".pub.json");
  ASSERT_TRUE(all_public.ok());
  EXPECT_EQ(all_public->size(), 2u);
  EXPECT_LT((*all_public)[0], (*all_public)[1]);  // sorted by name
  EXPECT_EQ(read_dir_files(dir.file("absent"), ".pub.json").error().code, "io_error");

  ASSERT_EQ(::chmod(written->secret_path.c_str(), 0640), 0);
  auto insecure = read_private_file(written->secret_path);
  ASSERT_FALSE(insecure.ok());
  EXPECT_EQ(insecure.error().code, "insecure_permissions");
  ASSERT_EQ(::chmod(written->secret_path.c_str(), 0600), 0);
  EXPECT_EQ(read_private_file(written->secret_path).value(), "{\"not\":\"an encryption key\"}");
}

}  // namespace
}  // namespace accord::crypto
