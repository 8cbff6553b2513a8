// The fault VFS on a real SQLite database: a commit that was fsync'd survives the cut,
// writes that never were (synchronous=OFF, or after the cut) are undone, and nothing can be
// acknowledged once the power is gone.
#include "accord/testing/fault_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <string>

#include "accord/testing/temp_dir.hpp"

namespace accord::testing {
namespace {

class Db {
 public:
  Db(const std::string& path, const char* vfs) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
  }
  ~Db() { sqlite3_close(db_); }
  int exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  long long count() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) FROM t", -1, &st, nullptr);
    const long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  }
  std::string quick_check() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &st, nullptr);
    std::string out = sqlite3_step(st) == SQLITE_ROW
                          ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0))
                          : "?";
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Ten rows committed with synchronous=`sync_mode`, ten more, then the cut: what comes back.
long long rows_after_cut(const std::string& sync_mode, bool cut_mid_commit) {
  TempDir dir("accord-faultvfs-");
  const std::string path = dir.file("t.db");
  FaultVfs& vfs = FaultVfs::get();
  vfs.reset();
  {
    Db db(path, FaultVfs::kName);
    EXPECT_EQ(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      "CREATE TABLE t(x BLOB)"),
              SQLITE_OK);
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(db.exec("INSERT INTO t VALUES(randomblob(3000))"), SQLITE_OK);
    }
    EXPECT_EQ(db.exec("PRAGMA synchronous=" + sync_mode), SQLITE_OK);
    if (cut_mid_commit) vfs.cut_power_at_write(1);  // the next commit's first frame
    for (int i = 0; i < 10; ++i) {
      const int rc = db.exec("INSERT INTO t VALUES(randomblob(3000))");
      // After the cut nothing commits: no acknowledgement can be given.
      if (vfs.power_is_cut()) {
        EXPECT_NE(rc, SQLITE_OK);
      }
    }
    vfs.cut_power();
    EXPECT_NE(db.exec("INSERT INTO t VALUES(1)"), SQLITE_OK);
  }
  auto reverted = vfs.revert_unsynced();
  EXPECT_TRUE(reverted.ok());
  EXPECT_NE(::access((path + "-shm").c_str(), F_OK), 0);  // shared memory is gone
  Db db(path, nullptr);
  EXPECT_EQ(db.quick_check(), "ok");
  return db.count();
}

TEST(FaultVfs, KeepsWhatWasSyncedAndDropsTheRest) {
  struct Case {
    const char* sync_mode;
    bool cut_mid_commit;
    long long rows;
  };
  const Case cases[] = {
      {"FULL", false, 20},  // every commit fsync'd its WAL: all survive
      {"FULL", true, 10},   // the cut struck the first of the second ten
      {"OFF", false, 10},   // never fsync'd: the WAL goes back to the tenth commit
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.sync_mode) + (c.cut_mid_commit ? ", cut mid-commit" : ""));
    EXPECT_EQ(rows_after_cut(c.sync_mode, c.cut_mid_commit), c.rows);
  }
}

TEST(FaultVfs, ACutAtASyncFailsThatSyncAndRunsTheHook) {
  TempDir dir("accord-faultvfs-");
  FaultVfs& vfs = FaultVfs::get();
  vfs.reset();
  int hooked = 0;
  vfs.on_power_cut([&] { ++hooked; });
  {
    Db db(dir.file("t.db"), FaultVfs::kName);
    ASSERT_EQ(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(x)"),
              SQLITE_OK);
    const auto before = vfs.syncs();
    vfs.cut_power_at_sync(1);
    EXPECT_NE(db.exec("INSERT INTO t VALUES(1)"), SQLITE_OK);
    EXPECT_EQ(vfs.syncs(), before + 1);
  }
  EXPECT_EQ(hooked, 1);
  ASSERT_TRUE(vfs.revert_unsynced().ok());
  EXPECT_FALSE(vfs.power_is_cut());
  Db db(dir.file("t.db"), nullptr);
  EXPECT_EQ(db.count(), 0);
  vfs.reset();
}

}  // namespace
}  // namespace accord::testing
