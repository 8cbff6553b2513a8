#include "sqlite_handle.hpp"

#include <utility>

namespace accord::spool::detail {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = std::string(what) + ": " + detail;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return make_error("corrupt", std::move(message));
  }
  return make_error("storage_unavailable", std::move(message));
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "prepare");
  Statement s;
  s.stmt_.reset(raw);
  return s;
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

void Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
}

// SQLITE_STATIC is sound: callers keep the bound bytes alive until the next reset().
void Statement::bind_text(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Statement::bind_text_or_null(int index, std::string_view value) {
  if (value.empty()) {
    sqlite3_bind_null(stmt_.get(), index);
  } else {
    bind_text(index, value);
  }
}

void Statement::bind_blob(int index, std::string_view value) {
  // A zero-length blob still binds as a BLOB (not NULL): NULL payload means "acked".
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_.get(), index, value.empty() ? &kEmpty : value.data(), value.size(),
                      SQLITE_STATIC);
}

int Statement::step() {
  return sqlite3_step(stmt_.get());
}

std::int64_t Statement::column_int64(int index) {
  return sqlite3_column_int64(stmt_.get(), index);
}

std::string Statement::column_text(int index) {
  const auto* p = sqlite3_column_text(stmt_.get(), index);
  const int n = sqlite3_column_bytes(stmt_.get(), index);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::string Statement::column_blob(int index) {
  const void* p = sqlite3_column_blob(stmt_.get(), index);
  const int n = sqlite3_column_bytes(stmt_.get(), index);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

Result<Connection> Connection::open(const std::string& path, const std::string& vfs) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs.empty() ? nullptr : vfs.c_str());
  Connection c;
  c.db_.reset(raw);  // closed even when the open failed
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(raw, rc, "open " + path);
    e.code = "storage_unavailable";
    return e;
  }
  sqlite3_extended_result_codes(raw, 1);
  return c;
}

Result<Connection> Connection::open_read_only(const std::string& uri) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(uri.c_str(), &raw, flags, nullptr);
  Connection c;
  c.db_.reset(raw);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(raw, rc, "open " + uri);
    e.code = "storage_unavailable";
    return e;
  }
  sqlite3_extended_result_codes(raw, 1);
  return c;
}

Status Connection::exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_.get(), rc, text);
  return Status::Ok();
}

Result<std::string> Connection::query_text(std::string_view sql) {
  auto stmt = Statement::prepare(db_.get(), sql);
  if (!stmt.ok()) return stmt.error();
  const int rc = stmt->step();
  if (rc == SQLITE_ROW) return stmt->column_text(0);
  if (rc == SQLITE_DONE) return std::string();
  return sqlite_error(db_.get(), rc, sql);
}

Result<std::int64_t> Connection::query_int64(std::string_view sql) {
  auto stmt = Statement::prepare(db_.get(), sql);
  if (!stmt.ok()) return stmt.error();
  const int rc = stmt->step();
  if (rc == SQLITE_ROW) return stmt->column_int64(0);
  if (rc == SQLITE_DONE) return std::int64_t{0};
  return sqlite_error(db_.get(), rc, sql);
}

}  // namespace accord::spool::detail
