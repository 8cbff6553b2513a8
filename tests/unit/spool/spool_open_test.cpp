// Opening a spool file: fresh, reopened, refused (newer schema, corrupt, unreachable), and
// the on-disk properties the design relies on (WAL, user_version, the lease index).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

// A raw connection for looking at (or tampering with) the file behind the spool's back.

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

// What an ack leaves in the rows is checked on every backend (SpoolRows in
// spool_scenario_test.cpp); here, what only a SQLite file has.
TEST(SpoolSchema, FileIsWalWithVersion) {
  TempDir dir;
  {
    auto spool = open_or_die(options_for(dir.file("spool.db")));
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps", "wcu"})).ok());
  }
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
}

// The dedup probe's readers close before the writer: its connection is the last, checkpoints
// and removes the WAL at a clean close, as it does without a probe.
TEST(SpoolDedupProbeSqlite, ReadersCloseBeforeTheWriterSoTheWalIsRemoved) {
  TempDir dir;
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
  auto found = spool->find_submission("police", "m1");
  ASSERT_TRUE(found.ok() && found->has_value());
  spool.reset();
  EXPECT_FALSE(std::filesystem::exists(dir.file("spool.db-wal")));
}

TEST(SpoolSchema, LeaseQueryIsARangeScanOfThePendingIndexes) {
  TempDir dir;
  { auto spool = open_or_die(options_for(dir.file("spool.db"))); }
  RawDb db(dir.file("spool.db"));
  // The same text as the spool's lease statements (gateway/spool/src/store.cpp).
  const std::string plan = db.query(
      "EXPLAIN QUERY PLAN SELECT id, sender, message_id, event_type, case_urn, subject_ref, "
      "received_at_ms, attempts, payload FROM copies WHERE recipient = ?1 AND state IN "
      "('queued', 'leased') AND lease_expires_at_ms <= ?2 ORDER BY id LIMIT ?3");
  EXPECT_NE(plan.find("USING INDEX copies_pending (recipient=?)"), std::string::npos) << plan;
  // Push delivery's per-case walk reads the index alone: no row, no other index, no sort.
  const std::string per_case = db.query(
      "EXPLAIN QUERY PLAN SELECT id, case_urn, lease_expires_at_ms FROM copies WHERE "
      "recipient = ?1 AND state IN ('queued', 'leased') ORDER BY id");
  EXPECT_NE(per_case.find("SEARCH copies USING COVERING INDEX copies_pending (recipient=?)"),
            std::string::npos)
      << per_case;
  EXPECT_EQ(per_case.find("\n"), std::string::npos) << per_case;  // one step: no other index
  EXPECT_EQ(per_case.find("TEMP B-TREE"), std::string::npos) << per_case;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;  // no sort step
}

// A version-5 file loses copies_pending_by_case and gets copies_pending with case_urn and
// state; pending copies keep their per-case order through the new index.
TEST(SpoolSchema, VersionFiveFileDropsTheIndexByCase) {
  TempDir dir;
  {
    auto spool = open_or_die(options_for(dir.file("spool.db")));
    for (auto [id, c] : {std::pair{"a1", "A"}, {"b1", "B"}, {"a2", "A"}}) {
      auto s = make_submission(id, {"cps"});
      s.case_urn = c;
      ASSERT_TRUE(append_sync(*spool, s).ok());
    }
  }
  {
    // Back to the version-5 indexes, as a version-5 gateway left them.
    RawDb db(dir.file("spool.db"));
    db.exec(R"sql(
DROP INDEX copies_pending;
CREATE INDEX copies_pending
  ON copies(recipient, id, lease_expires_at_ms) WHERE state IN ('queued', 'leased');
CREATE INDEX copies_pending_by_case
  ON copies(recipient, case_urn, id, lease_expires_at_ms) WHERE state IN ('queued', 'leased');
PRAGMA user_version=5;
)sql");
  }
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 3);
  LeaseRequest heads{"cps", 10, 100, 1000};
  heads.one_per_case = true;
  auto leased = lease_sync(*spool, heads);
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 2u);
  EXPECT_EQ((*leased)[0].message_id, "a1");
  EXPECT_EQ((*leased)[1].message_id, "b1");
  spool.reset();
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
  EXPECT_EQ(db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                     "'copies' ORDER BY name"),
            "copies_by_message\ncopies_dead\ncopies_pending");
  EXPECT_EQ(db.query("SELECT group_concat(name, ',') FROM (SELECT name FROM "
                     "pragma_index_info('copies_pending') ORDER BY seqno)"),
            "recipient,id,lease_expires_at_ms,case_urn,state");
  EXPECT_EQ(db.query("PRAGMA integrity_check"), "ok");
}

