// The audit log's read side on PostgreSQL, and `migrate_sqlite_to_pg`, against a real server
// (testing::shared_pg_cluster(): a primary and a synchronous standby started by this binary).
// A real SQLite spool — the AuditLog fixture's records and checkpoints signed by a real key,
// plus copies in every state — is migrated into a fresh database per test; then the two
// backends must hold the same rows and AuditReader must answer the same on both, before and
// after the same tampering.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "accord/api/admin_handler.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/pg_migrate.hpp"
#include "accord/spool/pg_spool.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "accord/testing/wait_until.hpp"
#include "audit_log_fixture.hpp"

namespace accord::spool {
namespace {

using testing::AuditLog;
using testing::kC1;
using testing::kC3;
using testing::kT0;
using testing::wait_for;

using Rows = std::vector<std::vector<std::optional<std::string>>>;

Rows sqlite_rows(const std::string& path, const std::string& sql) {
  Rows out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
  while (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
    auto& row = out.emplace_back();
    for (int c = 0; c < sqlite3_column_count(s); ++c) {
      const auto* text = sqlite3_column_text(s, c);
      if (text == nullptr) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                     static_cast<std::size_t>(sqlite3_column_bytes(s, c))));
      }
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << sql << ": " << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// Runs `sql` on `uri` (several statements allowed); the last statement's rows.
Rows pg_rows(const std::string& uri, const std::string& sql) {
  Rows out;
  PGconn* conn = PQconnectdb(uri.c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
      << sql << ": " << PQresultErrorMessage(r);
  for (int i = 0; i < PQntuples(r); ++i) {
    auto& row = out.emplace_back();
    for (int c = 0; c < PQnfields(r); ++c) {
      if (PQgetisnull(r, i, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c))));
      }
    }
  }
  PQclear(r);
  PQfinish(conn);
  return out;
}

// A fresh database on the shared cluster; the test fails (never skips) without a server.
// `name` (optional) receives the database's name.
std::string fresh_database(std::string* name_out = nullptr) {
  static std::atomic<int> counter{0};
  auto cluster = accord::testing::shared_pg_cluster();
  if (!cluster.ok()) {
    ADD_FAILURE() << "PostgreSQL did not start: " << cluster.error().message;
    return {};
  }
  const std::string name =
      "audit_pg_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  if (name_out != nullptr) *name_out = name;
  auto uri = (*cluster)->create_database(name);
  if (!uri.ok()) ADD_FAILURE() << uri.error().message;
  return uri.ok() ? *uri : std::string();
}

