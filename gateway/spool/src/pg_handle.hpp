// Thin RAII owners for a libpq connection and its results, and the mapping of PostgreSQL
// failures to accord::Error. They add no locking: one connection is used by one thread at a
// time (the PostgreSQL spool's writer, one audit reader, the migrate tool).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::spool::detail {

// One query result. ok() is PGRES_COMMAND_OK / PGRES_TUPLES_OK.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* raw) : result_(raw) {}
  PGresult* get() const { return result_.get(); }
  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const;    // NULL reads as ""
  std::int64_t int64(int row, int column) const;  // NULL reads as 0
  // A bytea column in binary result format (exec_params(..., binary_result = true)), or a
  // text-format bytea decoded from its hex form.
  std::string bytes(int row, int column) const;
  std::string sqlstate() const;  // "" when none

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// A parameter: text (the default), binary bytes (bytea), or NULL.
struct PgParam {
  std::string_view value;
  bool binary = false;
  bool null = false;
  static PgParam text(std::string_view v) { return {v, false, false}; }
  static PgParam bytes(std::string_view v) { return {v, true, false}; }
  static PgParam null_value() { return {{}, false, true}; }
  static PgParam text_or_null(std::string_view v) { return v.empty() ? null_value() : text(v); }
};

class PgConnection {
 public:
  PgConnection() = default;
  // Connects (blocking, bounded by connect_timeout in the conninfo or `connect_timeout_s`).
  // Errors: storage_unavailable with libpq's message (the password, if any, is not in it).
  static Result<PgConnection> open(const std::string& conninfo, int connect_timeout_s = 5);

  PGconn* get() const { return conn_.get(); }
  bool healthy() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

  // Runs one or more statements without parameters (schema, BEGIN/COMMIT).
  Status exec(std::string_view sql, std::string_view what = {});
  // One statement with $1.. parameters; text results unless binary_result.
  Result<PgResult> exec_params(std::string_view sql, const std::vector<PgParam>& params,
                               std::string_view what = {}, bool binary_result = false);
  // A one-value query (first row, first column) as int64; nullopt for no row or NULL.
  Result<std::optional<std::int64_t>> query_int64(std::string_view sql,
                                                  const std::vector<PgParam>& params = {});

 private:
  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Finish> conn_;
};

// storage_unavailable for connection loss, a read-only server, serialization and lock
// failures, disk full; corrupt for data_corrupted / index_corrupted (XX001, XX002);
// schema_mismatch for undefined tables/columns (42P01, 42703). `what` prefixes the message.
Error pg_error(PGconn* conn, const PGresult* result, std::string_view what);

}  // namespace accord::spool::detail
