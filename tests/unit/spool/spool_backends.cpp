#include "spool_backends.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "accord/spool/pg_spool.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "spool_test_support.hpp"

namespace accord::spool::testing {
namespace {

class SqliteBackend final : public SpoolBackend {
 public:
  const char* name() const override { return "sqlite"; }

  std::unique_ptr<Spool> open(const BackendOptions& options) override {
    auto o = options_for(path());
    o.audit = options.audit;
    o.max_pending = options.max_pending;
    o.before_batch = options.before_batch;
    return open_or_die(o);
  }

  std::string inspect(const std::string& sql) override { return RawDb(path()).query(sql); }

  std::vector<AuditRow> audit_rows() override {
    sqlite3* db = nullptr;
    std::vector<AuditRow> out;
    if (sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "open " << path();
      sqlite3_close(db);
      return out;
    }
    sqlite3_stmt* rows = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT r.seq, r.record, r.chain, c.checkpoint FROM audit_records r "
                           "LEFT JOIN audit_checkpoints c ON c.seq = r.seq ORDER BY r.seq",
                           -1, &rows, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db);
    }
    while (rows != nullptr && sqlite3_step(rows) == SQLITE_ROW) {
      AuditRow row;
      row.seq = sqlite3_column_int64(rows, 0);
      row.record = reinterpret_cast<const char*>(sqlite3_column_text(rows, 1));
      if (sqlite3_column_bytes(rows, 2) == static_cast<int>(row.chain.size())) {
        std::memcpy(row.chain.data(), sqlite3_column_blob(rows, 2), row.chain.size());
      } else {
        ADD_FAILURE() << "chain of seq " << row.seq << " is not 32 bytes";
      }
      if (sqlite3_column_type(rows, 3) != SQLITE_NULL) {
        row.checkpoint = reinterpret_cast<const char*>(sqlite3_column_text(rows, 3));
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(rows);
    sqlite3_close(db);
    return out;
  }

  void refuse_payloads_over(Spool& spool, std::optional<std::size_t> bytes) override {
    // A full disk: the file may not grow past its current pages, so any big payload fails.
    const std::int64_t pages =
        bytes ? std::stoll(RawDb(path()).query("PRAGMA page_count")) : 1'000'000;
    auto s = set_max_page_count(spool, pages);
    EXPECT_TRUE(s.ok()) << s.error().message;
  }

  bool probe_sees_commits() const override { return true; }

 private:
  std::string path() const { return dir_.file("spool.db"); }
  TempDir dir_;
};

class PostgresqlBackend final : public SpoolBackend {
 public:
  explicit PostgresqlBackend(std::string uri) : uri_(std::move(uri)) {}
  ~PostgresqlBackend() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  const char* name() const override { return "postgresql"; }

  std::unique_ptr<Spool> open(const BackendOptions& options) override {
    PgSpoolOptions o;
    o.uri = uri_;
    o.audit = options.audit;
    o.max_pending = options.max_pending;
    o.before_batch = options.before_batch;
    auto r = open_pg_spool(o);
    if (!r.ok()) {
      ADD_FAILURE() << "open " << redact_conninfo(uri_) << ": " << r.error().code << " "
                    << r.error().message;
      return nullptr;
    }
    return std::move(r).value();
  }

  std::string inspect(const std::string& sql) override {
    std::string out;
    auto* res = run(sql);
    if (res == nullptr) return out;
    for (int row = 0; row < PQntuples(res); ++row) {
      if (row > 0) out += "\n";
      for (int col = 0; col < PQnfields(res); ++col) {
        if (col > 0) out += "|";
        out += PQgetisnull(res, row, col) ? "NULL" : PQgetvalue(res, row, col);
      }
    }
    PQclear(res);
    return out;
  }

  std::vector<AuditRow> audit_rows() override {
    std::vector<AuditRow> out;
    auto* res =
        run("SELECT r.seq, r.record, encode(r.chain, 'hex'), c.checkpoint FROM audit_records r "
            "LEFT JOIN audit_checkpoints c ON c.seq = r.seq ORDER BY r.seq");
    if (res == nullptr) return out;
    for (int i = 0; i < PQntuples(res); ++i) {
      AuditRow row;
      row.seq = std::stoll(PQgetvalue(res, i, 0));
      row.record = PQgetvalue(res, i, 1);
      auto chain = audit::digest_from_hex(PQgetvalue(res, i, 2));
      if (chain.ok()) {
        row.chain = chain.value();
      } else {
        ADD_FAILURE() << "chain of seq " << row.seq << ": " << chain.error().message;
      }
      if (!PQgetisnull(res, i, 3)) row.checkpoint = PQgetvalue(res, i, 3);
      out.push_back(std::move(row));
    }
    PQclear(res);
    return out;
  }

  void refuse_payloads_over(Spool&, std::optional<std::size_t> bytes) override {
    // NOT VALID: the rows already stored are not checked, only what is written from now on.
    PQclear(run(bytes ? "ALTER TABLE copies ADD CONSTRAINT accord_test_refuse CHECK (payload "
                        "IS NULL OR octet_length(payload) <= " +
                            std::to_string(*bytes) + ") NOT VALID"
                      : "ALTER TABLE copies DROP CONSTRAINT IF EXISTS accord_test_refuse"));
  }

  bool probe_sees_commits() const override { return false; }

 private:
  // The result of one statement (the caller PQclear()s it), or nullptr with a test failure.
  PGresult* run(const std::string& sql) {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      if (conn_ != nullptr) PQfinish(conn_);
      conn_ = PQconnectdb(uri_.c_str());
      if (PQstatus(conn_) != CONNECTION_OK) {
        ADD_FAILURE() << "connect " << redact_conninfo(uri_) << ": " << PQerrorMessage(conn_);
        return nullptr;
      }
    }
    PGresult* res = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
      PQclear(res);
      return nullptr;
    }
    return res;
  }

  std::string uri_;
  PGconn* conn_ = nullptr;
};

std::unique_ptr<SpoolBackend> make_postgresql() {
  auto cluster = accord::testing::shared_pg_cluster();
  if (!cluster.ok()) {
    ADD_FAILURE() << "PostgreSQL servers: " << cluster.error().code << " "
                  << cluster.error().message;
    return nullptr;
  }
  // A database per test: fresh ids, an empty audit chain, nothing left by another test.
  static std::atomic<int> counter{0};
  const std::string name =
      "spool_" + std::to_string(getpid()) + "_" + std::to_string(counter.fetch_add(1));
  auto uri = (*cluster)->create_database(name);
  if (!uri.ok()) {
    ADD_FAILURE() << "create database " << name << ": " << uri.error().message;
    return nullptr;
  }
  return std::make_unique<PostgresqlBackend>(std::move(uri).value());
}

}  // namespace

std::unique_ptr<SpoolBackend> SpoolBackend::make(const std::string& name) {
  if (name == "sqlite") return std::make_unique<SqliteBackend>();
  if (name == "postgresql") return make_postgresql();
  ADD_FAILURE() << "no spool backend " << name;
  return nullptr;
}

}  // namespace accord::spool::testing
