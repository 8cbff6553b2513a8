// The PostgreSQL spool against real servers (tests/support PgCluster: a primary and a
// synchronous streaming standby started by the test): the same answers and audit records as
// the SQLite spool for one script of operations; two spools ("two gateways") on one database
// sharing leases, per-case order and one audit chain; the durability refusals at open; a
// COMMIT the standby does not confirm; a primary failover without reopening the spool.
#include "accord/spool/pg_spool.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "accord/audit/verifier.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using accord::testing::PgCluster;
using namespace accord::spool::testing;

// Rows of a query as text, through a connection of the test's own.
std::vector<std::vector<std::string>> rows_of(const std::string& uri, const std::string& sql) {
  std::vector<std::vector<std::string>> out;
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "connect: " << PQerrorMessage(conn);
    PQfinish(conn);
    return out;
  }
  PGresult* r = PQexec(conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
  } else {
    for (int row = 0; row < PQntuples(r); ++row) {
      std::vector<std::string> cols;
      for (int c = 0; c < PQnfields(r); ++c) {
        cols.emplace_back(PQgetisnull(r, row, c) ? "NULL" : PQgetvalue(r, row, c));
      }
      out.push_back(std::move(cols));
    }
  }
  PQclear(r);
  PQfinish(conn);
  return out;
}

// Runs statements that return no rows, through a connection of the test's own.
void exec_sql(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
}

std::string code_of(const Status& s) {
  return s.ok() ? "ok" : s.error().code;
}
template <typename T>
std::string code_of(const Result<T>& r) {
  return r.ok() ? "ok" : r.error().code;
}

// A fresh database on a cluster: the shared one of this test binary unless given.
struct Database {
  std::string uri;
  static Database on(PgCluster& cluster) {
    static std::atomic<int> n{0};
    const std::string name =
        "spool_" + std::to_string(::getpid()) + "_" + std::to_string(n.fetch_add(1));
    auto made = cluster.create_database(name);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error().message);
    return Database{made.ok() ? made.value() : std::string()};
  }
};

PgCluster& shared_cluster() {
  auto c = accord::testing::shared_pg_cluster();
  // Fails (never skips) when the servers cannot start: the test needs them.
  if (!c.ok()) {
    ADD_FAILURE() << "PostgreSQL cluster did not start: " << c.error().message;
    std::abort();
  }
  return *c.value();
}

std::unique_ptr<Spool> open_pg_or_die(const PgSpoolOptions& o) {
  auto r = open_pg_spool(o);
  if (!r.ok()) {
    ADD_FAILURE() << "open_pg_spool: " << r.error().code << " " << r.error().message;
    return nullptr;
  }
  return std::move(r).value();
}

std::vector<DeadLetter> dead_letters_sync(Spool& spool, std::string recipient) {
  Completion<Result<std::vector<DeadLetter>>> c;
  spool.list_dead_letters(std::move(recipient), 100, c.handler());
  auto r = c.get();
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : std::vector<DeadLetter>{};
}

Result<std::int64_t> redrive_sync(Spool& spool, RedriveRequest req) {
  Completion<Result<std::int64_t>> c;
  spool.redrive(std::move(req), c.handler());
  return c.get();
}

// ---- one script, both backends ----------------------------------------------------------