// The version-4 schema as it was (gateway/spool/src/schema.cpp before delivery status).
constexpr const char* kVersion4Schema = R"sql(
CREATE TABLE IF NOT EXISTS submissions(
  sender          TEXT    NOT NULL,
  message_id      TEXT    NOT NULL,
  content_hash    TEXT    NOT NULL,
  received_at_ms  INTEGER NOT NULL,
  recipients      TEXT    NOT NULL,
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
  payload             BLOB
);
CREATE INDEX IF NOT EXISTS copies_pending
  ON copies(recipient, id, lease_expires_at_ms) WHERE state IN ('queued', 'leased');
CREATE INDEX IF NOT EXISTS copies_pending_by_case
  ON copies(recipient, case_urn, id, lease_expires_at_ms) WHERE state IN ('queued', 'leased');
CREATE INDEX IF NOT EXISTS copies_dead ON copies(recipient, id) WHERE state = 'dead';
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

// A version-4 file gains the delivery-status columns and the notice outbox: an old ack counts
// as acknowledged (who made it is unknowable), nothing was withheld, no copy has a hash, and
// each submission's type and case come from its copies.
TEST(SpoolSchema, VersionFourFileIsMigrated) {
  TempDir dir;
  {
    RawDb db(dir.file("spool.db"));
    db.exec(kVersion4Schema);
    db.exec(R"sql(
INSERT INTO submissions VALUES('police', 'old-1', 'h', 5, '["cps","wcu"]');
INSERT INTO copies(id, recipient, sender, message_id, event_type, case_urn, received_at_ms,
  state, attempts, lease_expires_at_ms, acked_at_ms, payload)
  VALUES(7, 'cps', 'police', 'old-1', 'arrest.made', 'c1', 5, 'acked', 1, 0, 6, NULL),
        (8, 'wcu', 'police', 'old-1', 'arrest.made', 'c1', 5, 'queued', 0, 0, NULL, X'7B7D');
PRAGMA user_version=4;
)sql");
  }
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  auto status = spool->message_status("police", "old-1", 100);
  ASSERT_TRUE(status.ok() && status->has_value()) << (status.ok() ? "" : status.error().message);
  EXPECT_EQ((*status)->event_type, "arrest.made");
  EXPECT_EQ((*status)->case_urn, "c1");
  EXPECT_TRUE((*status)->withheld.empty());
  ASSERT_EQ((*status)->copies.size(), 2u);
  EXPECT_EQ((*status)->copies[0].state, "acknowledged");
  EXPECT_EQ((*status)->copies[0].acknowledged_at_ms, 6);
  EXPECT_FALSE((*status)->copies[0].delivered_at_ms.has_value());
  EXPECT_EQ((*status)->copies[0].copy_hash, "");
  EXPECT_EQ((*status)->copies[1].state, "queued");
  auto facts = spool->copy_facts("wcu", 8);
  ASSERT_TRUE(facts.ok() && facts->has_value());
  EXPECT_FALSE((*facts)->receipt_required);
  EXPECT_FALSE((*facts)->acknowledged);
  // The new columns take writes: a copy with a hash, a withheld recipient, notices.
  Submission s = make_submission("new-1", {"cps"});
  s.copies[0].copy_hash = std::string(64, 'c');
  s.withheld = {{"wcu", "not_permitted", "no flow"}};
  s.status_callback = true;
  ASSERT_TRUE(append_sync(*spool, s).ok());
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 10, 100, 1000});
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ(leased->front().delivery_id, 9);  // ids continue
  ASSERT_TRUE(ack_sync(*spool, {"cps", 9, 1001}).ok());
  auto notices = spool->pending_status_notices(10);
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(notices->front().outcome, "acknowledged");
  spool.reset();
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
  EXPECT_EQ(
      db.query("SELECT withheld, status_callback FROM submissions WHERE message_id = 'new-1'"),
      R"([{"code":"not_permitted","reason":"no flow","recipient":"wcu"}]|1)");
}