// The fixture's log, then copies in every state: `courts` leased (not acked), `vsp` dead,
// `cps` acked (by build()), the rest queued; the clean shutdown seals the tail.
void build_spool(AuditLog& log) {
  log.build();
  auto spool = log.open();
  ASSERT_NE(spool, nullptr);
  auto leased = wait_for<Result<std::vector<Delivery>>>([&](auto done) {
    spool->lease(LeaseRequest{"courts", 1, 30'000, kT0 + 8000}, std::move(done));
  });
  ASSERT_TRUE(leased.ok() && leased->size() == 1u);
  auto dying = wait_for<Result<std::vector<Delivery>>>([&](auto done) {
    spool->lease(LeaseRequest{"vsp", 1, 30'000, kT0 + 8100}, std::move(done));
  });
  ASSERT_TRUE(dying.ok() && dying->size() == 1u);
  auto dead = wait_for<Status>([&](auto done) {
    spool->dead_letter(DeadLetterRequest{"vsp", dying->front().delivery_id, "permanent_failure",
                                         "410 from the webhook", kT0 + 8200},
                       std::move(done));
  });
  ASSERT_TRUE(dead.ok()) << dead.error().message;
  spool->shutdown();
}

MigrateReport migrate(const AuditLog& log, const std::string& uri, std::size_t batch = 4) {
  MigrateOptions o;
  o.from = log.path();
  o.to = uri;
  o.batch = batch;
  o.gateway_kid = log.key().kid;
  auto r = migrate_sqlite_to_pg(o);
  EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  return r.ok() ? *r : MigrateReport{};
}

// Each table as text, in key order, bytes as lower-case hex: the same query on both sides.
struct TableDump {
  const char* name;
  std::string sqlite;
  std::string pg;
};

std::vector<TableDump> dumps() {
  const std::string copies =
      "id, recipient, sender, message_id, event_type, case_urn, subject_ref, received_at_ms, "
      "state, attempts, lease_expires_at_ms, acked_at_ms, dead_at_ms, dead_code, dead_detail, ";
  const std::string records =
      "seq, at_ms, kind, sender, recipient, agreement, case_urn, subject_ref, message_id, record, ";
  return {
      {"submissions",
       "SELECT sender, message_id, content_hash, received_at_ms, recipients FROM submissions "
       "ORDER BY sender, message_id",
       "SELECT sender, message_id, content_hash, received_at_ms, recipients FROM submissions "
       "ORDER BY sender COLLATE \"C\", message_id COLLATE \"C\""},
      {"copies",
       "SELECT " + copies +
           "CASE WHEN payload IS NOT NULL THEN lower(hex(payload)) END FROM copies ORDER BY id",
       "SELECT " + copies + "encode(payload, 'hex') FROM copies ORDER BY id"},
      {"audit_records", "SELECT " + records + "lower(hex(chain)) FROM audit_records ORDER BY seq",
       "SELECT " + records + "encode(chain, 'hex') FROM audit_records ORDER BY seq"},
      {"audit_checkpoints", "SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq",
       "SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq"},
  };
}

// The filters the reader is asked for on both backends (every member, prefixes, times).
std::vector<AuditFilter> filters() {
  std::vector<AuditFilter> out(14);
  out[1].case_urn = kC1;
  out[2].subject_ref = "S-3";
  out[3].agency = "cps";
  out[4].sender = "police";
  out[5].recipient = "wcu";
  out[6].agreement = "police-cps";
  out[7].agreement = "police-cps@3";
  out[8].kind = "delivery.";
  out[9].decision = "refused";
  out[10].from_ms = kT0 + 2500;
  out[11].to_ms = kT0 + 2600;
  out[12].from_ms = kT0 + 1000;
  out[12].to_ms = kT0 + 5000;
  out[12].case_urn = kC3;
  out[13].kind = "decision.accepted";
  out[13].sender = "police";
  return out;
}

void expect_same_rows(const AuditRows& a, const AuditRows& b, const std::string& what) {
  ASSERT_EQ(a.rows.size(), b.rows.size()) << what;
  EXPECT_EQ(a.more, b.more) << what;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].seq, b.rows[i].seq) << what;
    EXPECT_EQ(a.rows[i].at_ms, b.rows[i].at_ms) << what;
    EXPECT_EQ(a.rows[i].record, b.rows[i].record) << what;
    EXPECT_EQ(a.rows[i].chain, b.rows[i].chain) << what;
    EXPECT_EQ(a.rows[i].mismatched_columns, b.rows[i].mismatched_columns) << what;
  }
}

// Both failed the same way (false), or both succeeded (true: compare the values).
template <typename T>
bool same_outcome(const Result<T>& a, const Result<T>& b, const std::string& what) {
  EXPECT_EQ(a.ok(), b.ok()) << what << ": " << (a.ok() ? "" : a.error().message) << " / "
                            << (b.ok() ? "" : b.error().message);
  if (a.ok() && b.ok()) return true;
  if (!a.ok() && !b.ok()) {
    EXPECT_EQ(a.error().code, b.error().code) << what;
    EXPECT_EQ(a.error().message, b.error().message) << what;
  }
  return false;
}

// Every read of AuditReader answers the same from the SQLite file and from PostgreSQL.
void expect_readers_agree(const std::string& path, const std::string& uri) {
  auto lite = AuditReader::open(path);
  ASSERT_TRUE(lite.ok()) << lite.error().message;
  auto pg = AuditReader::open(uri);
  ASSERT_TRUE(pg.ok()) << pg.error().message;
  const auto fs = filters();
  for (std::size_t f = 0; f < fs.size(); ++f) {
    const std::string what = "filter #" + std::to_string(f) + " " + filter_to_json(fs[f]);
    for (const std::size_t limit : {std::size_t{2}, kMaxAuditPage}) {
      std::int64_t after = 0;
      for (int page = 0; page < 20; ++page) {
        auto a = (*lite)->query(fs[f], after, limit);
        auto b = (*pg)->query(fs[f], after, limit);
        if (!same_outcome(a, b, what)) break;
        expect_same_rows(*a, *b, what + " page " + std::to_string(page));
        if (!a->more) break;
        after = a->rows.back().seq;
      }
    }
    for (const std::size_t limit : {std::size_t{3}, kMaxAuditPage}) {
      std::int64_t after = 0;
      for (int page = 0; page < 20; ++page) {
        auto a = (*lite)->extract_page(fs[f], after, limit);
        auto b = (*pg)->extract_page(fs[f], after, limit);
        if (!same_outcome(a, b, what)) break;
        EXPECT_EQ(a->first_seq, b->first_seq) << what;
        EXPECT_EQ(a->prev, b->prev) << what;
        EXPECT_EQ(a->lines, b->lines) << what;
        EXPECT_EQ(a->last_seq, b->last_seq) << what;
        EXPECT_EQ(a->matches, b->matches) << what;
        EXPECT_EQ(a->complete, b->complete) << what;
        EXPECT_EQ(a->more, b->more) << what;
        EXPECT_EQ(format_index_mismatches(a->mismatches), format_index_mismatches(b->mismatches))
            << what;
        if (!a->more) break;
        after = a->last_seq;
      }
    }
  }
  auto ha = (*lite)->head();
  auto hb = (*pg)->head();
  ASSERT_TRUE(ha.ok() && hb.ok());
  EXPECT_EQ(ha->last_seq, hb->last_seq);
  EXPECT_EQ(ha->sealed_seq, hb->sealed_seq);
  EXPECT_EQ(ha->records, hb->records);
  auto ca = (*lite)->checkpoints(0, 100);
  auto cb = (*pg)->checkpoints(0, 100);
  ASSERT_TRUE(ca.ok() && cb.ok());
  ASSERT_EQ(ca->size(), cb->size());
  for (std::size_t i = 0; i < ca->size(); ++i) {
    EXPECT_EQ((*ca)[i].seq, (*cb)[i].seq);
    EXPECT_EQ((*ca)[i].at_ms, (*cb)[i].at_ms);
    EXPECT_EQ((*ca)[i].json, (*cb)[i].json);
  }
  auto la = (*lite)->latest_checkpoint();
  auto lb = (*pg)->latest_checkpoint();
  ASSERT_TRUE(la.ok() && lb.ok());
  ASSERT_EQ(la->has_value(), lb->has_value());
  if (la->has_value()) {
    EXPECT_EQ((*la)->json, (*lb)->json);
  }
  for (std::int64_t seq = 0; seq <= ha->last_seq + 1; ++seq) {
    auto a = (*lite)->chain_at(seq);
    auto b = (*pg)->chain_at(seq);
    ASSERT_EQ(a.ok(), b.ok()) << "chain_at " << seq;
    if (a.ok()) {
      EXPECT_EQ(*a, *b) << "chain_at " << seq;
    } else {
      EXPECT_EQ(a.error().code, b.error().code) << "chain_at " << seq;
    }
  }
}

audit::VerifyReport verify(const std::string& location, const crypto::GatewayPublicKey& key) {
  auto reader = AuditReader::open(location);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  if (!reader.ok()) return {};
  auto report = (*reader)->verify(key, audit::VerifyOptions{});
  EXPECT_TRUE(report.ok()) << report.error().message;
  return report.ok() ? *report : audit::VerifyReport{};
}

TEST(AuditPgMigrate, TheTargetHoldsTheSourceRowsVerbatim) {
  AuditLog log;
  build_spool(log);
  std::string name;
  const std::string uri = fresh_database(&name);
  ASSERT_FALSE(uri.empty());
  const MigrateReport report = migrate(log, uri);

  for (const auto& table : dumps()) {
    const Rows lite = sqlite_rows(log.path(), table.sqlite);
    const Rows pg = pg_rows(uri, table.pg);
    EXPECT_FALSE(lite.empty()) << table.name;
    EXPECT_EQ(lite, pg) << table.name;
  }
  // Copies in every state made the trip.
  const Rows states =
      pg_rows(uri, "SELECT string_agg(DISTINCT state, ',' ORDER BY state) FROM copies");
  EXPECT_EQ(states[0][0], "acked,dead,leased,queued");

  // The counts the tool compares, and the head the next gateway continues from.
  auto source = count_spool_rows(log.path());
  auto target = count_spool_rows(uri);
  ASSERT_TRUE(source.ok() && target.ok());
  EXPECT_EQ(*source, *target);
  EXPECT_EQ(report.source, *source);
  EXPECT_GT(source->audit_records, 11);
  const Rows head =
      sqlite_rows(log.path(),
                  "SELECT (SELECT seq FROM audit_records ORDER BY seq DESC LIMIT 1), "
                  "(SELECT lower(hex(chain)) FROM audit_records ORDER BY seq DESC LIMIT 1), "
                  "(SELECT seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1), "
                  "(SELECT at_ms FROM audit_checkpoints ORDER BY seq DESC LIMIT 1)");
  EXPECT_EQ(
      head,
      pg_rows(uri, "SELECT seq, encode(chain, 'hex'), sealed_seq, sealed_at_ms FROM audit_head"));
  // The identity continues after the highest delivery id ever handed out.
  const Rows last_id =
      sqlite_rows(log.path(), "SELECT seq FROM sqlite_sequence WHERE name = 'copies'");
  ASSERT_EQ(last_id.size(), 1u);
  EXPECT_EQ(report.next_delivery_id, std::stoll(*last_id[0][0]) + 1);
  EXPECT_EQ(pg_rows(uri, "SELECT nextval(pg_get_serial_sequence('copies', 'id'))")[0][0],
            std::to_string(report.next_delivery_id));
  EXPECT_EQ(pg_rows(uri, "SELECT value FROM accord_meta WHERE key = 'gateway_kid'")[0][0],
            log.key().kid);

  const auto verified = verify(uri, log.key());
  EXPECT_TRUE(verified.ok()) << verified.failure->code << ": " << verified.failure->message;
  EXPECT_EQ(verified.records, source->audit_records);
  EXPECT_EQ(verified.checkpoints, source->audit_checkpoints);

  // The reader only SELECTs: the hot standby answers the same once it has replayed the commit
  // (synchronous_commit = on waits for its flush, not its replay).
  const std::string standby = (*accord::testing::shared_pg_cluster())->standby_uri(name);
  ASSERT_TRUE(accord::testing::wait_until(
      [&] {
        auto counted = count_spool_rows(standby);
        return counted.ok() && *counted == *source;
      },
      std::chrono::seconds(30)));
  const auto on_standby = verify(standby, log.key());
  EXPECT_TRUE(on_standby.ok());
  EXPECT_EQ(on_standby.records, verified.records);
  expect_readers_agree(log.path(), standby);
}

TEST(AuditPgMigrate, EveryReadAnswersTheSameOnBothBackends) {
  AuditLog log;
  build_spool(log);
  std::string name;
  const std::string uri = fresh_database(&name);
  ASSERT_FALSE(uri.empty());
  migrate(log, uri, 1000);
  expect_readers_agree(log.path(), uri);
  // Again with every scan planned in parallel, as a large log is: the filters' functions must
  // be fit for parallel plans (a PARALLEL SAFE function that opens a subtransaction fails).
  pg_rows(uri, "ALTER DATABASE \"" + name + "\" SET force_parallel_mode = on; ALTER DATABASE \"" +
                   name + "\" SET parallel_setup_cost = 0; ALTER DATABASE \"" + name +
                   "\" SET parallel_tuple_cost = 0; ALTER DATABASE \"" + name +
                   "\" SET min_parallel_table_scan_size = 0");
  ASSERT_EQ(pg_rows(uri, "SHOW force_parallel_mode")[0][0], "on");
  expect_readers_agree(log.path(), uri);
}

TEST(AuditPgMigrate, AnEmptySpoolMigratesToAnEmptyLog) {
  AuditLog log;
  auto spool = log.open();
  ASSERT_NE(spool, nullptr);
  spool.reset();
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  const MigrateReport report = migrate(log, uri);
  EXPECT_EQ(report.next_delivery_id, 1);
  EXPECT_EQ(pg_rows(uri, "SELECT seq, encode(chain, 'hex'), sealed_seq FROM audit_head"),
            (Rows{{"0", std::string(64, '0'), "0"}}));
  const auto verified = verify(uri, log.key());
  EXPECT_TRUE(verified.ok());
  EXPECT_EQ(verified.records, 0);
}

// The same tampering on both sides: the verifier names the same failure at the same seq, and
// queries still find and report the record on both.
struct PgTamper {
  const char* name;
  std::string sqlite;
  std::string pg;  // empty: the same SQL as sqlite
  const char* code;
  std::int64_t seq;  // 0: whatever SQLite reports (checked equal)
};

const PgTamper kTampers[] = {
    PgTamper{"record_altered",
             "UPDATE audit_records SET record = replace(record, 'police-wcu@1', "
             "'police-wcu@9') WHERE seq = 3",
             "", "chain_mismatch", 3},
    PgTamper{"record_not_json", "UPDATE audit_records SET record = 'not json' WHERE seq = 4", "",
             "malformed", 4},
    PgTamper{"chain_replaced",
             "UPDATE audit_records SET chain = (SELECT chain FROM audit_records WHERE seq = 1) "
             "WHERE seq = 5",
             "", "chain_mismatch", 5},
    PgTamper{"chain_wrong_size", "UPDATE audit_records SET chain = x'00' WHERE seq = 2",
             "UPDATE audit_records SET chain = '\\x00'::bytea WHERE seq = 2", "malformed", 0},
    PgTamper{"case_urn_column", "UPDATE audit_records SET case_urn = 'x' WHERE seq = 3", "",
             "index_mismatch", 3},
    PgTamper{"subject_column_nulled", "UPDATE audit_records SET subject_ref = NULL WHERE seq = 9",
             "", "index_mismatch", 9},
    PgTamper{"sender_column", "UPDATE audit_records SET sender = 'cps' WHERE seq = 4", "",
             "index_mismatch", 4},
    PgTamper{"at_ms_column", "UPDATE audit_records SET at_ms = at_ms + 1 WHERE seq = 10", "",
             "index_mismatch", 10},
    PgTamper{"row_deleted", "DELETE FROM audit_records WHERE seq = 5", "", "seq_gap", 6},
    PgTamper{"checkpoint_deleted_and_tail_cut", "DELETE FROM audit_records WHERE seq >= 9", "",
             "truncated", 10},
};

// One process for all cases: each starts from its own migrated copy of a fresh spool.
TEST(AuditPgTamper, BothBackendsReportTheSameFailure) {
  for (const PgTamper& c : kTampers) {
    SCOPED_TRACE(c.name);
    AuditLog log;
    build_spool(log);
    const std::string uri = fresh_database();
    ASSERT_FALSE(uri.empty());
    migrate(log, uri);
    sqlite_exec(log.path(), c.sqlite);
    pg_rows(uri, c.pg.empty() ? c.sqlite : c.pg);

    const auto lite = verify(log.path(), log.key());
    const auto pg = verify(uri, log.key());
    ASSERT_FALSE(lite.ok()) << "SQLite: tampering went unnoticed";
    ASSERT_FALSE(pg.ok()) << "PostgreSQL: tampering went unnoticed";
    EXPECT_EQ(lite.failure->code, c.code) << lite.failure->message;
    if (c.seq != 0) {
      EXPECT_EQ(lite.failure->seq, c.seq) << lite.failure->message;
    }
    EXPECT_EQ(pg.failure->code, lite.failure->code) << pg.failure->message;
    EXPECT_EQ(pg.failure->seq, lite.failure->seq) << pg.failure->message;
    EXPECT_EQ(pg.failure->message, lite.failure->message);
    EXPECT_EQ(pg.index_mismatches, lite.index_mismatches);
    expect_readers_agree(log.path(), uri);
  }
}

TEST(AuditPgMigrate, ANonEmptyTargetIsRefusedAndLeftAsItWas) {
  AuditLog log;
  build_spool(log);
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  migrate(log, uri);
  const Rows before = pg_rows(uri, dumps()[2].pg);
  MigrateOptions o;
  o.from = log.path();
  o.to = uri;
  o.gateway_kid = log.key().kid;
  auto again = migrate_sqlite_to_pg(o);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "target_not_empty");
  EXPECT_EQ(again.error().path, "to");
  EXPECT_NE(again.error().message.find("audit_records"), std::string::npos)
      << again.error().message;
  EXPECT_EQ(pg_rows(uri, dumps()[2].pg), before);

  // A database that already has only a queued copy is not empty either.
  const std::string other = fresh_database();
  AuditLog empty_log;
  empty_log.open().reset();
  MigrateOptions first;
  first.from = empty_log.path();
  first.to = other;
  ASSERT_TRUE(migrate_sqlite_to_pg(first).ok());
  pg_rows(other,
          "INSERT INTO copies(recipient, sender, message_id, event_type, case_urn, "
          "received_at_ms, state) VALUES('cps', 'police', 'm', 't', 'c', 1, 'queued')");
  o.to = other;
  auto refused = migrate_sqlite_to_pg(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "target_not_empty");
  EXPECT_EQ(pg_rows(other, "SELECT count(*) FROM audit_records")[0][0], "0");
}

