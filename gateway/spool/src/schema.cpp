#include "schema.hpp"

#include <string>

namespace accord::spool::detail {
namespace {

// AUTOINCREMENT: a delivery id is what a recipient acks, so it must never be reused, even
// if copies are purged later and the newest row goes.
// copies_pending covers case_urn and state so push delivery's per-case lease walks the index
// alone (SQLite 3.40 reads the row for a column the partial index's WHERE names unless the
// index holds it); there is no index by case: it cost a random leaf page per copy in every
// commit (docs/benchmarks.md).
// audit_records has no index by case or subject: each would cost a random leaf page per
// record in every commit (a third of the bytes written per message, docs/benchmarks.md), and
// those queries are rare; they scan in seq order, which paging needs anyway.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS submissions(
  sender          TEXT    NOT NULL,
  message_id      TEXT    NOT NULL,
  content_hash    TEXT    NOT NULL,
  received_at_ms  INTEGER NOT NULL,
  recipients      TEXT    NOT NULL,
  event_type      TEXT    NOT NULL DEFAULT '',
  case_urn        TEXT    NOT NULL DEFAULT '',
  withheld        TEXT    NOT NULL DEFAULT '[]',
  status_callback INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(sender, message_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS copies(
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient           TEXT    NOT NULL,
  sender              TEXT    NOT NULL,
  message_id          TEXT    NOT NULL,
  event_type          TEXT    NOT NULL,
  case_urn            TEXT    NOT NULL,
  subject_ref         TEXT    NOT NULL DEFAULT '',
  received_at_ms      INTEGER NOT NULL,
  state               TEXT    NOT NULL
                      CHECK(state IN ('queued', 'leased', 'acked', 'dead', 'purged')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  lease_expires_at_ms INTEGER NOT NULL DEFAULT 0,
  acked_at_ms         INTEGER,
  dead_at_ms          INTEGER,
  dead_code           TEXT,
  dead_detail         TEXT,
  payload             BLOB,
  acknowledged_at_ms   INTEGER,
  delivered_by_channel INTEGER NOT NULL DEFAULT 0,
  channel_ref          TEXT    NOT NULL DEFAULT '',
  copy_hash            TEXT    NOT NULL DEFAULT '',
  receipt_required     INTEGER NOT NULL DEFAULT 0,
  receipt_kid          TEXT,
  receipt_sig          TEXT,
  receipt_at_ms        INTEGER
);
CREATE INDEX IF NOT EXISTS copies_pending
  ON copies(recipient, id, lease_expires_at_ms, case_urn, state)
  WHERE state IN ('queued', 'leased');
CREATE INDEX IF NOT EXISTS copies_dead ON copies(recipient, id) WHERE state = 'dead';
CREATE INDEX IF NOT EXISTS copies_by_message ON copies(sender, message_id);
CREATE TABLE IF NOT EXISTS status_notices(
  notice_id   INTEGER PRIMARY KEY AUTOINCREMENT,
  sender      TEXT    NOT NULL,
  message_id  TEXT    NOT NULL,
  outcome     TEXT    NOT NULL CHECK(outcome IN ('acknowledged', 'dead_lettered')),
  recipient   TEXT    NOT NULL DEFAULT '',
  delivery_id INTEGER NOT NULL DEFAULT 0,
  at_ms       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_records(
  seq         INTEGER PRIMARY KEY,
  at_ms       INTEGER NOT NULL,
  kind        TEXT    NOT NULL,
  sender      TEXT,
  recipient   TEXT,
  agreement   TEXT,
  case_urn    TEXT,
  subject_ref TEXT,
  message_id  TEXT,
  record      TEXT    NOT NULL,
  chain       BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_records(at_ms);
CREATE TABLE IF NOT EXISTS subject_state(
  subject_ref TEXT    NOT NULL,
  agency      TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  value       TEXT    NOT NULL,
  at_ms       INTEGER NOT NULL,
  sender      TEXT    NOT NULL,
  message_id  TEXT    NOT NULL,
  PRIMARY KEY(subject_ref, agency, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_checkpoints(
  seq        INTEGER PRIMARY KEY,
  at_ms      INTEGER NOT NULL,
  checkpoint TEXT    NOT NULL
);
)sql";

// Version 3 lacks the subject_state table, which kCreateSchema's CREATE TABLE IF NOT EXISTS
// adds at open (an empty ledger), and the 'purged' copy state (kMigrateFrom3 below).
// Versions 1-5 had copies_pending without case_urn and state, and copies_pending_by_case:
// both go before anything else (a table renamed below would keep them, and kCreateSchema
// would then skip the new copies_pending by name). kCreateSchema builds the new one.
constexpr const char* kMigrateTo6 = R"sql(
DROP INDEX IF EXISTS copies_pending_by_case;
DROP INDEX IF EXISTS copies_pending;
)sql";
// Version 1 (before the audit log and dead letters): copies had no subject_ref or dead-letter
// columns and a CHECK without 'dead'. SQLite cannot alter a CHECK, so the table is rebuilt
// with its ids (AUTOINCREMENT continues from the highest). Runs inside create_schema's
// transaction, before kCreateSchema.
constexpr const char* kMigrateFrom1 = R"sql(
DROP INDEX IF EXISTS copies_unacked;
ALTER TABLE copies RENAME TO copies_v1;
)sql";
// Version 2 had indexes on audit_records by case and by subject (see kCreateSchema).
constexpr const char* kMigrateFrom2 = R"sql(
DROP INDEX IF EXISTS audit_by_case;
DROP INDEX IF EXISTS audit_by_subject;
)sql";
constexpr const char* kMigrateFrom1Copy = R"sql(
INSERT INTO copies(id, recipient, sender, message_id, event_type, case_urn, received_at_ms,
                   state, attempts, lease_expires_at_ms, acked_at_ms, payload)
  SELECT id, recipient, sender, message_id, event_type, case_urn, received_at_ms, state,
         attempts, lease_expires_at_ms, acked_at_ms, payload FROM copies_v1;
DROP TABLE copies_v1;
)sql";

// Versions 2 and 3: copies' CHECK lacked 'purged' (retention, docs/storage.md "Purging"). The
// table is rebuilt as for version 1, every column kept; its indexes go first so that
// kCreateSchema makes them on the new table. The AUTOINCREMENT counter moves with the rename
// and is handed to the new table, so no delivery id is ever reused.
constexpr const char* kMigrateFrom3 = R"sql(
DROP INDEX IF EXISTS copies_pending;
DROP INDEX IF EXISTS copies_pending_by_case;
DROP INDEX IF EXISTS copies_dead;
DROP INDEX IF EXISTS copies_by_message;
ALTER TABLE copies RENAME TO copies_v3;
)sql";
constexpr const char* kMigrateFrom3Copy = R"sql(
UPDATE sqlite_sequence SET name = 'copies' WHERE name = 'copies_v3';
INSERT INTO copies(id, recipient, sender, message_id, event_type, case_urn, subject_ref,
                   received_at_ms, state, attempts, lease_expires_at_ms, acked_at_ms, dead_at_ms,
                   dead_code, dead_detail, payload)
  SELECT id, recipient, sender, message_id, event_type, case_urn, subject_ref, received_at_ms,
         state, attempts, lease_expires_at_ms, acked_at_ms, dead_at_ms, dead_code, dead_detail,
         payload FROM copies_v3;
DROP TABLE copies_v3;
)sql";

// Versions 1-4 lacked the delivery-status columns (versions 1-3 get the copies' ones from the
// rebuild above; a column already there is left alone). Added after kCreateSchema.
struct AddedColumn {
  const char* table;
  const char* name;
  const char* declaration;
};
constexpr AddedColumn kColumnsOf5[] = {
    {"submissions", "event_type", "TEXT NOT NULL DEFAULT ''"},
    {"submissions", "case_urn", "TEXT NOT NULL DEFAULT ''"},
    {"submissions", "withheld", "TEXT NOT NULL DEFAULT '[]'"},
    {"submissions", "status_callback", "INTEGER NOT NULL DEFAULT 0"},
    {"copies", "acknowledged_at_ms", "INTEGER"},
    {"copies", "delivered_by_channel", "INTEGER NOT NULL DEFAULT 0"},
    {"copies", "channel_ref", "TEXT NOT NULL DEFAULT ''"},
    {"copies", "copy_hash", "TEXT NOT NULL DEFAULT ''"},
    {"copies", "receipt_required", "INTEGER NOT NULL DEFAULT 0"},
    {"copies", "receipt_kid", "TEXT"},
    {"copies", "receipt_sig", "TEXT"},
    {"copies", "receipt_at_ms", "INTEGER"},
};
// Then: an old ack was a recipient's or a channel's, which is unknowable: it counts as
// acknowledged. Each submission's type and case come from its first copy. Nothing was withheld.
constexpr const char* kBackfillTo5 = R"sql(
UPDATE submissions SET
  event_type = coalesce((SELECT c.event_type FROM copies c WHERE c.sender = submissions.sender
                         AND c.message_id = submissions.message_id ORDER BY c.id LIMIT 1), ''),
  case_urn = coalesce((SELECT c.case_urn FROM copies c WHERE c.sender = submissions.sender
                       AND c.message_id = submissions.message_id ORDER BY c.id LIMIT 1), '');
UPDATE copies SET acknowledged_at_ms = acked_at_ms WHERE state = 'acked';
)sql";

