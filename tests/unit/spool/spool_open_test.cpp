// Opening a spool file: fresh, reopened, refused (newer schema, corrupt, unreachable), and
// the on-disk properties the design relies on (WAL, user_version, the lease index).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <string>

#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

// A raw connection for looking at (or tampering with) the file behind the spool's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "open " << path;
  }
  ~RawDb() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (err ? err : "?");
    }
    sqlite3_free(err);
  }
  // Every row's columns joined with '|', rows joined with '\n'.
  std::string query(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (!out.empty()) out += "\n";
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        if (i > 0) out += "|";
        const auto* t = sqlite3_column_text(st, i);
        out += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

struct OpenCase {
  std::string name;
  // Prepares the directory; returns the path to open.
  std::string (*prepare)(const TempDir& dir);
  std::string want_code;  // empty: opens
  friend void PrintTo(const OpenCase& c, std::ostream* os) { *os << c.name; }
};

std::string fresh(const TempDir& dir) {
  return dir.file("spool.db");
}

std::string existing(const TempDir& dir) {
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  if (spool) (void)append_sync(*spool, make_submission("m1", {"cps"}));
  return dir.file("spool.db");
}

std::string newer_schema(const TempDir& dir) {
  existing(dir);
  RawDb(dir.file("spool.db")).exec("PRAGMA user_version=99");
  return dir.file("spool.db");
}

std::string garbage_file(const TempDir& dir) {
  std::ofstream(dir.file("spool.db"), std::ios::binary) << std::string(8192, 'x');
  return dir.file("spool.db");
}

std::string damaged_pages(const TempDir& dir) {
  {
    auto spool = open_or_die(options_for(dir.file("spool.db")));
    for (int i = 0; spool && i < 200; ++i) {
      (void)append_sync(*spool, make_submission("m" + std::to_string(i), {"cps", "wcu"}));
    }
  }  // closing the last connection checkpoints the WAL into the main file
  // Keep the 100-byte header valid, scribble over the b-tree pages after the first.
  std::fstream f(dir.file("spool.db"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(4096 + 8);
  const std::string junk(3 * 4096, '\x5a');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  return dir.file("spool.db");
}

std::string missing_directory(const TempDir& dir) {
  return dir.file("no/such/dir/spool.db");
}

std::string a_directory(const TempDir& dir) {
  return dir.path();
}

class SpoolOpen : public ::testing::TestWithParam<OpenCase> {};

TEST_P(SpoolOpen, AnswersAsExpected) {
  TempDir dir;
  const std::string path = GetParam().prepare(dir);
  auto r = open_sqlite_spool(options_for(path));
  if (GetParam().want_code.empty()) {
    ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    EXPECT_TRUE(append_sync(**r, make_submission("fresh-one", {"cps"})).ok());
  } else {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, GetParam().want_code) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, SpoolOpen,
    ::testing::Values(OpenCase{"fresh_file", fresh, ""}, OpenCase{"existing_file", existing, ""},
                      OpenCase{"newer_schema", newer_schema, "schema_mismatch"},
                      OpenCase{"not_a_database", garbage_file, "corrupt"},
                      OpenCase{"damaged_pages", damaged_pages, "corrupt"},
                      OpenCase{"missing_directory", missing_directory, "storage_unavailable"},
                      OpenCase{"path_is_a_directory", a_directory, "storage_unavailable"}),
    [](const auto& info) { return info.param.name; });

TEST(SpoolOpen, NewerSchemaIsLeftUntouched) {
  TempDir dir;
  newer_schema(dir);
  ASSERT_FALSE(open_sqlite_spool(options_for(dir.file("spool.db"))).ok());
  EXPECT_EQ(RawDb(dir.file("spool.db")).query("PRAGMA user_version"), "99");
}

TEST(SpoolSchema, FileIsWalWithVersionAndAckedPayloadsAreDropped) {
  TempDir dir;
  {
    auto spool = open_or_die(options_for(dir.file("spool.db")));
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps", "wcu"})).ok());
    auto l = lease_sync(*spool, LeaseRequest{"cps", 10, 100, 1000});
    ASSERT_TRUE(l.ok());
    ASSERT_EQ(l->size(), 1u);
    ASSERT_TRUE(ack_sync(*spool, AckRequest{"cps", l->front().delivery_id, 1234}).ok());
  }
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(db.query("PRAGMA user_version"), "1");
  EXPECT_EQ(db.query("SELECT recipient, state, attempts, acked_at_ms, payload IS NULL "
                     "FROM copies ORDER BY id"),
            "cps|acked|1|1234|1\nwcu|queued|0|NULL|0");
  EXPECT_EQ(db.query("SELECT sender, message_id, content_hash, recipients FROM submissions"),
            "police|m1|h1|[\"cps\",\"wcu\"]");
}

TEST(SpoolSchema, LeaseQueryIsARangeScanOfTheUnackedIndex) {
  TempDir dir;
  { auto spool = open_or_die(options_for(dir.file("spool.db"))); }
  RawDb db(dir.file("spool.db"));
  // The same text as the spool's lease statement (gateway/spool/src/store.cpp).
  const std::string plan = db.query(
      "EXPLAIN QUERY PLAN "
      "SELECT id, sender, message_id, event_type, case_urn, received_at_ms, attempts, payload "
      "FROM copies WHERE recipient = ?1 AND state <> 'acked' AND lease_expires_at_ms <= ?2 "
      "ORDER BY id LIMIT ?3");
  EXPECT_NE(plan.find("USING INDEX copies_unacked (recipient=?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;  // no sort step
}

}  // namespace
}  // namespace accord::spool
