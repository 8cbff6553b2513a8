// Golden corrupt files (tests/data/corrupt, README.md there says how they were made): each
// reader refuses each file with the error code its docs promise, and never crashes. A good
// file per reader is read first, so a refusal is the corruption's doing and not a wrong key
// or a missing file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "accord/audit/verifier.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord {
namespace {

namespace fs = std::filesystem;

std::string golden(const std::string& name) {
  const char* root = std::getenv("ACCORD_SOURCE_DIR");
  if (root == nullptr) {
    ADD_FAILURE() << "ACCORD_SOURCE_DIR is not set (run the tests through ctest)";
    return name;
  }
  return std::string(root) + "/tests/data/corrupt/" + name;
}

std::string slurp(const std::string& path) {
  auto text = crypto::read_text_file(path);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? text.value() : std::string();
}

// A copy with mode 0600, as a key or spool file must have (git keeps 0644).
std::string private_copy(const std::string& name, const testing::TempDir& dir,
                         const std::string& as) {
  const auto to = dir.file(as);
  fs::copy_file(golden(name), to, fs::copy_options::overwrite_existing);
  ::chmod(to.c_str(), 0600);
  return to;
}

// --- audit exports (docs/audit-format.md §6-§7) ----------------------------------------------

struct ExportRow {
  std::string file;
  bool require_sealed = false;
  std::string code;  // empty: verifies
  std::int64_t seq = 0;
  std::int64_t line = 0;
};

void PrintTo(const ExportRow& row, std::ostream* os) {
  *os << row.file << (row.require_sealed ? " --require-sealed" : "");
}

class CorruptAuditExport : public ::testing::TestWithParam<ExportRow> {};

TEST_P(CorruptAuditExport, IsRefusedWithItsCode) {
  const auto& row = GetParam();
  const auto key = crypto::parse_gateway_public_key(slurp(golden("gateway-key.json")));
  ASSERT_TRUE(key.ok()) << key.error().message;
  std::ifstream in(golden(row.file), std::ios::binary);
  ASSERT_TRUE(in) << row.file;
  audit::VerifyOptions options;
  options.require_sealed = row.require_sealed;
  const auto report = audit::verify_export(in, key.value(), options);
  if (row.code.empty()) {
    ASSERT_TRUE(report.ok()) << report.failure->code << ": " << report.failure->message;
    EXPECT_EQ(report.records, 6);
    EXPECT_EQ(report.checkpoints, 2);
    EXPECT_EQ(report.sealed_seq, 6);
    return;
  }
  ASSERT_FALSE(report.ok()) << row.file;
  EXPECT_EQ(report.failure->code, row.code) << report.failure->message;
  EXPECT_EQ(report.failure->seq, row.seq) << report.failure->message;
  EXPECT_EQ(report.failure->line, row.line) << report.failure->message;
}

// Lines: 1 header, 2-5 records 1-4, 6 checkpoint 4, 7-8 records 5-6, 9 checkpoint 6.
INSTANTIATE_TEST_SUITE_P(
    Golden, CorruptAuditExport,
    ::testing::Values(
        ExportRow{"audit-export-good.jsonl", false, "", 0, 0},
        ExportRow{"audit-export-good.jsonl", true, "", 0, 0},
        // Cut in the middle of record 5's line.
        ExportRow{"audit-export-truncated.jsonl", false, "malformed", 5, 7},
        // Cut after record 5: it verifies as far as it goes, but record 5 is
        // sealed by no checkpoint.
        ExportRow{"audit-export-truncated-at-line.jsonl", true, "unsealed_tail", 5, 0},
        // One bit of record 3 flipped ("not_permitted" → "oot_permitted").
        ExportRow{"audit-export-bitflip-record.jsonl", false, "chain_mismatch", 3, 4},
        // One bit of checkpoint 4's signature flipped (still base64).
        ExportRow{"audit-export-bitflip-signature.jsonl", false, "signature_invalid", 4, 6}),
    [](const auto& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('.'));
      for (auto& c : name) c = c == '-' ? '_' : c;
      return name + (info.param.require_sealed ? "_require_sealed" : "");
    });

// --- key files (docs/field-encryption.md §5, crypto/key_files.hpp, signature.hpp) -------------

enum class KeyReader { agency_public, agency_secret, gateway_public, gateway_signing };

struct KeyRow {
  std::string name;
  KeyReader reader;
  std::string file;
  std::string code;  // empty: reads
};

void PrintTo(const KeyRow& row, std::ostream* os) {
  *os << row.name;
}

