// Thin RAII owners for a SQLite connection and its prepared statements. They only free
// resources and turn result codes into accord::Error; they add no locking (the spool's
// single writer thread is the only user of a connection).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::spool::detail {

// storage_unavailable for I/O, full disk, locking; corrupt for a damaged or foreign file.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

class Statement {
 public:
  Statement() = default;
  // Prepared with SQLITE_PREPARE_PERSISTENT: statements live as long as the connection.
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  // Every use starts with reset(): clears the previous run's bindings and state.
  void reset();
  void bind(int index, std::int64_t value);
  void bind_text(int index, std::string_view value);
  void bind_blob(int index, std::string_view value);
  void bind_text_or_null(int index, std::string_view value);  // empty binds NULL

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  std::int64_t column_int64(int index);
  std::string column_text(int index);
  std::string column_blob(int index);
  bool column_is_null(int index) { return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL; }
  sqlite3* db() const { return sqlite3_db_handle(stmt_.get()); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// Resets a statement when leaving a scope, so no statement keeps a read cursor open
// across a COMMIT.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) : s_(s) { s_.reset(); }
  ~ResetOnExit() { s_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& s_;
};

class Connection {
 public:
  // Opens read-write, creating the file if needed, through the SQLite VFS `vfs` (empty: the
  // default). Not shared between threads at once.
  static Result<Connection> open(const std::string& path, const std::string& vfs = {});
  // Opens read-only and never creates anything: a URI ("file:...?mode=ro" or "?immutable=1").
  static Result<Connection> open_read_only(const std::string& uri);

  sqlite3* get() const { return db_.get(); }
  Status exec(std::string_view sql);
  // Runs a statement that yields one value in its first column (PRAGMA, count(*)).
  Result<std::string> query_text(std::string_view sql);
  Result<std::int64_t> query_int64(std::string_view sql);

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Close> db_;
};

}  // namespace accord::spool::detail