// A version-1 file (before audit and dead letters) is migrated in place: ids, states and
// payloads survive, and new copies never reuse an id.
TEST(SpoolSchema, VersionOneFileIsMigrated) {
  TempDir dir;
  {
    RawDb db(dir.file("spool.db"));
    db.exec(R"sql(
CREATE TABLE submissions(sender TEXT NOT NULL, message_id TEXT NOT NULL,
  content_hash TEXT NOT NULL, received_at_ms INTEGER NOT NULL, recipients TEXT NOT NULL,
  PRIMARY KEY(sender, message_id)) WITHOUT ROWID;
CREATE TABLE copies(id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL,
  sender TEXT NOT NULL, message_id TEXT NOT NULL, event_type TEXT NOT NULL,
  case_urn TEXT NOT NULL, received_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('queued', 'leased', 'acked')),
  attempts INTEGER NOT NULL DEFAULT 0, lease_expires_at_ms INTEGER NOT NULL DEFAULT 0,
  acked_at_ms INTEGER, payload BLOB);
CREATE INDEX copies_unacked ON copies(recipient, id, lease_expires_at_ms) WHERE state <> 'acked';
INSERT INTO submissions VALUES('police', 'old-1', 'h', 5, '["cps"]');
INSERT INTO copies VALUES(7, 'cps', 'police', 'old-1', 'arrest.made', 'c1', 5, 'queued', 0, 0,
  NULL, X'7B7D');
INSERT INTO copies VALUES(9, 'cps', 'police', 'old-0', 'arrest.made', 'c0', 4, 'acked', 1, 0,
  6, NULL);
PRAGMA user_version=1;
)sql");
  }
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 1);
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 10, 100, 1000});
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ(leased->front().delivery_id, 7);
  EXPECT_EQ(leased->front().payload, "{}");
  ASSERT_TRUE(append_sync(*spool, make_submission("new-1", {"cps"})).ok());
  spool.reset();
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
  EXPECT_EQ(db.query("SELECT id, state FROM copies ORDER BY id"), "7|leased\n9|acked\n10|queued");
  EXPECT_EQ(db.query("SELECT count(*) FROM sqlite_master WHERE name = 'copies_v1'"), "0");
}

// A version-2 file loses the audit indexes by case and subject (each cost a random page per
// record); its records and chain stay as they were.
TEST(SpoolSchema, VersionTwoFileDropsTheAuditCaseAndSubjectIndexes) {
  TempDir dir;
  {
    auto spool = open_or_die(options_for(dir.file("spool.db")));
    ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
  }
  std::string records;
  {
    RawDb db(dir.file("spool.db"));
    db.exec(
        "CREATE INDEX audit_by_case ON audit_records(case_urn) WHERE case_urn IS NOT NULL;"
        "CREATE INDEX audit_by_subject ON audit_records(subject_ref) "
        "WHERE subject_ref IS NOT NULL; PRAGMA user_version=2;");
    records = db.query("SELECT seq, record, hex(chain) FROM audit_records ORDER BY seq");
    ASSERT_FALSE(records.empty());
  }
  { auto spool = open_or_die(options_for(dir.file("spool.db"))); }
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
  EXPECT_EQ(db.query("SELECT count(*) FROM sqlite_master WHERE name IN ('audit_by_case', "
                     "'audit_by_subject')"),
            "0");
  EXPECT_EQ(db.query("SELECT count(*) FROM sqlite_master WHERE name = 'audit_by_time'"), "1");
  EXPECT_EQ(db.query("SELECT seq, record, hex(chain) FROM audit_records ORDER BY seq"), records);
}

// A version-3 file (before the subject-state ledger) gets an empty subject_state table at open;
// what it held stays, and the ledger works from then on.
TEST(SpoolSchema, VersionThreeFileGainsTheSubjectStateTable) {
  TempDir dir;
  {
    auto spool = open_or_die(options_for(dir.file("spool.db")));
    ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
  }
  {
    RawDb db(dir.file("spool.db"));
    db.exec("DROP TABLE subject_state; PRAGMA user_version=3;");
  }
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  auto empty = spool->subject_state("s1");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->empty());
  auto s = make_submission("m2", {"cps"});
  s.subject_ref = "s1";
  s.subject_facts = {{"police", "consent", "given"}};
  ASSERT_TRUE(append_sync(*spool, s).ok());
  auto rows = spool->subject_state("s1");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].value, "given");
  spool.reset();
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
  EXPECT_EQ(db.query("SELECT count(*) FROM submissions"), "2");
}

