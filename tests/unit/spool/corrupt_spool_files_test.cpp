// Golden corrupt spool files (tests/data/corrupt, its README says how they were made): a
// manifest of the wrong format or cut in half, a database cut to its first two pages. Both
// the read-only check (accord-gateway --check) and the real open refuse each with the code
// docs/storage.md promises, never a crash. A fresh real database with no manifest opens,
// so a refusal is the damage's doing.
#include <gtest/gtest.h>

#include <string>

#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/golden.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::spool {
namespace {

struct Row {
  std::string name;
  std::string database;  // under tests/data/corrupt, copied as spool.db; empty: a fresh one
  std::string manifest;  // under tests/data/corrupt, copied as spool.db.manifest; empty: none
  std::string code;      // empty: opens
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class CorruptSpoolFile : public ::testing::TestWithParam<Row> {};

TEST_P(CorruptSpoolFile, IsRefusedWithItsCode) {
  const auto& row = GetParam();
  testing::TempDir dir("accord-corrupt-spool-");
  SqliteSpoolOptions options;
  options.path = dir.file("spool.db");
  options.audit.enabled = false;
  if (row.database.empty()) {
    auto fresh = options;
    fresh.manifest = false;
    ASSERT_TRUE(open_sqlite_spool(fresh).ok());  // created, then closed
  } else {
    testing::private_copy("corrupt/" + row.database, dir, "spool.db");
  }
  if (!row.manifest.empty()) {
    testing::private_copy("corrupt/" + row.manifest, dir, "spool.db.manifest");
  }
  const auto checked = check_sqlite_spool(options);
  EXPECT_EQ(checked.ok() ? "" : checked.error().code, row.code) << "check";
  const auto opened = open_sqlite_spool(options);
  EXPECT_EQ(opened.ok() ? "" : opened.error().code, row.code) << "open";
}

INSTANTIATE_TEST_SUITE_P(
    Golden, CorruptSpoolFile,
    ::testing::Values(Row{"fresh_database_no_manifest", "", "", ""},
                      Row{"manifest_wrong_format", "", "spool-manifest-wrong-format.manifest",
                          "corrupt"},
                      Row{"manifest_truncated", "", "spool-manifest-truncated.manifest", "corrupt"},
                      Row{"database_truncated_to_two_pages", "spool-truncated.db", "", "corrupt"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::spool