// Runs the same operations and writes down every answer, so the two backends can be compared
// line by line.
std::vector<std::string> run_script(Spool& spool) {
  std::vector<std::string> log;
  auto note = [&](const std::string& step, const std::string& answer) {
    log.push_back(step + ": " + answer);
  };
  auto appended = [&](const Result<AppendResult>& r) {
    if (!r.ok()) return r.error().code;
    std::string s = r->outcome == AppendOutcome::stored      ? "stored"
                    : r->outcome == AppendOutcome::duplicate ? "duplicate"
                                                             : "conflict";
    s += " at " + std::to_string(r->received_at_ms) + " to";
    for (const auto& rc : r->recipients) s += " " + rc;
    return s;
  };
  auto leased = [&](const Result<std::vector<Delivery>>& r) {
    if (!r.ok()) return r.error().code;
    std::string s;
    for (const auto& d : r.value()) {
      s += "[" + std::to_string(d.delivery_id) + " " + d.message_id + " attempt " +
           std::to_string(d.attempts) + " until " + std::to_string(d.lease_expires_at_ms) +
           " payload " + (d.payload == payload_for(d.message_id, "courts") ? "ok" : "WRONG") + "]";
    }
    return s;
  };
  note("append m1", appended(append_sync(spool, make_submission("m1", {"courts", "cps"}))));
  note("append m1 again", appended(append_sync(spool, make_submission("m1", {"courts", "cps"}))));
  note("append m1 other content",
       appended(append_sync(spool, make_submission("m1", {"courts"}, "police", "h2", 5))));
  note("append m2", appended(append_sync(spool, make_submission("m2", {"courts"}))));
  note("append m3 nobody", appended(append_sync(spool, make_submission("m3", {}))));
  note("lease courts", leased(lease_sync(spool, LeaseRequest{"courts", 10, 100, 2000})));
  note("lease courts again", leased(lease_sync(spool, LeaseRequest{"courts", 10, 100, 2050})));
  note("lease courts after expiry",
       leased(lease_sync(spool, LeaseRequest{"courts", 1, 100, 2200})));
  note("ack 1", code_of(ack_sync(spool, AckRequest{"courts", 1, 2300})));
  note("ack 1 again", [&] {
    auto r = ack_sync(spool, AckRequest{"courts", 1, 2301});
    return r.ok() ? (*r == AckOutcome::already_acked ? "already_acked" : "acked") : r.error().code;
  }());
  note("ack 2 as courts (cps's copy)", code_of(ack_sync(spool, AckRequest{"courts", 2, 2302})));
  note("ack 999", code_of(ack_sync(spool, AckRequest{"courts", 999, 2303})));
  note("release 3", code_of(status_sync(spool, &Spool::release,
                                        ReleaseRequest{"courts", 3, 9000, "busy", 2400, false})));
  note("lease courts before retry",
       leased(lease_sync(spool, LeaseRequest{"courts", 10, 100, 2500})));
  note("lease courts at retry", leased(lease_sync(spool, LeaseRequest{"courts", 10, 100, 9000})));
  note("return 3", code_of(status_sync(spool, &Spool::release,
                                       ReleaseRequest{"courts", 3, 0, "stopping", 9001, true})));
  note("release 1 (acked)",
       code_of(status_sync(spool, &Spool::release, ReleaseRequest{"courts", 1, 0, "", 9002})));
  note("dead-letter 3",
       code_of(status_sync(spool, &Spool::dead_letter,
                           DeadLetterRequest{"courts", 3, "permanent_failure", "410", 9100})));
  note("dead-letter 3 again",
       code_of(status_sync(spool, &Spool::dead_letter,
                           DeadLetterRequest{"courts", 3, "expired", "", 9101})));
  note("dead-letter 2 expired",
       code_of(status_sync(spool, &Spool::dead_letter,
                           DeadLetterRequest{"cps", 2, "expired", "too old", 9102})));
  for (const auto& d : dead_letters_sync(spool, "")) {
    note("dead", std::to_string(d.delivery_id) + " " + d.recipient + " " + d.sender + " " +
                     d.message_id + " " + d.event_type + " " + d.case_urn + " " +
                     std::to_string(d.received_at_ms) + " " + std::to_string(d.attempts) + " " +
                     std::to_string(d.dead_at_ms) + " " + d.code + " " + d.detail);
  }
  note("dead courts", std::to_string(dead_letters_sync(spool, "courts").size()));
  note("redrive 3", [&] {
    auto r = redrive_sync(spool, RedriveRequest{"courts", 3, "admin", 9200});
    return r.ok() ? std::to_string(*r) : r.error().code;
  }());
  note("redrive all", [&] {
    auto r = redrive_sync(spool, RedriveRequest{"", 0, "", 9201});
    return r.ok() ? std::to_string(*r) : r.error().code;
  }());
  audit::Event refused;
  refused.kind = audit::kind::kDecisionRefused;
  refused.at_ms = 9300;
  refused.sender = "police";
  refused.message_id = "m9";
  refused.code = "not_permitted";
  refused.reason = "field \"victim.dob\" \\ not shared, é";  // quotes, backslash, UTF-8
  note("record", code_of(record_sync(spool, {refused})));
  // Array literals and JSON escaping in keys and records.
  note("append quoted id", appended(append_sync(spool, make_submission("m\"4\\{x,y}", {"cps"}))));
  note("append quoted id again",
       appended(append_sync(spool, make_submission("m\"4\\{x,y}", {"cps"}))));
  note("lease courts one per case",
       leased(lease_sync(spool, LeaseRequest{"courts", 10, 100, 9400, true})));
  const auto s = spool.stats();
  std::string counts;
  for (const auto& [r, n] : s.queued_by_recipient) counts += r + "=" + std::to_string(n) + " ";
  for (const auto& [r, n] : s.dead_by_recipient) counts += "dead " + r + "=" + std::to_string(n);
  note("stats", counts + " appended " + std::to_string(s.appended) + " audit " +
                    std::to_string(s.audit_seq));
  return log;
}