// The error code `reader` answers for `file` (empty when it reads it).
std::string read_key(KeyReader reader, const std::string& file) {
  testing::TempDir dir("accord-corrupt-key-");
  switch (reader) {
    case KeyReader::agency_public: {
      const auto path = golden(file);
      auto key = crypto::parse_public_key_file(slurp(path), path);
      if (key.ok()) return "";
      EXPECT_EQ(key.error().path, path) << "the error names the file";
      return key.error().code;
    }
    case KeyReader::agency_secret: {
      auto key = crypto::read_secret_key_file(private_copy(file, dir, "k.secret.json"));
      return key.ok() ? "" : key.error().code;
    }
    case KeyReader::gateway_public: {
      auto key = crypto::parse_gateway_public_key(slurp(golden(file)));
      return key.ok() ? "" : key.error().code;
    }
    case KeyReader::gateway_signing: {
      auto signer = crypto::GatewaySigner::load_or_create(private_copy(file, dir, "signing.key"),
                                                          1'764'000'000'000);
      return signer.ok() ? "" : signer.error().code;
    }
  }
  return "unreachable";
}

class CorruptKeyFile : public ::testing::TestWithParam<KeyRow> {};

TEST_P(CorruptKeyFile, IsRefusedWithItsCode) {
  const auto& row = GetParam();
  EXPECT_EQ(read_key(row.reader, row.file), row.code);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, CorruptKeyFile,
    ::testing::Values(
        KeyRow{"agency_public_good", KeyReader::agency_public, "agency-pub-good.json", ""},
        KeyRow{"agency_public_bad_base64", KeyReader::agency_public, "agency-pub-bad-base64.json",
               "bad_key_file"},
        KeyRow{"agency_public_31_byte_key", KeyReader::agency_public, "agency-pub-short-key.json",
               "bad_key_file"},
        KeyRow{"agency_secret_bad_base64", KeyReader::agency_secret,
               "agency-secret-bad-base64.json", "bad_key_file"},
        KeyRow{"gateway_public_good", KeyReader::gateway_public, "gateway-key.json", ""},
        KeyRow{"gateway_public_bad_base64", KeyReader::gateway_public,
               "gateway-key-bad-base64.json", "bad_public_key"},
        KeyRow{"gateway_signing_bad_base64", KeyReader::gateway_signing,
               "gateway-signing-bad-base64.key", "bad_key_file"}),
    [](const auto& info) { return info.param.name; });

// --- the spool's files (docs/storage.md: opening, "Manifest and lock") --------------------------

struct SpoolRow {
  std::string name;
  std::string database;  // golden file copied as spool.db; empty: a fresh, real database
  std::string manifest;  // golden file copied as spool.db.manifest; empty: none
  std::string code;      // empty: opens
};

void PrintTo(const SpoolRow& row, std::ostream* os) {
  *os << row.name;
}

class CorruptSpoolFile : public ::testing::TestWithParam<SpoolRow> {};

// Both the read-only check (accord-gateway --check) and the real open refuse the same way.
TEST_P(CorruptSpoolFile, IsRefusedWithItsCode) {
  const auto& row = GetParam();
  testing::TempDir dir("accord-corrupt-spool-");
  spool::SqliteSpoolOptions options;
  options.path = dir.file("spool.db");
  options.audit.enabled = false;
  if (row.database.empty()) {
    auto fresh = options;
    fresh.manifest = false;
    ASSERT_TRUE(spool::open_sqlite_spool(fresh).ok());  // created, then closed
  } else {
    private_copy(row.database, dir, "spool.db");
  }
  if (!row.manifest.empty()) private_copy(row.manifest, dir, "spool.db.manifest");

  const auto checked = spool::check_sqlite_spool(options);
  EXPECT_EQ(checked.ok() ? "" : checked.error().code, row.code) << "check";
  const auto opened = spool::open_sqlite_spool(options);
  EXPECT_EQ(opened.ok() ? "" : opened.error().code, row.code) << "open";
}

INSTANTIATE_TEST_SUITE_P(
    Golden, CorruptSpoolFile,
    ::testing::Values(
        SpoolRow{"fresh_database_no_manifest", "", "", ""},
        SpoolRow{"manifest_wrong_format", "", "spool-manifest-wrong-format.manifest", "corrupt"},
        SpoolRow{"manifest_truncated", "", "spool-manifest-truncated.manifest", "corrupt"},
        SpoolRow{"database_truncated_to_two_pages", "spool-truncated.db", "", "corrupt"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord
