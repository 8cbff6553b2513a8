// Golden corrupt key files (tests/data/corrupt, its README says how they were made): each
// key reader refuses each with the code key_files.hpp / signature.hpp document, never a
// crash. The undamaged files are read first, so a refusal is the damage's doing.
#include <gtest/gtest.h>

#include <string>

#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/testing/golden.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::crypto {
namespace {

using testing::data_file;
using testing::private_copy;

enum class Reader { agency_public, agency_secret, gateway_public, gateway_signing };

struct Row {
  std::string name;
  Reader reader;
  std::string file;  // under tests/data/corrupt
  std::string code;  // empty: reads
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

std::string slurp(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? text.value() : std::string();
}

// The error code `reader` answers for `file` (empty when it reads it).
std::string read_key(Reader reader, const std::string& file) {
  testing::TempDir dir("accord-corrupt-key-");
  const std::string relative = "corrupt/" + file;
  switch (reader) {
    case Reader::agency_public: {
      const auto path = data_file(relative);
      auto key = parse_public_key_file(slurp(path), path);
      if (key.ok()) return "";
      EXPECT_EQ(key.error().path, path) << "the error names the file";
      return key.error().code;
    }
    case Reader::agency_secret: {
      auto key = read_secret_key_file(private_copy(relative, dir, "k.secret.json"));
      return key.ok() ? "" : key.error().code;
    }
    case Reader::gateway_public: {
      auto key = parse_gateway_public_key(slurp(data_file(relative)));
      return key.ok() ? "" : key.error().code;
    }
    case Reader::gateway_signing: {
      auto signer = GatewaySigner::load_or_create(private_copy(relative, dir, "signing.key"),
                                                  1'764'000'000'000);
      return signer.ok() ? "" : signer.error().code;
    }
  }
  return "unreachable";
}

class CorruptKeyFile : public ::testing::TestWithParam<Row> {};

TEST_P(CorruptKeyFile, IsRefusedWithItsCode) {
  const auto& row = GetParam();
  EXPECT_EQ(read_key(row.reader, row.file), row.code);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, CorruptKeyFile,
    ::testing::Values(Row{"agency_public_good", Reader::agency_public, "agency-pub-good.json", ""},
                      Row{"agency_public_bad_base64", Reader::agency_public,
                          "agency-pub-bad-base64.json", "bad_key_file"},
                      Row{"agency_public_31_byte_key", Reader::agency_public,
                          "agency-pub-short-key.json", "bad_key_file"},
                      Row{"agency_secret_bad_base64", Reader::agency_secret,
                          "agency-secret-bad-base64.json", "bad_key_file"},
                      Row{"gateway_public_good", Reader::gateway_public, "gateway-key.json", ""},
                      Row{"gateway_public_bad_base64", Reader::gateway_public,
                          "gateway-key-bad-base64.json", "bad_public_key"},
                      Row{"gateway_signing_bad_base64", Reader::gateway_signing,
                          "gateway-signing-bad-base64.key", "bad_key_file"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::crypto