TEST(PgSpool, AnswersAndAuditRecordsAreTheSqliteSpools) {
  TempDir dir;
  auto sqlite = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(sqlite, nullptr);
  const auto expected = run_script(*sqlite);
  sqlite->shutdown();

  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto pg = open_pg_or_die(o);
  ASSERT_NE(pg, nullptr);
  const auto got = run_script(*pg);
  pg->shutdown();
  EXPECT_EQ(got, expected);

  // The audit records, byte for byte (the same delivery ids: both start at 1).
  RawDb raw(dir.file("spool.db"));
  std::vector<std::string> sqlite_records;
  {
    const auto text = raw.query("SELECT record FROM audit_records ORDER BY seq");
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      sqlite_records.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  std::vector<std::string> pg_records;
  for (const auto& row : rows_of(db.uri, "SELECT record FROM audit_records ORDER BY seq")) {
    pg_records.push_back(row[0]);
  }
  EXPECT_EQ(pg_records, sqlite_records);
  EXPECT_GT(pg_records.size(), 10u);
  // The index columns agree with the records (the PG AuditReader searches them).
  EXPECT_EQ(
      raw.query("SELECT count(*) FROM audit_records WHERE kind = 'delivery.acked'"),
      rows_of(db.uri, "SELECT count(*) FROM audit_records WHERE kind = 'delivery.acked'")[0][0]);
  EXPECT_EQ(rows_of(db.uri, "SELECT seq FROM audit_head")[0][0], std::to_string(pg_records.size()));
}

// ---- two gateways on one database --------------------------------------------------------

// A version-2 database (before delivery status) is upgraded at open: the new columns and the
// notice outbox appear, an old ack counts as acknowledged, each submission's type and case
// come from its copies. The version-2 tables are made by taking version 3's columns away.
TEST(PgSpool, VersionTwoDatabaseIsUpgraded) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  {
    auto spool = open_pg_or_die(o);
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, make_submission("old-1", {"courts", "cps"})).ok());
    auto leased = lease_sync(*spool, LeaseRequest{"courts", 1, 100, 2000});
    ASSERT_TRUE(leased.ok() && leased->size() == 1u);
    ASSERT_TRUE(ack_sync(*spool, {"courts", leased->front().delivery_id, 2001}).ok());
  }
  exec_sql(db.uri,
           "ALTER TABLE copies DROP COLUMN acknowledged_at_ms, DROP COLUMN delivered_by_channel, "
           "DROP COLUMN channel_ref, DROP COLUMN copy_hash, DROP COLUMN receipt_required, "
           "DROP COLUMN receipt_kid, DROP COLUMN receipt_sig, DROP COLUMN receipt_at_ms; "
           "ALTER TABLE submissions DROP COLUMN event_type, DROP COLUMN case_urn, "
           "DROP COLUMN withheld, DROP COLUMN status_callback; DROP TABLE status_notices; "
           "DROP INDEX copies_by_message; "
           "UPDATE accord_meta SET value = '2' WHERE key = 'schema_version'");
  auto spool = open_pg_or_die(o);
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(rows_of(db.uri, "SELECT value FROM accord_meta WHERE key = 'schema_version'")[0][0],
            "3");
  auto status = spool->message_status("police", "old-1", 2500);
  ASSERT_TRUE(status.ok() && status->has_value()) << (status.ok() ? "" : status.error().message);
  EXPECT_EQ((*status)->event_type, "hearing.scheduled");
  EXPECT_EQ((*status)->case_urn, "urn:accord:case:old-1");
  ASSERT_EQ((*status)->copies.size(), 2u);
  EXPECT_EQ((*status)->copies[0].recipient, "courts");
  EXPECT_EQ((*status)->copies[0].state, "acknowledged");
  EXPECT_EQ((*status)->copies[0].acknowledged_at_ms, 2001);
  EXPECT_EQ((*status)->copies[1].state, "queued");
  Submission s = make_submission("new-1", {"cps"});
  s.status_callback = true;
  s.withheld = {{"courts", "not_permitted", "no flow"}};
  ASSERT_TRUE(append_sync(*spool, s).ok());
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 10, 100, 3000});
  ASSERT_TRUE(leased.ok());
  for (const auto& d : *leased) {
    if (d.message_id == "new-1") {
      ASSERT_TRUE(ack_sync(*spool, {"cps", d.delivery_id, 3001}).ok());
    }
  }
  auto notices = spool->pending_status_notices(10);
  ASSERT_TRUE(notices.ok()) << notices.error().message;
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(notices->front().message_id, "new-1");
}

