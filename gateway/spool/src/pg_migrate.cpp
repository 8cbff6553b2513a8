#include "accord/spool/pg_migrate.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "accord/spool/pg_spool.hpp"
#include "manifest.hpp"
#include "pg_handle.hpp"
#include "pg_schema.hpp"
#include "schema.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool {
namespace {

using detail::Connection;
using detail::PgConnection;
using detail::PgParam;
using detail::Statement;

// One table to copy: its columns in both schemas (the same names), which hold bytes.
struct TableSpec {
  const char* name;
  std::vector<const char*> columns;
  std::vector<const char*> bytea;  // BLOB in SQLite, BYTEA in PostgreSQL
  const char* order;               // the source's key order: ids and seqs arrive ascending
};

const TableSpec kTables[] = {
    {"submissions",
     {"sender", "message_id", "content_hash", "received_at_ms", "recipients", "event_type",
      "case_urn", "withheld", "status_callback"},
     {},
     "sender, message_id"},
    {"copies",
     {"id",          "recipient",           "sender",
      "message_id",  "event_type",          "case_urn",
      "subject_ref", "received_at_ms",      "state",
      "attempts",    "lease_expires_at_ms", "acked_at_ms",
      "dead_at_ms",  "dead_code",           "dead_detail",
      "payload",     "acknowledged_at_ms",  "delivered_by_channel",
      "channel_ref", "copy_hash",           "receipt_required",
      "receipt_kid", "receipt_sig",         "receipt_at_ms"},
     {"payload"},
     "id"},
    {"audit_records",
     {"seq", "at_ms", "kind", "sender", "recipient", "agreement", "case_urn", "subject_ref",
      "message_id", "record", "chain"},
     {"chain"},
     "seq"},
    {"audit_checkpoints", {"seq", "at_ms", "checkpoint"}, {}, "seq"},
    {"subject_state",
     {"subject_ref", "agency", "name", "value", "at_ms", "sender", "message_id"},
     {},
     "subject_ref, agency, name"},
    {"status_notices",
     {"notice_id", "sender", "message_id", "outcome", "recipient", "delivery_id", "at_ms"},
     {},
     "notice_id"},
};

// PostgreSQL takes at most 65535 parameters in one statement.
constexpr std::size_t kMaxParams = 65535;

Error source_error(Error e) {
  e.path = "from";
  return e;
}
Error target_error(Error e) {
  e.path = "to";
  return e;
}

// A shared flock on "<spool>.lock" if the file exists: a running gateway holds it exclusively
// (docs/storage.md "Manifest and lock"), and one cannot start while we hold it.
class SharedSpoolLock {
 public:
  SharedSpoolLock() = default;
  SharedSpoolLock(const SharedSpoolLock&) = delete;
  SharedSpoolLock& operator=(const SharedSpoolLock&) = delete;
  ~SharedSpoolLock() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status acquire(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      // No lock file: no gateway has ever run on this spool (or it was copied without it).
      if (errno == ENOENT) return Status::Ok();
      return make_error("storage_unavailable",
                        "cannot open the spool lock " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd_, LOCK_SH | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return make_error("spool_locked", "the spool is in use by a gateway (" + path +
                                              " is locked): stop the gateway before migrating");
      }
      return make_error("storage_unavailable", "cannot lock " + path + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }

 private:
  int fd_ = -1;
};

Result<std::int64_t> count_rows(Connection& db, const char* table) {
  return db.query_int64(std::string("SELECT count(*) FROM ") + table);
}

Result<SpoolCounts> count_sqlite(Connection& db) {
  SpoolCounts c;
  for (auto [table, out] :
       {std::pair{"submissions", &c.submissions}, std::pair{"copies", &c.copies},
        std::pair{"audit_records", &c.audit_records},
        std::pair{"audit_checkpoints", &c.audit_checkpoints},
        std::pair{"subject_state", &c.subject_state}}) {
    auto n = count_rows(db, table);
    if (!n.ok()) return n.error();
    *out = *n;
  }
  auto last = db.query_int64("SELECT coalesce(max(seq), 0) FROM audit_records");
  if (!last.ok()) return last.error();
  auto sealed = db.query_int64("SELECT coalesce(max(seq), 0) FROM audit_checkpoints");
  if (!sealed.ok()) return sealed.error();
  c.last_audit_seq = *last;
  c.sealed_seq = *sealed;
  c.head_seq = *last;
  c.head_sealed_seq = *sealed;
  return c;
}

Result<SpoolCounts> count_pg(PgConnection& db) {
  auto r = db.exec_params(
      "SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM copies), "
      "(SELECT count(*) FROM audit_records), (SELECT count(*) FROM audit_checkpoints), "
      "(SELECT coalesce(max(seq), 0) FROM audit_records), "
      "(SELECT coalesce(max(seq), 0) FROM audit_checkpoints), "
      "h.seq, h.sealed_seq, h.chain = coalesce((SELECT chain FROM audit_records ORDER BY seq DESC "
      "LIMIT 1), decode(repeat('00', 32), 'hex')), (SELECT count(*) FROM subject_state) "
      "FROM audit_head h",
      {}, "count rows");
  if (!r.ok()) return r.error();
  if (r->rows() != 1) return make_error("corrupt", "audit_head does not hold exactly one row");
  return SpoolCounts{r->int64(0, 0),       r->int64(0, 1), r->int64(0, 2), r->int64(0, 3),
                     r->int64(0, 4),       r->int64(0, 5), r->int64(0, 6), r->int64(0, 7),
                     r->text(0, 8) == "t", r->int64(0, 9)};
}

Result<Connection> open_source(const std::string& path) {
  auto db = Connection::open_read_only(path);
  if (!db.ok()) return db.error();
  sqlite3_busy_timeout(db->get(), 5'000);
  auto version = db->query_int64("PRAGMA user_version");
  if (!version.ok()) return version.error();
  if (*version != detail::kSchemaVersion) {
    return make_error("schema_mismatch",
                      path + " has spool schema " + std::to_string(*version) +
                          (*version == 0 ? " (not an Accord spool?)"
                           : *version < detail::kSchemaVersion
                               ? ": start this version's gateway on it once (it upgrades the "
                                 "schema), stop it, then migrate"
                               : ", newer than this build's") +
                          "; this build migrates schema " + std::to_string(detail::kSchemaVersion));
  }
  return std::move(db).value();
}

// Copies one table in INSERTs of up to `batch` rows.
Status copy_table(Connection& source, PgConnection& target, const TableSpec& table,
                  std::int64_t total, const MigrateOptions& options) {
  const std::size_t width = table.columns.size();
  const std::size_t rows_per_insert = std::clamp<std::size_t>(options.batch, 1, kMaxParams / width);
  std::string column_list;
  for (std::size_t i = 0; i < width; ++i)
    column_list += (i ? ", " : "") + std::string(table.columns[i]);
  auto select = Statement::prepare(
      source.get(), "SELECT " + column_list + " FROM " + table.name + " ORDER BY " + table.order);
  if (!select.ok()) return source_error(select.error());
  std::vector<bool> is_bytes(width);
  for (std::size_t i = 0; i < width; ++i) {
    is_bytes[i] = std::any_of(table.bytea.begin(), table.bytea.end(),
                              [&](const char* b) { return std::strcmp(b, table.columns[i]) == 0; });
  }

  // One batch's values (nullopt: NULL), flushed as one multi-row INSERT.
  std::vector<std::optional<std::string>> values;
  std::int64_t done = 0;
  auto flush = [&]() -> Status {
    if (values.empty()) return Status::Ok();
    const std::size_t rows = values.size() / width;
    std::string sql = std::string("INSERT INTO ") + table.name + "(" + column_list + ") VALUES ";
    std::vector<PgParam> params;
    params.reserve(values.size());
    for (std::size_t r = 0; r < rows; ++r) {
      sql += r ? ",(" : "(";
      for (std::size_t c = 0; c < width; ++c) {
        sql += (c ? ",$" : "$") + std::to_string(r * width + c + 1);
        const auto& v = values[r * width + c];
        params.push_back(!v            ? PgParam::null_value()
                         : is_bytes[c] ? PgParam::bytes(*v)
                                       : PgParam::text(*v));
      }
      sql += ")";
    }
    auto inserted = target.exec_params(sql, params, std::string("insert into ") + table.name);
    if (!inserted.ok()) return target_error(inserted.error());
    done += static_cast<std::int64_t>(rows);
    values.clear();
    if (options.progress) options.progress(table.name, done, total);
    return Status::Ok();
  };

  int rc;
  while ((rc = select->step()) == SQLITE_ROW) {
    for (std::size_t c = 0; c < width; ++c) {
      const int column = static_cast<int>(c);
      if (select->column_is_null(column)) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(is_bytes[c] ? select->column_blob(column)
                                        : select->column_text(column));
      }
    }
    if (values.size() / width == rows_per_insert) {
      if (auto s = flush(); !s.ok()) return s;
    }
  }
  if (rc != SQLITE_DONE) {
    return source_error(detail::sqlite_error(source.get(), rc, std::string("read ") + table.name));
  }
  if (auto s = flush(); !s.ok()) return s;
  if (done != total) {
    return source_error(make_error("corrupt", std::string(table.name) + ": read " +
                                                  std::to_string(done) + " rows, counted " +
                                                  std::to_string(total)));
  }
  return Status::Ok();
}

// Inside the target transaction: the tables locked against gateways, then checked empty.
Status lock_empty_target(PgConnection& db) {
  if (auto s = db.exec("SET LOCAL lock_timeout = '10s'", "set lock timeout"); !s.ok()) return s;
  if (auto s =
          db.exec("LOCK TABLE submissions, copies, audit_records, audit_checkpoints, audit_head, "
                  "subject_state, status_notices, accord_meta IN EXCLUSIVE MODE",
                  "lock the target tables");
      !s.ok()) {
    return s;
  }
  auto r = db.exec_params(
      "SELECT EXISTS(SELECT 1 FROM submissions), EXISTS(SELECT 1 FROM copies), "
      "EXISTS(SELECT 1 FROM audit_records), EXISTS(SELECT 1 FROM audit_checkpoints), "
      "(SELECT seq <> 0 OR sealed_seq <> 0 FROM audit_head), EXISTS(SELECT 1 FROM subject_state)",
      {}, "check the target is empty");
  if (!r.ok()) return r.error();
  const char* names[] = {"submissions",       "copies",     "audit_records",
                         "audit_checkpoints", "audit_head", "subject_state"};
  std::string found;
  for (int i = 0; i < 6; ++i) {
    if (r->text(0, i) == "t") found += (found.empty() ? "" : ", ") + std::string(names[i]);
  }
  if (!found.empty()) {
    return make_error("target_not_empty",
                      "the target database already holds a spool (" + found +
                          " not empty): migrate only into a new, empty database");
  }
  return Status::Ok();
}

Status check_gateway_kid(PgConnection& db, const std::string& kid) {
  if (kid.empty()) return Status::Ok();
  auto r = db.exec_params("SELECT value FROM accord_meta WHERE key = $1",
                          {PgParam::text(detail::kMetaGatewayKid)}, "read gateway key id");
  if (!r.ok()) return r.error();
  if (r->rows() > 0) {
    if (r->text(0, 0) != kid) {
      return make_error("key_mismatch", "the target is bound to gateway key " + r->text(0, 0) +
                                            ", the migrated log is signed with " + kid);
    }
    return Status::Ok();
  }
  auto set = db.exec_params("INSERT INTO accord_meta(key, value) VALUES($1, $2)",
                            {PgParam::text(detail::kMetaGatewayKid), PgParam::text(kid)},
                            "record gateway key id");
  if (!set.ok()) return set.error();
  return Status::Ok();
}

// The copies' identity continues after the highest delivery id ever handed out: sqlite_sequence
// keeps it even when the newest copies were purged (ids are never reused).
Result<std::int64_t> last_delivery_id(Connection& source) {
  auto r = source.query_int64(
      "SELECT max(coalesce((SELECT max(id) FROM copies), 0), "
      "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'copies'), 0))");
  if (!r.ok()) return source_error(r.error());
  return *r;
}

// audit_head: the last record's seq and chain, the last checkpoint's seq and time.
Status set_audit_head(Connection& source, PgConnection& target) {
  auto last = Statement::prepare(source.get(),
                                 "SELECT seq, chain FROM audit_records ORDER BY seq DESC LIMIT 1");
  if (!last.ok()) return source_error(last.error());
  std::string seq = "0", chain(32, '\0');
  if (last->step() == SQLITE_ROW) {
    seq = std::to_string(last->column_int64(0));
    chain = last->column_blob(1);
  }
  auto sealed = Statement::prepare(
      source.get(), "SELECT seq, at_ms FROM audit_checkpoints ORDER BY seq DESC LIMIT 1");
  if (!sealed.ok()) return source_error(sealed.error());
  std::string sealed_seq = "0", sealed_at = "0";
  if (sealed->step() == SQLITE_ROW) {
    sealed_seq = std::to_string(sealed->column_int64(0));
    sealed_at = std::to_string(sealed->column_int64(1));
  }
  auto r = target.exec_params(
      "UPDATE audit_head SET seq = $1, chain = $2, sealed_seq = $3, sealed_at_ms = $4",
      {PgParam::text(seq), PgParam::bytes(chain), PgParam::text(sealed_seq),
       PgParam::text(sealed_at)},
      "set audit_head");
  if (!r.ok()) return target_error(r.error());
  return Status::Ok();
}

// Ends a SQLite read transaction on scope exit.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& db) : db_(db) {}
  ~ReadTransaction() {
    if (open_) (void)db_.exec("COMMIT");
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  Status begin() {
    auto s = db_.exec("BEGIN");
    open_ = s.ok();
    return s;
  }

 private:
  Connection& db_;
  bool open_ = false;
};

Result<MigrateReport> migrate(Connection& source, PgConnection& target,
                              const MigrateOptions& options) {
  MigrateReport report;
  auto counts = count_sqlite(source);
  if (!counts.ok()) return source_error(counts.error());
  report.source = *counts;
  auto last_id = last_delivery_id(source);
  if (!last_id.ok()) return last_id.error();
  report.next_delivery_id = *last_id + 1;

  if (auto s = detail::ensure_pg_schema(target); !s.ok()) return target_error(s.error());
  if (auto s = target.exec("BEGIN", "begin migration"); !s.ok()) return target_error(s.error());
  auto fail = [&](Error e) -> Result<MigrateReport> {
    (void)target.exec("ROLLBACK", "roll back migration");
    return e;
  };
  if (auto s = lock_empty_target(target); !s.ok()) return fail(target_error(s.error()));
  if (auto s = check_gateway_kid(target, options.gateway_kid); !s.ok()) {
    return fail(target_error(s.error()));
  }
  auto notices = count_rows(source, "status_notices");
  if (!notices.ok()) return fail(source_error(notices.error()));
  const std::int64_t totals[] = {report.source.submissions,   report.source.copies,
                                 report.source.audit_records, report.source.audit_checkpoints,
                                 report.source.subject_state, *notices};
  static_assert(std::size(totals) == std::size(kTables));
  for (std::size_t i = 0; i < std::size(kTables); ++i) {
    if (auto s = copy_table(source, target, kTables[i], totals[i], options); !s.ok()) {
      return fail(s.error());
    }
  }
  if (*last_id > 0) {
    const std::string value = std::to_string(*last_id);
    auto r = target.exec_params("SELECT setval(pg_get_serial_sequence('copies', 'id'), $1)",
                                {PgParam::text(value)}, "move the delivery id sequence");
    if (!r.ok()) return fail(target_error(r.error()));
  }
  // The notice ids continue after the highest one ever handed out (AUTOINCREMENT's counter).
  auto last_notice = source.query_int64(
      "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'status_notices'), 0)");
  if (!last_notice.ok()) return fail(source_error(last_notice.error()));
  if (*last_notice > 0) {
    const std::string value = std::to_string(*last_notice);
    auto r = target.exec_params(
        "SELECT setval(pg_get_serial_sequence('status_notices', 'notice_id'), $1)",
        {PgParam::text(value)}, "move the status notice sequence");
    if (!r.ok()) return fail(target_error(r.error()));
  }
  if (auto s = set_audit_head(source, target); !s.ok()) return fail(s.error());
  if (auto s = target.exec("COMMIT", "commit migration"); !s.ok()) {
    return target_error(s.error());
  }
  return report;
}

}  // namespace

Result<MigrateReport> migrate_sqlite_to_pg(const MigrateOptions& options) {
  SharedSpoolLock lock;
  if (auto s = lock.acquire(detail::lock_path(options.from)); !s.ok()) {
    return source_error(s.error());
  }
  auto source = open_source(options.from);
  if (!source.ok()) return source_error(source.error());
  ReadTransaction snapshot(*source);
  if (auto s = snapshot.begin(); !s.ok()) return source_error(s.error());
  auto target = PgConnection::open(options.to);
  if (!target.ok()) return target_error(target.error());
  // ensure_pg_schema's IF NOT EXISTS notices are not news for the person migrating.
  if (auto s = target->exec("SET client_min_messages = warning", "quiet notices"); !s.ok()) {
    return target_error(s.error());
  }
  return migrate(*source, *target, options);
}

Result<SpoolCounts> count_spool_rows(const std::string& location) {
  if (is_postgresql_uri(location)) {
    auto db = PgConnection::open(location);
    if (!db.ok()) return db.error();
    return count_pg(*db);
  }
  auto db = Connection::open_read_only(location);
  if (!db.ok()) return db.error();
  sqlite3_busy_timeout(db->get(), 5'000);
  ReadTransaction snapshot(*db);
  if (auto s = snapshot.begin(); !s.ok()) return s.error();
  return count_sqlite(*db);
}

}  // namespace accord::spool
