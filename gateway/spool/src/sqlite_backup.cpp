#include "accord/spool/sqlite_backup.hpp"

#include <filesystem>
#include <utility>

#include "sqlite_handle.hpp"

namespace accord::spool {
namespace {

using detail::Connection;

// The live pages, copied in one step: one read transaction, so one snapshot.
Status copy_pages(Connection& source, Connection& target) {
  sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
  if (backup == nullptr) {
    return detail::sqlite_error(target.get(), sqlite3_errcode(target.get()), "backup");
  }
  const int step = sqlite3_backup_step(backup, -1);
  const int finish = sqlite3_backup_finish(backup);
  // By result code: a failed step leaves no message on either connection ("not an error").
  if (step != SQLITE_DONE) return detail::sqlite_error(nullptr, step, "backup");
  if (finish != SQLITE_OK) return detail::sqlite_error(nullptr, finish, "backup");
  return Status::Ok();
}

Result<SqliteBackupSummary> copy_into(const std::string& from, const std::string& to) {
  std::error_code ec;
  // A running gateway always has a -wal; without one nobody writes and immutable=1 reads the
  // file alone, creating no -shm (the same rule as check_sqlite_spool).
  const bool has_wal = std::filesystem::exists(from + "-wal", ec);
  auto source =
      Connection::open_read_only("file:" + from + (has_wal ? "?mode=ro" : "?immutable=1"));
  if (!source.ok()) return source.error();
  sqlite3_busy_timeout(source->get(), 10'000);
  auto target = Connection::open(to);
  if (!target.ok()) return target.error();
  sqlite3_busy_timeout(target->get(), 10'000);
  if (auto copied = copy_pages(*source, *target); !copied.ok()) return copied.error();

  if (auto journal = target->query_text("PRAGMA journal_mode=DELETE"); !journal.ok()) {
    return journal.error();
  }
  auto verdict = target->query_text("PRAGMA quick_check(1)");
  if (!verdict.ok()) return verdict.error();
  if (*verdict != "ok")
    return make_error("corrupt", "the copy fails its integrity check: " + *verdict, to);
  SqliteBackupSummary summary;
  auto pages = target->query_int64("PRAGMA page_count");
  auto page_size = target->query_int64("PRAGMA page_size");
  auto version = target->query_int64("PRAGMA user_version");
  if (!pages.ok()) return pages.error();
  if (!page_size.ok()) return page_size.error();
  if (!version.ok()) return version.error();
  summary.pages = *pages;
  summary.bytes = *pages * *page_size;
  summary.schema_version = *version;
  return summary;
}

}  // namespace

Result<SqliteBackupSummary> backup_sqlite_spool(env::Env& env, const std::string& from,
                                                const std::string& to) {
  if (!env.file_exists(from)) {
    return make_error("not_found", "the spool database " + from + " does not exist", from);
  }
  // Made first, exclusively, with its final mode: the copy never exists readable by others,
  // and an existing file (an older backup) is never overwritten.
  if (auto made = env.write_new_file(to, "", 0600); !made.ok()) {
    Error e = made.error();
    if (e.code == "file_exists") {
      return make_error("target_exists", to + " already exists; a backup never overwrites", to);
    }
    e.code = "storage_unavailable";
    return e;
  }
  auto summary = copy_into(from, to);
  if (!summary.ok()) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      (void)env.remove_file(to + suffix);
    }
    return summary;
  }
  const auto parent = std::filesystem::path(to).parent_path().string();
  if (auto synced = env.sync_directory(parent.empty() ? "." : parent); !synced.ok()) {
    Error e = synced.error();
    e.code = "storage_unavailable";
    return e;
  }
  return summary;
}

}  // namespace accord::spool