TEST(PgSpool, TwoGatewaysLeaseDisjointSetsAndLoseNothing) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto a = open_pg_or_die(o);
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  constexpr int kCopies = 300;
  for (int i = 0; i < kCopies; ++i) {
    Spool& via = i % 2 == 0 ? *a : *b;
    via.append(make_submission("m" + std::to_string(i), {"courts"}), [](Result<AppendResult> r) {
      EXPECT_TRUE(r.ok() && r->outcome == AppendOutcome::stored);
    });
  }
  // Both leasing at once, small leases, until neither finds anything.
  std::mutex mu;
  std::multiset<std::int64_t> handed_out;
  auto drain = [&](Spool& spool) {
    int empty_in_a_row = 0;
    while (empty_in_a_row < 3) {
      auto r = lease_sync(spool, LeaseRequest{"courts", 7, 3'600'000, 1000});
      ASSERT_TRUE(r.ok()) << r.error().message;
      empty_in_a_row = r->empty() ? empty_in_a_row + 1 : 0;
      std::lock_guard lock(mu);
      for (const auto& d : *r) handed_out.insert(d.delivery_id);
    }
  };
  // The appends are queued before the leases on each spool, but the other spool's may not be
  // committed yet: wait for them through a lease on each that sees its own appends first.
  ASSERT_TRUE(lease_sync(*a, LeaseRequest{"nobody", 1, 1, 0}).ok());
  ASSERT_TRUE(lease_sync(*b, LeaseRequest{"nobody", 1, 1, 0}).ok());
  std::thread ta([&] { drain(*a); });
  std::thread tb([&] { drain(*b); });
  ta.join();
  tb.join();
  EXPECT_EQ(handed_out.size(), static_cast<std::size_t>(kCopies));
  EXPECT_EQ(std::set<std::int64_t>(handed_out.begin(), handed_out.end()).size(),
            static_cast<std::size_t>(kCopies))
      << "a copy was leased twice";
  // Dedup across gateways: b sees a's submission.
  auto again = append_sync(*b, make_submission("m0", {"courts"}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, AppendOutcome::duplicate);
  auto other = append_sync(*a, make_submission("m1", {"courts"}, "police", "other-hash"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->outcome, AppendOutcome::conflict);
}

// The answers of appends racing on the same keys, from any thread.
struct AppendTally {
  std::atomic<int> stored{0}, duplicate{0}, failed{0}, answered{0};

  void operator()(const Result<AppendResult>& r) {
    if (!r.ok()) {
      ++failed;
    } else if (r->outcome == AppendOutcome::stored) {
      ++stored;
    } else if (r->outcome == AppendOutcome::duplicate) {
      ++duplicate;
    }
    ++answered;
  }

  // Each of `keys` keys appended once by each of two gateways: stored once, a duplicate once.
  void expect_each_key_stored_once(const std::string& uri, int keys) const {
    EXPECT_EQ(answered.load(), 2 * keys);
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(stored.load(), keys);
    EXPECT_EQ(duplicate.load(), keys);
    EXPECT_EQ(rows_of(uri, "SELECT count(*) FROM copies")[0][0], std::to_string(keys));
  }
};

TEST(PgSpool, TwoGatewaysRacingOnOneKeyStoreItOnce) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto a = open_pg_or_die(o);
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  constexpr int kKeys = 100;
  AppendTally tally;
  auto append_all = [&](Spool& spool) {
    for (int i = 0; i < kKeys; ++i)
      tally(append_sync(spool, make_submission("k" + std::to_string(i), {"courts"})));
  };
  std::thread ta([&] { append_all(*a); });
  std::thread tb([&] { append_all(*b); });
  ta.join();
  tb.join();
  tally.expect_each_key_stored_once(db.uri, kKeys);
}

