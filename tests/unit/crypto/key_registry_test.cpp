// The gateway's registry of agency public keys: newest key wins, every bad file is named.
#include "accord/crypto/key_registry.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "accord/crypto/bytes.hpp"
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

}  // namespace
}  // namespace accord::crypto
