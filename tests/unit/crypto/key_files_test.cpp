// Agency key files: generation, the 0600 secret file, refusal to overwrite or to read a file
// others can access, and every way a key file can be corrupt.
#include "accord/crypto/key_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "accord/crypto/bytes.hpp"
#include "accord/testing/temp_dir.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

using accord::testing::TempDir;
using nlohmann::json;

TEST(CryptoAgencyId, ValidAndInvalid) {
  struct Row {
    const char* id;
    bool valid;
  };
  const Row rows[] = {{"police.met", true},
                      {"provider.lvws", true},
                      {"court.snaresbrook-cc", true},
                      {"oversight.ico.uk", true},
                      {"police", false},
                      {"police.", false},
                      {"Police.met", false},
                      {"shop.met", false},
                      {"police..met", false},
                      {"police.met:1", false},
                      {"", false},
                      {"police.met/../x", false}};
  for (const auto& r : rows) EXPECT_EQ(is_valid_agency_id(r.id), r.valid) << r.id;
  EXPECT_FALSE(is_valid_agency_id("police." + std::string(60, 'a')));
}

TEST(CryptoKeyFiles, GenerateWritesKidAndModes) {
  TempDir dir("accord-crypto-");
  auto key = generate_agency_key("police.met", testing::kNowMs);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(is_valid_kid(key->pub.kid, "police.met")) << key->pub.kid;
  EXPECT_EQ(key->pub.kid.substr(0, 28), "police.met:20261122T093000Z:");
  EXPECT_EQ(key->pub.created, "2026-11-22T09:30:00.123Z");

  auto written = write_key_files(dir.path() + "/keys", *key);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(written->public_path,
            dir.path() + "/keys/" + key_file_stem(key->pub.kid) + ".pub.json");
  struct stat st {};
  ASSERT_EQ(::stat(written->secret_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(written->public_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  auto back = read_secret_key_file(written->secret_path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->pub.kid, key->pub.kid);
  EXPECT_EQ(back->secret_key.bytes, key->secret_key.bytes);
  auto pub_text = read_text_file(written->public_path);
  ASSERT_TRUE(pub_text.ok());
  EXPECT_EQ(pub_text->find("secret"), std::string::npos);
  auto pub = parse_public_key_file(*pub_text, written->public_path);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->public_key, key->pub.public_key);

  // Never over an existing file, and nothing half-written is left behind.
  auto again = write_key_files(dir.path() + "/keys", *key);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "file_exists");
  EXPECT_EQ(again.error().path, written->secret_path);
  EXPECT_TRUE(read_secret_key_file(written->secret_path).ok());
}

TEST(CryptoKeyFiles, TwoKeysOfOneAgencyDiffer) {
  auto a = testing::make_key("police.met");
  auto b = testing::make_key("police.met");
  EXPECT_NE(a.pub.public_key, b.pub.public_key);
  EXPECT_NE(a.secret_key.bytes, b.secret_key.bytes);
}

TEST(CryptoKeyFiles, RefusesSecretFileOthersCanRead) {
  TempDir dir("accord-crypto-");
  auto key = testing::make_key("provider.lvws");
  auto written = write_key_files(dir.path(), key);
  ASSERT_TRUE(written.ok());
  for (unsigned mode : {0640u, 0604u, 0660u, 0644u, 0602u}) {
    ASSERT_EQ(::chmod(written->secret_path.c_str(), mode), 0);
    auto r = read_secret_key_file(written->secret_path);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.error().code, "insecure_permissions");
    EXPECT_NE(r.error().message.find("chmod 600 " + written->secret_path), std::string::npos)
        << r.error().message;
    auto dir_read = read_secret_keys(dir.path());
    ASSERT_FALSE(dir_read.ok());
    EXPECT_EQ(dir_read.error().code, "insecure_permissions");
  }
  ASSERT_EQ(::chmod(written->secret_path.c_str(), 0400), 0);
  EXPECT_TRUE(read_secret_key_file(written->secret_path).ok());
  auto all = read_secret_keys(dir.path());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST(CryptoKeyFiles, MissingFilesAndEmptyDirectory) {
  TempDir dir("accord-crypto-");
  auto r = read_secret_key_file(dir.file("absent.secret.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "io_error");
  auto d = read_secret_keys(dir.path());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "io_error");
}

TEST(CryptoKeyFiles, CorruptSecretFiles) {
  const auto key = testing::make_key("police.met");
  const auto other = testing::make_key("police.met");
  const json good = json::parse(secret_key_file_text(key));
  ASSERT_TRUE(parse_secret_key_file(good.dump(), "k.secret.json").ok());
  struct Row {
    const char* name;
    std::function<void(json&)> mutate;
    const char* code;
  };
  const std::vector<Row> rows = {
      {"not json", [](json& j) { j = "{"; }, "bad_key_file"},
      {"not an object", [](json& j) { j = json::array(); }, "bad_key_file"},
      {"no secret", [](json& j) { j.erase("secret_key"); }, "bad_key_file"},
      {"secret short",
       [](json& j) {
         std::vector<unsigned char> b(31, 7);
         j["secret_key"] = to_base64(b);
       },
       "bad_key_file"},
      {"secret not b64", [](json& j) { j["secret_key"] = "***"; }, "bad_key_file"},
      {"truncated b64",
       [](json& j) {
         std::string s = j["secret_key"];
         j["secret_key"] = s.substr(0, s.size() - 1);
       },
       "bad_key_file"},
      {"pair mismatch", [&](json& j) { j["public_key"] = to_base64(other.pub.public_key); },
       "bad_key_file"},
      {"wrong format", [](json& j) { j["format"] = "accord-agency-secret-key-9"; }, "bad_key_file"},
      {"wrong alg", [](json& j) { j["alg"] = "ed25519"; }, "bad_key_file"},
      {"bad agency", [](json& j) { j["agency"] = "Police Met"; }, "invalid_agency"},
      {"kid of another agency", [](json& j) { j["agency"] = "police.kent"; }, "bad_key_file"},
      {"bad kid", [](json& j) { j["kid"] = "police.met:2026:zz"; }, "bad_key_file"},
      {"bad created", [](json& j) { j["created"] = "2026-11-22"; }, "bad_key_file"},
      {"kid not text", [](json& j) { j["kid"] = 5; }, "bad_key_file"},
  };
  for (const auto& row : rows) {
    json j = good;
    row.mutate(j);
    const std::string text = j.is_string() ? j.get<std::string>() : j.dump();
    auto r = parse_secret_key_file(text, "dir/k.secret.json");
    ASSERT_FALSE(r.ok()) << row.name;
    EXPECT_EQ(r.error().code, row.code) << row.name << ": " << r.error().message;
    EXPECT_EQ(r.error().path, "dir/k.secret.json") << row.name;
    EXPECT_NE(r.error().message.find("dir/k.secret.json"), std::string::npos) << row.name;
  }
}

TEST(CryptoKeyFiles, PublicParserRefusesASecretFile) {
  const auto key = testing::make_key("police.met");
  auto r = parse_public_key_file(secret_key_file_text(key), "x.pub.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_key_file");
}

TEST(CryptoBase64, StrictDecode) {
  EXPECT_TRUE(from_base64("AAEC").ok());
  EXPECT_TRUE(from_base64("").ok());
  for (const char* bad : {"AAE", "AAEC=", "AA EC", "AAEC\n", "AA-_", "A==="}) {
    EXPECT_FALSE(from_base64(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace accord::crypto