// Whole batches racing in opposite key orders: the two transactions wait for each other's
// uncommitted dedup rows, PostgreSQL breaks the deadlock, and the victim's batch runs again.
TEST(PgSpool, BatchesRacingInOppositeOrdersStillStoreEachKeyOnce) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  WriterHold hold_a, hold_b;
  o.before_batch = hold_a.hook();
  auto a = open_pg_or_die(o);
  o.before_batch = hold_b.hook();
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  constexpr int kKeys = 200;
  AppendTally tally;
  auto count = [&tally](Result<AppendResult> r) { tally(r); };
  {
    // Each writer held while its whole load queues up: one batch each.
    WriterGate gate_a(*a, hold_a);
    WriterGate gate_b(*b, hold_b);
    for (int i = 0; i < kKeys; ++i) {
      a->append(make_submission("k" + std::to_string(i), {"courts"}), count);
      b->append(make_submission("k" + std::to_string(kKeys - 1 - i), {"courts"}), count);
    }
  }
  a->shutdown();
  b->shutdown();
  tally.expect_each_key_stored_once(db.uri, kKeys);
}

// A gateway that stops (or dies) with copies under lease: they come back when the lease
// expires, to whichever gateway leases next, as a redelivery.
TEST(PgSpool, LeasesOfAGoneGatewayExpireAndAreTakenOver) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto a = open_pg_or_die(o);
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(append_sync(*a, make_submission("m1", {"courts"})).ok());
  auto held = lease_sync(*a, LeaseRequest{"courts", 10, 30'000, 1000});
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  a.reset();  // gone, lease held
  auto early = lease_sync(*b, LeaseRequest{"courts", 10, 30'000, 30'999});
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  auto taken = lease_sync(*b, LeaseRequest{"courts", 10, 30'000, 31'000});
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0].delivery_id, (*held)[0].delivery_id);
  EXPECT_EQ((*taken)[0].attempts, 2);
  EXPECT_EQ(rows_of(db.uri, "SELECT kind FROM audit_records ORDER BY seq DESC LIMIT 1")[0][0],
            "delivery.redelivered");
}

Submission of_case(const std::string& id, const std::string& case_urn) {
  auto s = make_submission(id, {"courts"});
  s.case_urn = case_urn;
  return s;
}

TEST(PgSpool, OnePerCaseHoldsLaterCopiesAcrossGateways) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto a = open_pg_or_die(o);
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  for (const auto& [id, c] : std::vector<std::pair<std::string, std::string>>{
           {"a1", "A"}, {"b1", "B"}, {"a2", "A"}, {"a3", "A"}, {"b2", "B"}}) {
    ASSERT_TRUE(append_sync(*a, of_case(id, c)).ok());
  }
  auto ids = [](const Result<std::vector<Delivery>>& r) {
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& d : *r) out.push_back(d.message_id);
    }
    return out;
  };
  const LeaseRequest push{"courts", 10, 60'000, 1000, true};
  EXPECT_EQ(ids(lease_sync(*a, push)), (std::vector<std::string>{"a1", "b1"}));
  // The other gateway finds the oldest copies leased and the later ones held behind them.
  EXPECT_EQ(ids(lease_sync(*b, push)), std::vector<std::string>{});
  ASSERT_TRUE(ack_sync(*b, AckRequest{"courts", 1, 1100}).ok());  // a1, acked via b
  EXPECT_EQ(ids(lease_sync(*b, push)), (std::vector<std::string>{"a2"}));
  // A dead letter does not hold its case.
  ASSERT_TRUE(status_sync(*a, &Spool::dead_letter,
                          DeadLetterRequest{"courts", 3, "permanent_failure", "", 1200})
                  .ok());
  EXPECT_EQ(ids(lease_sync(*a, push)), (std::vector<std::string>{"a3"}));
}

TEST(PgSpool, OnePerCaseUnderConcurrentGatewaysNeverOvertakes) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto a = open_pg_or_die(o);
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  constexpr int kCases = 5;
  constexpr int kPerCase = 20;
  for (int n = 0; n < kPerCase; ++n) {
    for (int c = 0; c < kCases; ++c) {
      a->append(
          of_case("c" + std::to_string(c) + "-" + std::to_string(n), "case" + std::to_string(c)),
          [](Result<AppendResult> r) { EXPECT_TRUE(r.ok()); });
    }
  }
  ASSERT_TRUE(lease_sync(*a, LeaseRequest{"nobody", 1, 1, 0}).ok());  // the appends committed

  std::mutex mu;
  std::set<std::string> held;                              // cases under lease now
  std::map<std::string, std::vector<std::int64_t>> order;  // case → delivery ids, in ack order
  std::atomic<int> overlaps{0};
  std::atomic<int> delivered{0};
  auto deliver = [&](Spool& spool) {
    int idle = 0;
    while (idle < 5 && delivered.load() < kCases * kPerCase) {
      auto r = lease_sync(spool, LeaseRequest{"courts", 3, 3'600'000, 1000, true});
      ASSERT_TRUE(r.ok()) << r.error().message;
      idle = r->empty() ? idle + 1 : 0;
      {
        std::lock_guard lock(mu);
        for (const auto& d : *r) {
          if (!held.insert(d.case_urn).second) ++overlaps;
          order[d.case_urn].push_back(d.delivery_id);
        }
      }
      for (const auto& d : *r) {
        // Out of the held set before the ack is sent: the case's next copy may be leased
        // only once the ack has committed, which is after this.
        {
          std::lock_guard lock(mu);
          held.erase(d.case_urn);
        }
        ASSERT_TRUE(ack_sync(spool, AckRequest{"courts", d.delivery_id, 1001}).ok());
        ++delivered;
      }
    }
  };
  std::thread ta([&] { deliver(*a); });
  std::thread tb([&] { deliver(*b); });
  ta.join();
  tb.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(delivered.load(), kCases * kPerCase);
  for (const auto& [c, ids] : order) {
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kPerCase)) << c;
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << c << ": a later copy overtook";
  }
}