Status migrate_to_5(Connection& db) {
  for (const AddedColumn& c : kColumnsOf5) {
    auto present = db.query_int64(std::string("SELECT count(*) FROM pragma_table_info('") +
                                  c.table + "') WHERE name = '" + c.name + "'");
    if (!present.ok()) return present.error();
    if (*present != 0) continue;
    if (auto s = db.exec(std::string("ALTER TABLE ") + c.table + " ADD COLUMN " + c.name + " " +
                         c.declaration);
        !s.ok()) {
      return s;
    }
  }
  return db.exec(kBackfillTo5);
}

Status check_version(Connection& db) {
  auto version = db.query_int64("PRAGMA user_version");
  if (!version.ok()) return version.error();
  if (*version > kSchemaVersion) {
    return make_error("schema_mismatch", "spool schema version " + std::to_string(*version) +
                                             " is newer than this build's " +
                                             std::to_string(kSchemaVersion));
  }
  return Status::Ok();
}

Status configure(Connection& db, const SqliteSpoolOptions& options) {
  // Writers other than ours (sqlite3 .backup, VACUUM INTO) take the lock briefly.
  sqlite3_busy_timeout(db.get(), 10'000);
  auto mode = db.query_text("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal") {
    return make_error("storage_unavailable", "cannot switch the spool to WAL mode: " + *mode);
  }
  // FULL: a commit fsyncs the WAL before it returns, so a handler's success means durable.
  // NORMAL in WAL mode can lose the last commits on power loss; only benchmarks ask for it.
  if (auto s = db.exec(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                : "PRAGMA synchronous=NORMAL");
      !s.ok()) {
    return s;
  }
  if (auto s = db.exec("PRAGMA foreign_keys=OFF"); !s.ok()) return s;
  // The WAL is reset after each checkpoint; keep the file from staying huge after a burst.
  if (auto s = db.exec("PRAGMA journal_size_limit=67108864"); !s.ok()) return s;
  if (options.max_page_count > 0) {
    if (auto s = db.exec("PRAGMA max_page_count=" + std::to_string(options.max_page_count));
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status check_integrity(Connection& db) {
  auto verdict = db.query_text("PRAGMA quick_check(1)");
  if (!verdict.ok()) return verdict.error();
  if (*verdict != "ok") return make_error("corrupt", "spool integrity check: " + *verdict);
  return Status::Ok();
}

Status create_schema(Connection& db) {
  auto version = db.query_int64("PRAGMA user_version");
  if (!version.ok()) return version.error();
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  const bool from_v1 = *version == 1;
  const bool from_v3 = *version == 2 || *version == 3;
  Status s = *version >= 1 && *version <= 5 ? db.exec(kMigrateTo6) : Status::Ok();
  if (s.ok() && from_v1) s = db.exec(kMigrateFrom1);
  if (s.ok() && from_v3) s = db.exec(kMigrateFrom3);
  if (s.ok()) s = db.exec(kCreateSchema);
  if (s.ok() && from_v1) s = db.exec(kMigrateFrom1Copy);
  if (s.ok() && from_v3) s = db.exec(kMigrateFrom3Copy);
  if (s.ok() && *version >= 1 && *version <= 2) s = db.exec(kMigrateFrom2);
  if (s.ok() && *version >= 1 && *version <= 4) s = migrate_to_5(db);
  if (s.ok()) s = db.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  if (s.ok()) s = db.exec("COMMIT");
  if (!s.ok()) (void)db.exec("ROLLBACK");
  return s;
}

}  // namespace

Result<Connection> open_database(const SqliteSpoolOptions& options) {
  auto db = Connection::open(options.path, options.vfs);
  if (!db.ok()) return db.error();
  // Version first: a newer file is refused before anything (even the journal mode) changes.
  if (auto s = check_version(*db); !s.ok()) return s.error();
  if (auto s = configure(*db, options); !s.ok()) return s.error();
  if (auto s = check_integrity(*db); !s.ok()) return s.error();
  if (auto s = create_schema(*db); !s.ok()) return s.error();
  return std::move(db).value();
}

}  // namespace accord::spool::detail