TEST(AuditPgMigrate, AnotherGatewayKeyOnTheTargetIsRefused) {
  AuditLog log;
  build_spool(log);
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  AuditLog empty_log;
  empty_log.open().reset();
  MigrateOptions bind;
  bind.from = empty_log.path();
  bind.to = uri;
  bind.gateway_kid = "0000000000000000";
  ASSERT_TRUE(migrate_sqlite_to_pg(bind).ok());
  pg_rows(uri, "UPDATE audit_head SET seq = 0");  // still empty; only the key is bound
  MigrateOptions o;
  o.from = log.path();
  o.to = uri;
  o.gateway_kid = log.key().kid;
  auto r = migrate_sqlite_to_pg(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "key_mismatch") << r.error().message;
  EXPECT_EQ(r.error().path, "to");
}

TEST(AuditPgMigrate, ASpoolInUseIsRefused) {
  AuditLog log;
  build_spool(log);
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  auto running = log.open();  // a gateway holds the spool's lock
  ASSERT_NE(running, nullptr);
  MigrateOptions o;
  o.from = log.path();
  o.to = uri;
  auto r = migrate_sqlite_to_pg(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "spool_locked") << r.error().message;
  EXPECT_EQ(r.error().path, "from");
  EXPECT_EQ(pg_rows(uri, "SELECT to_regclass('audit_records') IS NULL")[0][0], "t")
      << "nothing may be written to the target";
}