// ---- one audit chain for the deployment ---------------------------------------------------

struct Signed {
  TempDir dir;
  std::optional<crypto::GatewaySigner> signer;
  std::atomic<std::int64_t> clock{1'000'000};
  Signed() {
    auto s = crypto::GatewaySigner::load_or_create(dir.file("signing.key"), 1);
    EXPECT_TRUE(s.ok());
    if (s.ok()) signer.emplace(std::move(s.value()));
  }
  void apply(PgSpoolOptions& o, std::int64_t every_records) {
    o.audit.sign = [this](std::string_view bytes) { return signer->sign(bytes); };
    o.audit.now_ms = [this] { return clock.load(); };
    o.audit.checkpoint_every_records = every_records;
    o.audit.checkpoint_every_ms = 3'600'000;
  }
  // The offline verifier over the rows as SQL reads them, checkpoints after their record.
  audit::VerifyReport verify(const std::string& uri, bool require_sealed) {
    audit::VerifyOptions vo;
    vo.require_sealed = require_sealed;
    audit::Verifier v(signer->public_key(), vo);
    for (const auto& row :
         rows_of(uri,
                 "SELECT r.record, encode(r.chain, 'hex'), c.checkpoint FROM audit_records r "
                 "LEFT JOIN audit_checkpoints c ON c.seq = r.seq ORDER BY r.seq")) {
      auto chain = audit::digest_from_hex(row[1]);
      EXPECT_TRUE(chain.ok());
      v.add_record(row[0], chain.ok() ? &chain.value() : nullptr);
      if (row[2] != "NULL") {
        auto cp = audit::parse_checkpoint(row[2]);
        EXPECT_TRUE(cp.ok());
        if (cp.ok()) v.add_checkpoint(cp.value());
      }
    }
    return v.finish();
  }
};