// A version-3 file: copies' CHECK lacks 'purged' (retention). The table is rebuilt with every
// column, its indexes remade on the new table, and the AUTOINCREMENT counter kept even when it
// is above the highest id left.
TEST(SpoolSchema, VersionThreeFileAcceptsPurgedCopies) {
  TempDir dir;
  {
    RawDb db(dir.file("spool.db"));
    db.exec(R"sql(
CREATE TABLE submissions(sender TEXT NOT NULL, message_id TEXT NOT NULL,
  content_hash TEXT NOT NULL, received_at_ms INTEGER NOT NULL, recipients TEXT NOT NULL,
  PRIMARY KEY(sender, message_id)) WITHOUT ROWID;
CREATE TABLE copies(id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL,
  sender TEXT NOT NULL, message_id TEXT NOT NULL, event_type TEXT NOT NULL,
  case_urn TEXT NOT NULL, subject_ref TEXT NOT NULL DEFAULT '', received_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('queued', 'leased', 'acked', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0, lease_expires_at_ms INTEGER NOT NULL DEFAULT 0,
  acked_at_ms INTEGER, dead_at_ms INTEGER, dead_code TEXT, dead_detail TEXT, payload BLOB);
CREATE INDEX copies_pending
  ON copies(recipient, id, lease_expires_at_ms) WHERE state IN ('queued', 'leased');
CREATE INDEX copies_pending_by_case
  ON copies(recipient, case_urn, id, lease_expires_at_ms) WHERE state IN ('queued', 'leased');
CREATE INDEX copies_dead ON copies(recipient, id) WHERE state = 'dead';
CREATE TABLE audit_records(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL,
  sender TEXT, recipient TEXT, agreement TEXT, case_urn TEXT, subject_ref TEXT,
  message_id TEXT, record TEXT NOT NULL, chain BLOB NOT NULL);
CREATE INDEX audit_by_time ON audit_records(at_ms);
CREATE TABLE audit_checkpoints(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,
  checkpoint TEXT NOT NULL);
INSERT INTO submissions VALUES('police', 'old-1', 'h', 5, '["cps"]');
INSERT INTO copies VALUES(7, 'cps', 'police', 'old-1', 'hearing.scheduled', 'c1', 'V-1', 5,
  'dead', 2, 0, NULL, 6, 'max_attempts', 'HTTP 503', X'7B7D');
INSERT INTO copies VALUES(8, 'cps', 'police', 'old-2', 'hearing.scheduled', 'c2', '', 5,
  'queued', 0, 0, NULL, NULL, NULL, NULL, X'7B7D');
UPDATE sqlite_sequence SET seq = 20 WHERE name = 'copies';
PRAGMA user_version=3;
)sql");
  }
  auto spool = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().dead_by_recipient.at("cps"), 1);
  EXPECT_EQ(spool->stats().queued_by_recipient.at("cps"), 1);
  Completion<Result<PurgeResult>> purged;
  PurgeRequest request;
  request.due = [](const PurgeCandidate& c) { return c.received_at_ms < 6; };
  request.now_ms = 1000;
  spool->purge(request, purged.handler());
  ASSERT_EQ(purged.get().value().purged, 2);
  ASSERT_TRUE(append_sync(*spool, make_submission("new-1", {"cps"})).ok());
  spool.reset();
  RawDb db(dir.file("spool.db"));
  EXPECT_EQ(db.query("PRAGMA user_version"), "6");
  EXPECT_EQ(db.query("SELECT id, state, subject_ref, dead_code, payload IS NULL FROM copies "
                     "ORDER BY id"),
            "7|purged|V-1|max_attempts|1\n8|purged||NULL|1\n21|queued||NULL|0");
  EXPECT_EQ(db.query("SELECT count(*) FROM sqlite_master WHERE name = 'copies_v3'"), "0");
  EXPECT_EQ(db.query("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name LIKE "
                     "'copies_%' ORDER BY name"),
            "copies\ncopies\ncopies");
  EXPECT_EQ(db.query("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace accord::spool