TEST(AuditPgMigrate, UnreachableOrBadTargetsAndSourcesAreClearErrors) {
  AuditLog log;
  build_spool(log);
  struct Case {
    std::string from, to, code, path, says;
  };
  const std::string nothing_listens = "postgresql://accord:secret@127.0.0.1:1/accord";
  const std::vector<Case> cases = {
      {log.path(), nothing_listens, "storage_unavailable", "to", "cannot connect"},
      {log.path(), "postgresql://[::1", "storage_unavailable", "to", "cannot connect"},
      {log.dir().file("none.db"), nothing_listens, "storage_unavailable", "from", "none.db"},
      {log.dir().file("gateway.key"), nothing_listens, "corrupt", "from", ""},
  };
  for (const auto& c : cases) {
    MigrateOptions o;
    o.from = c.from;
    o.to = c.to;
    auto r = migrate_sqlite_to_pg(o);
    ASSERT_FALSE(r.ok()) << c.from << " -> " << c.to;
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_EQ(r.error().path, c.path) << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
  }
  auto unreachable = AuditReader::open(nothing_listens);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, "storage_unavailable");
  EXPECT_EQ(unreachable.error().message.find("secret"), std::string::npos);
  // A database without a spool in it.
  const std::string bare = fresh_database();
  ASSERT_FALSE(bare.empty());
  auto no_log = AuditReader::open(bare);
  ASSERT_FALSE(no_log.ok());
  EXPECT_EQ(no_log.error().code, "schema_mismatch") << no_log.error().message;
}