TEST(PgSpool, TwoGatewaysWriteOneGapFreeChainThatVerifies) {
  Signed key;
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  key.apply(o, /*every_records=*/37);
  auto a = open_pg_or_die(o);
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  constexpr int kEach = 150;
  auto load = [&](Spool& spool, const std::string& prefix) {
    for (int i = 0; i < kEach; ++i) {
      auto r = append_sync(spool, make_submission(prefix + std::to_string(i), {"courts", "cps"}));
      ASSERT_TRUE(r.ok()) << r.error().message;
      if (i % 10 == 0) {
        auto l = lease_sync(spool, LeaseRequest{"courts", 3, 60'000, 1000});
        ASSERT_TRUE(l.ok());
        for (const auto& d : *l)
          ASSERT_TRUE(ack_sync(spool, AckRequest{"courts", d.delivery_id, 1001}).ok());
      }
    }
  };
  std::thread ta([&] { load(*a, "a"); });
  std::thread tb([&] { load(*b, "b"); });
  ta.join();
  tb.join();
  const auto unsealed = key.verify(db.uri, /*require_sealed=*/false);
  EXPECT_TRUE(unsealed.ok()) << unsealed.failure->code << " " << unsealed.failure->message;
  EXPECT_GE(unsealed.records, kEach * 2 * 2);  // two decision records per submission at least
  EXPECT_GE(unsealed.checkpoints, 1);          // every 37 records at the end of a transaction
  // A clean stop of the gateways seals the tail (as the SQLite spool does at shutdown).
  a->shutdown();
  b->shutdown();
  const auto sealed = key.verify(db.uri, /*require_sealed=*/true);
  EXPECT_TRUE(sealed.ok()) << sealed.failure->code << " " << sealed.failure->message;
  EXPECT_EQ(sealed.sealed_seq, sealed.last_seq);
  EXPECT_EQ(rows_of(db.uri, "SELECT seq = sealed_seq FROM audit_head")[0][0], "t");
}

TEST(PgSpool, CheckpointCallSealsAndStatsFollowTheDeployment) {
  Signed key;
  env::FakeEnv env_a, env_b;
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  key.apply(o, /*every_records=*/1'000'000);
  o.env = &env_a;
  auto a = open_pg_or_die(o);
  o.env = &env_b;
  auto b = open_pg_or_die(o);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(append_sync(*a, make_submission("m1", {"courts", "cps"})).ok());
  ASSERT_TRUE(append_sync(*a, make_submission("m2", {"courts"})).ok());
  EXPECT_EQ(a->stats().appended, 2);
  EXPECT_EQ(a->stats().queued_by_recipient,
            (std::map<std::string, std::int64_t>{{"courts", 2}, {"cps", 1}}));
  EXPECT_EQ(a->stats().audit_seq, 3);
  EXPECT_EQ(a->stats().audit_sealed_seq, 0);
  // b learns the deployment's counts when its refresh is due (a second on its clock), after
  // its next transaction; its own counters stay its own.
  env_b.advance_ms(1001);
  ASSERT_TRUE(lease_sync(*b, LeaseRequest{"nobody", 1, 1, 0}).ok());
  EXPECT_EQ(b->stats().queued_by_recipient,
            (std::map<std::string, std::int64_t>{{"courts", 2}, {"cps", 1}}));
  EXPECT_EQ(b->stats().appended, 0);
  EXPECT_EQ(b->stats().audit_seq, 3);

  Completion<Status> sealed;
  b->checkpoint(key.clock.load(), sealed.handler());
  ASSERT_TRUE(sealed.get().ok());
  EXPECT_EQ(b->stats().audit_sealed_seq, 3);
  EXPECT_EQ(rows_of(db.uri, "SELECT seq FROM audit_checkpoints")[0][0], "3");
  const auto report = key.verify(db.uri, /*require_sealed=*/true);
  EXPECT_TRUE(report.ok()) << report.failure->message;
}

// ---- what open refuses ---------------------------------------------------------------------

TEST(PgSpool, OpenRefusesAServerWithoutSynchronousStandby) {
  accord::testing::PgClusterOptions co;
  co.standby = false;
  co.synchronous = false;
  auto cluster = PgCluster::start(co);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  PgSpoolOptions o;
  o.uri = (*cluster)->uri();
  auto refused = open_pg_spool(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "not_durable");
  EXPECT_NE(refused.error().message.find("synchronous_standby_names"), std::string::npos)
      << refused.error().message;
  o.allow_async = true;  // benchmarks that say so
  auto opened = open_pg_spool(o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(append_sync(**opened, make_submission("m1", {"courts"})).ok());
}

TEST(PgSpool, OpenRefusesAnotherGatewayKey) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  o.gateway_kid = "gw-2026";
  ASSERT_TRUE(open_pg_spool(o).ok());
  EXPECT_EQ(rows_of(db.uri, "SELECT value FROM accord_meta WHERE key = 'gateway_kid'")[0][0],
            "gw-2026");
  o.gateway_kid = "gw-other";
  auto refused = open_pg_spool(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "key_mismatch");
  o.gateway_kid = "gw-2026";
  EXPECT_TRUE(open_pg_spool(o).ok());
  o.gateway_kid.clear();  // tools: not checked
  EXPECT_TRUE(open_pg_spool(o).ok());
}

TEST(PgSpool, OpenAnswersStorageUnavailableWhenNothingListens) {
  PgSpoolOptions o;
  o.uri = "postgresql://accord@127.0.0.1:1/accord";
  o.connect_timeout_s = 2;
  auto r = open_pg_spool(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage_unavailable");
}

// ---- the standby and the primary going away ------------------------------------------------

TEST(PgSpool, CommitTheStandbyDoesNotConfirmFailsAndIsNeverAcknowledged) {
  auto cluster = PgCluster::start();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  PgCluster& c = **cluster;
  env::FakeEnv env;
  PgSpoolOptions o;
  o.uri = c.uri();
  o.commit_timeout_ms = 1000;
  o.env = &env;
  auto spool = open_pg_or_die(o);
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("before", {"courts"})).ok());

  ASSERT_TRUE(c.stop_standby().ok());
  auto waiting = append_sync(*spool, make_submission("during", {"courts"}));
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code, "storage_unavailable");
  EXPECT_NE(waiting.error().message.find("synchronous standby within 1000 ms"), std::string::npos)
      << waiting.error().message;
  // Sent again while the standby is still away: committed on the primary alone, it is still
  // not acknowledged (the duplicate's transaction waits for the standby too).
  env.advance_ms(1000);
  auto again = append_sync(*spool, make_submission("during", {"courts"}));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "storage_unavailable");

  ASSERT_TRUE(c.start_standby().ok());
  env.advance_ms(1000);
  auto after = append_sync(*spool, make_submission("during", {"courts"}));
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_TRUE(after->outcome == AppendOutcome::duplicate ||
              after->outcome == AppendOutcome::stored);
  auto leased = lease_sync(*spool, LeaseRequest{"courts", 10, 60'000, 1000});
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  std::vector<std::string> ids;
  for (const auto& d : *leased) ids.push_back(d.message_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"before", "during"}));
}

TEST(PgSpool, FollowsAPromotedStandbyWithoutReopening) {
  auto cluster = PgCluster::start();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  PgCluster& c = **cluster;
  env::FakeEnv env;
  PgSpoolOptions o;
  o.uri = c.uri();  // both hosts, target_session_attrs=read-write
  o.connect_timeout_s = 2;
  o.env = &env;
  auto spool = open_pg_or_die(o);
  ASSERT_NE(spool, nullptr);
  constexpr int kBefore = 25;
  for (int i = 0; i < kBefore; ++i) {
    auto r = append_sync(*spool, make_submission("m" + std::to_string(i), {"courts", "cps"}));
    ASSERT_TRUE(r.ok() && r->outcome == AppendOutcome::stored);
  }
  ASSERT_TRUE(c.kill_primary().ok());
  auto lost = append_sync(*spool, make_submission("while-down", {"courts"}));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, "storage_unavailable");
  // The next batch tries to reconnect at once and fails (no read-write server yet); batches
  // within reconnect_interval_ms of that attempt fail at once without trying.
  auto retried = append_sync(*spool, make_submission("while-down", {"courts"}));
  ASSERT_FALSE(retried.ok());
  auto fast = append_sync(*spool, make_submission("while-down", {"courts"}));
  ASSERT_FALSE(fast.ok());
  EXPECT_EQ(fast.error().code, "storage_unavailable");
  EXPECT_NE(fast.error().message.find("retrying every 500 ms"), std::string::npos)
      << fast.error().message;
  ASSERT_TRUE(c.promote_standby().ok());
  // Reconnects on its own (no more often than reconnect_interval_ms on its clock).
  Result<AppendResult> back = make_error("storage_unavailable", "not tried");
  for (int attempt = 0; attempt < 20 && !back.ok(); ++attempt) {
    env.advance_ms(o.reconnect_interval_ms);
    back = append_sync(*spool, make_submission("after", {"courts"}));
  }
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->outcome, AppendOutcome::stored);
  // Every copy acknowledged before the kill is there.
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 1000, 60'000, 1000});
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  std::set<std::string> ids;
  for (const auto& d : *leased) ids.insert(d.message_id);
  for (int i = 0; i < kBefore; ++i) EXPECT_EQ(ids.count("m" + std::to_string(i)), 1u) << i;
  // The never-acknowledged submission may or may not be there; a resend settles it.
  auto resent = append_sync(*spool, make_submission("while-down", {"courts"}));
  ASSERT_TRUE(resent.ok()) << resent.error().message;
}

TEST(PgSpool, ShutdownDrainsThenRefuses) {
  const Database db = Database::on(shared_cluster());
  PgSpoolOptions o;
  o.uri = db.uri;
  auto spool = open_pg_or_die(o);
  ASSERT_NE(spool, nullptr);
  std::atomic<int> stored{0};
  for (int i = 0; i < 50; ++i) {
    spool->append(make_submission("m" + std::to_string(i), {"courts"}),
                  [&](Result<AppendResult> r) { stored += r.ok() ? 1 : 0; });
  }
  spool->shutdown();
  EXPECT_EQ(stored.load(), 50);
  EXPECT_EQ(rows_of(db.uri, "SELECT count(*) FROM copies")[0][0], "50");
  auto refused = append_sync(*spool, make_submission("late", {"courts"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "shutting_down");
  spool->shutdown();  // idempotent
}

}  // namespace
}  // namespace accord::spool