// After the move, the PostgreSQL spool carries on where the file stopped: its appends continue
// the migrated chain (audit_head) and the delivery ids (the identity sequence), its checkpoint
// seals both, and the reader verifies the whole log under the one key.
TEST(AuditPgMigrate, APostgreSQLSpoolContinuesTheMigratedLogAndIds) {
  AuditLog log;
  build_spool(log);
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  const MigrateReport report = migrate(log, uri);

  PgSpoolOptions o;
  o.uri = uri;
  o.gateway_kid = log.key().kid;
  o.audit = log.audit_options();
  auto opened = open_pg_spool(o);
  ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  Spool& pg = **opened;
  auto s = AuditLog::submission("police", "after-move", kC1, "S-1", 9000);
  AuditLog::add_copy(s, "wcu", "police-wcu@1");
  auto appended =
      wait_for<Result<AppendResult>>([&](auto done) { pg.append(std::move(s), std::move(done)); });
  ASSERT_TRUE(appended.ok()) << appended.error().message;
  // A duplicate of a migrated submission is recognised: the dedup rows made the trip.
  auto again = AuditLog::submission("police", "m1", kC1, "S-1", 1000);
  AuditLog::add_copy(again, "cps", "police-cps@2");
  auto duplicate = wait_for<Result<AppendResult>>(
      [&](auto done) { pg.append(std::move(again), std::move(done)); });
  ASSERT_TRUE(duplicate.ok()) << duplicate.error().message;
  EXPECT_EQ(duplicate->outcome, AppendOutcome::duplicate);
  auto leased = wait_for<Result<std::vector<Delivery>>>([&](auto done) {
    pg.lease(LeaseRequest{"wcu", 10, 30'000, kT0 + 9500}, std::move(done));
  });
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  ASSERT_EQ(leased->size(), 2u);  // the migrated queued copy, then the new one
  EXPECT_LT(leased->front().delivery_id, report.next_delivery_id);
  EXPECT_EQ(leased->back().delivery_id, report.next_delivery_id);
  AuditLog::checkpoint(pg, kT0 + 9600);
  pg.shutdown();

  const auto verified = verify(uri, log.key());
  EXPECT_TRUE(verified.ok()) << verified.failure->code << ": " << verified.failure->message;
  // New records after the migrated ones, sealed by the new checkpoint.
  EXPECT_GT(verified.records, report.source.audit_records);
  EXPECT_EQ(verified.first_seq, 1);
  EXPECT_EQ(verified.last_seq, verified.records);
  EXPECT_EQ(verified.sealed_seq, verified.last_seq);
  EXPECT_EQ(verified.unsealed_tail, 0);
}

// The admin API's audit routes read through AuditReader::open(hooks.audit_db_path): given a
// PostgreSQL URI they answer exactly what they answer from the file, headers included.
TEST(AuditPgRoutes, AnswerTheSameFromPostgreSQL) {
  AuditLog log;
  build_spool(log);
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  migrate(log, uri);
  // A changed index column on both sides: the routes must name it in Accord-Index-Mismatch.
  const std::string forged = "UPDATE audit_records SET case_urn = 'x' WHERE seq = 3";
  sqlite_exec(log.path(), forged);
  pg_rows(uri, forged);

  server::Metrics metrics;
  auto call = [&](const std::string& location, const std::string& target) {
    api::AdminHooks hooks;
    hooks.audit_db_path = location;
    hooks.now_ms = [] { return kT0 + 50'000; };
    api::AdminHandler handler(hooks, metrics);
    server::Request request;
    request.http = server::HttpRequest{server::http::verb::get, target, 11};
    request.peer.role = server::PeerRole::auditor;
    request.peer.id = "tester";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << target;
    return answer ? *answer : server::HttpResponse{};
  };
  auto header = [](const server::HttpResponse& r, const char* name) {
    auto it = r.find(name);
    return it == r.end() ? std::string() : std::string(it->value());
  };
  for (const char* target :
       {"/v1/admin/audit/records", "/v1/admin/audit/records?limit=3&after_seq=2",
        "/v1/admin/audit/records?case_urn=urn%3Aaccord%3Acase%3Apolice%3A2",
        "/v1/admin/audit/records?kind=delivery.&sender=police",
        "/v1/admin/audit/extract?subject_ref=S-3", "/v1/admin/audit/extract?limit=4",
        "/v1/admin/audit/extract?agreement=police-cps&after_seq=4", "/v1/admin/audit/checkpoints",
        "/v1/admin/audit/head"}) {
    SCOPED_TRACE(target);
    const auto a = call(log.path(), target);
    const auto b = call(uri, target);
    EXPECT_EQ(a.result_int(), 200u) << a.body();
    EXPECT_EQ(b.result_int(), a.result_int()) << b.body();
    EXPECT_EQ(b.body(), a.body());
    for (const char* name :
         {"Accord-Next-After-Seq", "Accord-Extract-Complete", "Accord-Index-Mismatch"}) {
      EXPECT_EQ(header(b, name), header(a, name)) << name;
    }
  }
  EXPECT_EQ(header(call(uri, "/v1/admin/audit/records?case_urn=urn%3Aaccord%3Acase%3Apolice%3A2"),
                   "Accord-Index-Mismatch"),
            "3:case_urn");
  // An unreachable database is the same storage failure as a missing file.
  const auto down = call("postgresql://127.0.0.1:1/accord", "/v1/admin/audit/head");
  EXPECT_EQ(down.result_int(),
            call(log.dir().file("none.db"), "/v1/admin/audit/head").result_int());
  EXPECT_EQ(down.result_int() / 100, 5u) << down.body();
}

}  // namespace
}  // namespace accord::spool
