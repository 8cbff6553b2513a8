#include "pg_store.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <utility>

#include "accord/core/time_format.hpp"
#include "store.hpp"

namespace accord::spool::detail {
namespace {

// Statements prepared once per connection, by name.
struct Prepared {
  const char* name;
  const char* sql;
};

constexpr const char* kFindSubmission = "accord_find_submission";
constexpr const char* kLease = "accord_lease";
constexpr const char* kLeasePerCase = "accord_lease_per_case";
constexpr const char* kLockHead = "accord_lock_head";
constexpr const char* kUpdateHead = "accord_update_head";
constexpr const char* kInsertCheckpoint = "accord_insert_checkpoint";

// Leases mark the picked rows in the statement that picks them. FOR UPDATE SKIP LOCKED: rows
// another gateway's transaction holds are passed over, never waited for, so gateways serving
// one recipient take disjoint sets. The returned attempts already count this lease.
#define ACCORD_LEASE_RETURNING                                                         \
  " RETURNING c.id, c.sender, c.message_id, c.event_type, c.case_urn, c.subject_ref, " \
  "c.received_at_ms, c.attempts, c.payload"

constexpr Prepared kPrepared[] = {
    // The first submission's facts for a duplicate or conflict. An UPDATE, not a SELECT: the
    // row may have been committed on the primary alone (a COMMIT cancelled when the standby
    // was away), and only a transaction that writes WAL waits for the standby at COMMIT (a
    // transaction id alone writes none). Rewriting the row makes this transaction's COMMIT
    // wait, and the standby then holds everything committed before it, that row included.
    {kFindSubmission,
     "UPDATE submissions SET content_hash = content_hash WHERE sender = $1 AND message_id = $2 "
     "RETURNING content_hash, received_at_ms, recipients"},
    // Pull (mailbox): the recipient's leasable copies in id order (partial index
    // copies_pending).
    {kLease,
     "WITH picked AS (SELECT id FROM copies WHERE recipient = $1 "
     "AND state IN ('queued', 'leased') AND lease_expires_at_ms <= $2 ORDER BY id LIMIT $3 "
     "FOR UPDATE SKIP LOCKED) "
     "UPDATE copies c SET state = 'leased', attempts = c.attempts + 1, "
     "lease_expires_at_ms = $4 FROM picked WHERE c.id = picked.id" ACCORD_LEASE_RETURNING},
    // Push: only the oldest pending copy of each case, and only if leasable. The NOT EXISTS
    // reads the snapshot, where a copy another gateway is leasing right now is still pending:
    // the later copy waits (a later update never overtakes an earlier one).
    {kLeasePerCase,
     "WITH picked AS (SELECT p.id FROM copies p WHERE p.recipient = $1 "
     "AND p.state IN ('queued', 'leased') AND p.lease_expires_at_ms <= $2 "
     "AND NOT EXISTS (SELECT 1 FROM copies e WHERE e.recipient = $1 "
     "AND e.case_urn = p.case_urn AND e.state IN ('queued', 'leased') AND e.id < p.id) "
     "ORDER BY p.id LIMIT $3 FOR UPDATE OF p SKIP LOCKED) "
     "UPDATE copies c SET state = 'leased', attempts = c.attempts + 1, "
     "lease_expires_at_ms = $4 FROM picked WHERE c.id = picked.id" ACCORD_LEASE_RETURNING},
    // Taken last in every transaction that writes audit records (see pg_store.hpp).
    {kLockHead, "SELECT seq, chain, sealed_seq, sealed_at_ms FROM audit_head FOR UPDATE"},
    {kUpdateHead, "UPDATE audit_head SET seq = $1, chain = $2, sealed_seq = $3, sealed_at_ms = $4"},
    {kInsertCheckpoint, "INSERT INTO audit_checkpoints(seq, at_ms, checkpoint) VALUES($1, $2, $3)"},
};

#undef ACCORD_LEASE_RETURNING

// Copy counts whose INSERT INTO copies is prepared (one statement per count, per connection).
constexpr std::size_t kPreparedCopyCounts = 32;
// Copies per multi-row INSERT: PostgreSQL takes at most 65535 parameters per statement.
constexpr std::size_t kCopiesPerInsert = 1000;  // 4 parameters each, plus 6 shared

constexpr const char* kCopyFactsColumns =
    "recipient, state, sender, message_id, event_type, case_urn, subject_ref, received_at_ms, "
    "attempts, acknowledged_at_ms, copy_hash";

// The kCopyFactsColumns of `row`, starting at column `first`.
CopyRow copy_facts(const PgResult& r, int row, int first = 0) {
  CopyRow f;
  f.recipient = r.text(row, first);
  f.state = r.text(row, first + 1);
  f.sender = r.text(row, first + 2);
  f.message_id = r.text(row, first + 3);
  f.event_type = r.text(row, first + 4);
  f.case_urn = r.text(row, first + 5);
  f.subject_ref = r.text(row, first + 6);
  f.received_at_ms = r.int64(row, first + 7);
  f.attempts = static_cast<int>(r.int64(row, first + 8));
  f.acknowledged = !r.is_null(row, first + 9);
  f.copy_hash = r.text(row, first + 10);
  return f;
}

// A SQLite statement text shared through store.hpp, its ?N placeholders as PostgreSQL's $N.
std::string pg_sql(std::string_view sqlite) {
  std::string out(sqlite);
  std::replace(out.begin(), out.end(), '?', '$');
  return out;
}

// Owns the text of numeric parameters for as long as the PgParam views are used.
class ParamText {
 public:
  PgParam number(std::int64_t v) {
    texts_.push_back(std::to_string(v));
    return PgParam::text(texts_.back());
  }

 private:
  std::deque<std::string> texts_;  // a deque: growing never moves what views point into
};

std::string_view digest_view(const audit::Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// A PostgreSQL array literal ("{...}") built element by element, for unnest() and ANY().
class ArrayText {
 public:
  void number(std::int64_t v) { next() += std::to_string(v); }
  void text(std::string_view v) {
    std::string& out = next();
    out += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  void text_or_null(std::string_view v) {
    if (v.empty()) {
      next() += "NULL";
    } else {
      text(v);
    }
  }
  // bytea's hex input form, "\\x<hex>", its backslash escaped inside the quoted element.
  void bytea(const audit::Digest& d) { next() += "\"\\\\x" + audit::to_hex(d) + '"'; }
  const std::string& done() {
    out_ += '}';
    return out_;
  }

 private:
  std::string& next() {
    out_ += out_.size() > 1 ? "," : "";
    return out_;
  }
  std::string out_ = "{";
};

}  // namespace

Result<PgStore> PgStore::prepare(PgConnection db, const PgStoreOptions& options) {
  PgStore st;
  st.db_ = std::move(db);
  st.options_ = options;
  for (const auto& p : kPrepared) {
    PgResult r(PQprepare(st.db_.get(), p.name, p.sql, 0, nullptr));
    const auto status = r.get() != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK) {
      return pg_error(st.db_.get(), r.get(), std::string("prepare ") + p.name);
    }
  }
  return st;
}

void PgStore::note_fault(PgFault fault) {
  // The worst fault of the transaction decides what happens to the connection: a lost or
  // timed-out connection stays the verdict whatever fails after it.
  if (fault != PgFault::none && fault_ != PgFault::connection && fault_ != PgFault::timed_out) {
    fault_ = fault;
  }
}

Result<PgResult> PgStore::run_until(std::string_view sql, const std::vector<PgParam>& params,
                                    std::string_view what, PgDeadline deadline) {
  auto call = pg_call(db_.get(), sql, params, deadline, what, /*prepared=*/false);
  note_fault(call.fault);
  return std::move(call.result);
}

Result<PgResult> PgStore::run(std::string_view sql, const std::vector<PgParam>& params,
                              std::string_view what, bool prepared) {
  auto call =
      pg_call(db_.get(), sql, params, std::chrono::steady_clock::now() + options_.statement_timeout,
              what, prepared);
  note_fault(call.fault);
  return std::move(call.result);
}

Result<PgResult> PgStore::run_named(const std::string& name, std::string_view sql,
                                    const std::vector<PgParam>& params, std::string_view what) {
  if (!prepared_.contains(name)) {
    auto made = pg_prepare(db_.get(), name, sql,
                           std::chrono::steady_clock::now() + options_.statement_timeout, what);
    note_fault(made.fault);
    if (!made.result.ok()) return made.result.error();
    prepared_.insert(name);  // a session's prepared statements outlive its transactions
  }
  return run(name, params, what, /*prepared=*/true);
}

Status PgStore::begin() {
  pending_.clear();
  inserted_up_front_.clear();
  ledger_written_.clear();
  stores_key_.clear();
  checkpoint_requested_at_.reset();
  fault_ = PgFault::none;
  auto r = run("BEGIN", {}, "BEGIN");
  if (!r.ok()) return r.error();
  return Status::Ok();
}

Status PgStore::take_batch_locks(const std::vector<const PreparedAppend*>& appends,
                                 const std::vector<std::int64_t>& copy_ids) {
  if (!appends.empty()) {
    if (auto s = insert_submissions(appends); !s.ok()) return s;
  }
  if (!copy_ids.empty()) {
    ArrayText list;
    for (const auto id : copy_ids) list.number(id);
    auto r = run_named("accord_lock_copies",
                       "SELECT id FROM copies WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
                       {PgParam::text(list.done())}, "lock copies");
    if (!r.ok()) return r.error();
  }
  std::vector<const PreparedAppend*> stored;
  for (const PreparedAppend* p : appends) {
    const auto it = stores_key_.find({p->submission.sender, p->submission.message_id});
    if (it != stores_key_.end() && it->second == p) stored.push_back(p);
  }
  return upsert_subject_state(stored);
}

Status PgStore::upsert_subject_state(const std::vector<const PreparedAppend*>& stored) {
  // One row per key, the latest receipt winning (queue order breaks a tie), in key order: two
  // gateways' batches wait for each other's ledger rows in the same order.
  struct Row {
    const SubjectFact* fact;
    const Submission* sub;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Row> rows;
  for (const PreparedAppend* p : stored) {
    ledger_written_.insert(p);
    for (const SubjectFact& f : p->ledger) {
      const Row row{&f, &p->submission};
      auto [it, fresh] = rows.try_emplace({p->submission.subject_ref, f.agency, f.name}, row);
      if (!fresh && it->second.sub->received_at_ms <= p->submission.received_at_ms) {
        it->second = row;
      }
    }
  }
  if (rows.empty()) return Status::Ok();
  ArrayText subjects, agencies, names, values, at, senders, message_ids;
  for (const auto& [key, row] : rows) {
    subjects.text(std::get<0>(key));
    agencies.text(std::get<1>(key));
    names.text(std::get<2>(key));
    values.text(row.fact->value);
    at.number(row.sub->received_at_ms);
    senders.text(row.sub->sender);
    message_ids.text(row.sub->message_id);
  }
  auto r = run_named(
      "accord_upsert_subject_state",
      "INSERT INTO subject_state(subject_ref, agency, name, value, at_ms, sender, message_id) "
      "SELECT s, a, n, v, t, f, m FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      "$5::bigint[], $6::text[], $7::text[]) WITH ORDINALITY AS u(s, a, n, v, t, f, m, ord) "
      "ORDER BY ord ON CONFLICT (subject_ref, agency, name) DO UPDATE SET value = "
      "excluded.value, at_ms = excluded.at_ms, sender = excluded.sender, message_id = "
      "excluded.message_id WHERE excluded.at_ms >= subject_state.at_ms",
      {PgParam::text(subjects.done()), PgParam::text(agencies.done()), PgParam::text(names.done()),
       PgParam::text(values.done()), PgParam::text(at.done()), PgParam::text(senders.done()),
       PgParam::text(message_ids.done())},
      "upsert subject state");
  if (!r.ok()) return r.error();
  return Status::Ok();
}

Result<std::optional<CopyFacts>> read_copy_facts(PgConnection& db, const std::string& recipient,
                                                 std::int64_t delivery_id) {
  const std::string id = std::to_string(delivery_id);
  auto r = db.exec_params(pg_sql(kCopyFactsSql), {PgParam::text(id)}, "copy facts");
  if (!r.ok()) return r.error();
  if (r->rows() == 0 || r->text(0, 1) != recipient) return std::optional<CopyFacts>();
  CopyFacts f;
  f.delivery_id = r->int64(0, 0);
  f.recipient = r->text(0, 1);
  f.sender = r->text(0, 2);
  f.message_id = r->text(0, 3);
  f.copy_hash = r->text(0, 4);
  f.receipt_required = r->int64(0, 5) != 0;
  f.acknowledged = r->text(0, 6) == "t";
  f.state = r->text(0, 7);
  return std::optional<CopyFacts>(std::move(f));
}

Result<std::optional<MessageStatus>> read_message_status(PgConnection& db,
                                                         const std::string& sender,
                                                         const std::string& message_id,
                                                         std::int64_t now_ms) {
  // One snapshot: the submission and its copies as of one commit.
  if (auto s = db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin status read");
      !s.ok()) {
    return s.error();
  }
  auto read = [&]() -> Result<std::optional<MessageStatus>> {
    auto sub =
        db.exec_params(pg_sql(kStatusSubmissionSql),
                       {PgParam::text(sender), PgParam::text(message_id)}, "status submission");
    if (!sub.ok()) return sub.error();
    if (sub->rows() == 0) return std::optional<MessageStatus>();
    MessageStatus m;
    m.sender = sender;
    m.message_id = message_id;
    m.event_type = sub->text(0, 0);
    m.case_urn = sub->text(0, 1);
    m.received_at_ms = sub->int64(0, 2);
    m.withheld = decode_withheld(sub->text(0, 3));
    std::stable_sort(m.withheld.begin(), m.withheld.end(),
                     [](const WithheldRecipient& a, const WithheldRecipient& b) {
                       return a.recipient < b.recipient;
                     });
    // COLLATE "C": byte order, as SQLite sorts.
    auto copies =
        db.exec_params(std::string("SELECT ") + kCopyStatusColumns +
                           " FROM copies WHERE sender = $1 AND message_id = $2 "
                           "ORDER BY recipient COLLATE \"C\", id",
                       {PgParam::text(sender), PgParam::text(message_id)}, "status copies");
    if (!copies.ok()) return copies.error();
    for (int row = 0; row < copies->rows(); ++row) {
      const StatusColumns columns{[&copies, row](int i) -> std::optional<std::int64_t> {
                                    if (copies->is_null(row, i)) return std::nullopt;
                                    return copies->int64(row, i);
                                  },
                                  [&copies, row](int i) -> std::optional<std::string> {
                                    if (copies->is_null(row, i)) return std::nullopt;
                                    return copies->text(row, i);
                                  }};
      m.copies.push_back(copy_status_from(columns, now_ms));
    }
    return std::optional<MessageStatus>(std::move(m));
  };
  auto out = read();
  (void)db.exec(out.ok() ? "COMMIT" : "ROLLBACK", "end status read");
  return out;
}

Result<std::vector<StatusNotice>> read_status_notices(PgConnection& db, std::size_t limit) {
  const std::string n =
      std::to_string(std::min<std::size_t>(limit, std::numeric_limits<std::int32_t>::max()));
  auto r = db.exec_params(pg_sql(kPendingNoticesSql), {PgParam::text(n)}, "status notices");
  if (!r.ok()) return r.error();
  std::vector<StatusNotice> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.push_back({r->int64(row, 0), r->text(row, 1), r->text(row, 2), r->text(row, 3),
                   r->text(row, 4), r->int64(row, 5), r->int64(row, 6)});
  }
  return out;
}

Result<std::vector<SubjectStateRow>> read_subject_state(PgConnection& db,
                                                        const std::string& subject_ref) {
  auto r = db.exec_params(
      "SELECT agency, name, value, at_ms, sender, message_id FROM subject_state "
      "WHERE subject_ref = $1 ORDER BY agency, name",
      {PgParam::text(subject_ref)}, "read subject state");
  if (!r.ok()) return r.error();
  std::vector<SubjectStateRow> rows;
  rows.reserve(static_cast<std::size_t>(r->rows()));
  for (int row = 0; row < r->rows(); ++row) {
    rows.push_back({r->text(row, 0), r->text(row, 1), r->text(row, 2), r->int64(row, 3),
                    r->text(row, 4), r->text(row, 5)});
  }
  return rows;
}

Status PgStore::insert_submissions(const std::vector<const PreparedAppend*>& appends) {
  ArrayText senders, message_ids, hashes, received, recipients, types, cases, withheld, callbacks;
  for (const PreparedAppend* p : appends) {
    const Submission& sub = p->submission;
    senders.text(sub.sender);
    message_ids.text(sub.message_id);
    hashes.text(sub.content_hash);
    received.number(sub.received_at_ms);
    recipients.text(encode_recipients(sub.copies));
    types.text(sub.event_type);
    cases.text(sub.case_urn);
    withheld.text(encode_withheld(sub.withheld));
    callbacks.number(sub.status_callback ? 1 : 0);
    inserted_up_front_.insert(p);
  }
  // The first INSERT of a key wins, across gateways; a racing one waits for it to commit or
  // roll back, then stores nothing. Rows go in (sender, message_id) order, so two gateways
  // wait for each other's keys in the same order: no deadlock. The same key twice in the
  // batch: the first in queue order (ord) is inserted, the second does nothing.
  auto r = run_named(
      "accord_insert_submissions",
      "INSERT INTO submissions(sender, message_id, content_hash, received_at_ms, recipients, "
      "event_type, case_urn, withheld, status_callback) "
      "SELECT s, m, h, r, rc, et, cu, wh, cb FROM unnest($1::text[], $2::text[], $3::text[], "
      "$4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[]) "
      "WITH ORDINALITY AS u(s, m, h, r, rc, et, cu, wh, cb, ord) ORDER BY s, m, ord "
      "ON CONFLICT (sender, message_id) DO NOTHING RETURNING sender, message_id",
      {PgParam::text(senders.done()), PgParam::text(message_ids.done()),
       PgParam::text(hashes.done()), PgParam::text(received.done()),
       PgParam::text(recipients.done()), PgParam::text(types.done()), PgParam::text(cases.done()),
       PgParam::text(withheld.done()), PgParam::text(callbacks.done())},
      "insert submissions");
  if (!r.ok()) return r.error();
  std::set<std::pair<std::string, std::string>> inserted;
  for (int row = 0; row < r->rows(); ++row) inserted.emplace(r->text(row, 0), r->text(row, 1));
  for (const PreparedAppend* p : appends) {
    auto key = std::make_pair(p->submission.sender, p->submission.message_id);
    if (inserted.contains(key)) stores_key_.emplace(std::move(key), p);  // keeps the first
  }
  return Status::Ok();
}

Status PgStore::commit() {
  auto r =
      run_until("COMMIT", {}, "COMMIT", std::chrono::steady_clock::now() + options_.commit_timeout);
  if (!r.ok()) {
    if (fault_ == PgFault::timed_out) {
      return make_error("storage_unavailable",
                        "commit not confirmed by the synchronous standby within " +
                            std::to_string(options_.commit_timeout.count()) + " ms");
    }
    // COMMIT's outcome is unknown when the connection broke: never a success.
    if (fault_ == PgFault::none || fault_ == PgFault::statement) fault_ = PgFault::statement;
    return r.error();
  }
  return Status::Ok();
}

void PgStore::rollback() {
  pending_.clear();
  inserted_up_front_.clear();
  ledger_written_.clear();
  stores_key_.clear();
  checkpoint_requested_at_.reset();
  if (fault_ == PgFault::connection || fault_ == PgFault::timed_out) return;
  const PgFault before = fault_;
  auto r = run("ROLLBACK", {}, "ROLLBACK");
  if (!r.ok()) {
    fault_ = PgFault::connection;  // a connection that cannot roll back is not reused
    return;
  }
  fault_ = before;
}

void PgStore::queue_record(const audit::Event& event, audit::RecordTemplate record,
                           std::int64_t delivery_id) {
  PendingRecord p;
  p.index.kind = event.kind;
  p.index.at_ms = event.at_ms;
  p.index.sender = event.sender;
  p.index.recipient = event.recipient;
  p.index.agreement = event.agreement;
  p.index.case_urn = event.case_urn;
  p.index.subject_ref = event.subject_ref;
  p.index.message_id = event.message_id;
  p.record = std::move(record);
  p.delivery_id = delivery_id;
  pending_.push_back(std::move(p));
}

Status PgStore::record(const audit::Event& event) {
  if (!options_.audit_enabled) return Status::Ok();
  // render(make_template(e), seq, e.delivery_id) == encode_record(seq, e) (event.hpp).
  queue_record(event, audit::make_template(event), event.delivery_id);
  return Status::Ok();
}

Status PgStore::finish_audit(const CheckpointPolicy& policy) {
  if (!options_.audit_enabled) return Status::Ok();
  const bool can_sign = policy.sign != nullptr && static_cast<bool>(*policy.sign);
  // Without records, lock the head only when a checkpoint may be due by what we last saw.
  const bool maybe_due =
      can_sign &&
      (checkpoint_requested_at_ || policy.force ||
       (head_.seq > head_.sealed_seq &&
        policy.now_ms - std::max(head_.sealed_at_ms, policy.not_before_ms) >= policy.every_ms));
  if (pending_.empty() && !maybe_due) return Status::Ok();

  auto locked = run(kLockHead, {}, "lock audit_head", /*prepared=*/true);
  if (!locked.ok()) return locked.error();
  if (locked->rows() != 1) return make_error("corrupt", "audit_head does not hold one row");
  std::int64_t seq = locked->int64(0, 0);
  const std::string chain_bytes = locked->bytes(0, 1);
  audit::Digest chain{};
  if (chain_bytes.size() != chain.size()) {
    return make_error("corrupt", "audit_head holds a chain value of the wrong size");
  }
  std::copy(chain_bytes.begin(), chain_bytes.end(), chain.begin());
  std::int64_t sealed_seq = locked->int64(0, 2);
  std::int64_t sealed_at_ms = locked->int64(0, 3);

  // The records, numbered from the head, in one prepared INSERT ... SELECT FROM unnest(one
  // array per column): one statement however many records.
  ArrayText seqs, ats, kinds, senders, recipients, agreements, cases, subjects, messages, records,
      chains;
  for (const PendingRecord& p : pending_) {
    ++seq;
    const std::string record = audit::render(p.record, seq, p.delivery_id);
    chain = audit::chain_next(chain, audit::record_digest(record));
    seqs.number(seq);
    ats.number(p.index.at_ms);
    kinds.text(p.index.kind);
    senders.text_or_null(p.index.sender);
    recipients.text_or_null(p.index.recipient);
    agreements.text_or_null(p.index.agreement);
    cases.text_or_null(p.index.case_urn);
    subjects.text_or_null(p.index.subject_ref);
    messages.text_or_null(p.index.message_id);
    records.text(record);
    chains.bytea(chain);
  }
  auto inserted = run_named(
      "accord_insert_audit",
      "INSERT INTO audit_records(seq, at_ms, kind, sender, recipient, agreement, case_urn, "
      "subject_ref, message_id, record, chain) SELECT * FROM unnest($1::bigint[], "
      "$2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
      "$9::text[], $10::text[], $11::bytea[])",
      {PgParam::text(seqs.done()), PgParam::text(ats.done()), PgParam::text(kinds.done()),
       PgParam::text(senders.done()), PgParam::text(recipients.done()),
       PgParam::text(agreements.done()), PgParam::text(cases.done()),
       PgParam::text(subjects.done()), PgParam::text(messages.done()),
       PgParam::text(records.done()), PgParam::text(chains.done())},
      "insert audit records");
  if (!inserted.ok()) return inserted.error();
  pending_.clear();

  // The deployment's checkpoint cadence: judged on audit_head, whichever gateway sealed last.
  const std::int64_t unsealed = seq - sealed_seq;
  const std::int64_t since = policy.now_ms - std::max(sealed_at_ms, policy.not_before_ms);
  const bool due = can_sign && unsealed > 0 &&
                   (policy.force || checkpoint_requested_at_.has_value() ||
                    unsealed >= policy.every_records || since >= policy.every_ms);
  ParamText numbers;
  if (due) {
    const std::int64_t at = checkpoint_requested_at_.value_or(policy.now_ms);
    const std::string text =
        audit::encode_checkpoint(audit::make_checkpoint(seq, chain, at, *policy.sign));
    auto written =
        run(kInsertCheckpoint, {numbers.number(seq), numbers.number(at), PgParam::text(text)},
            "insert audit checkpoint", /*prepared=*/true);
    if (!written.ok()) return written.error();
    sealed_seq = seq;
    sealed_at_ms = at;
  }
  checkpoint_requested_at_.reset();
  auto updated = run(kUpdateHead,
                     {numbers.number(seq), PgParam::bytes(digest_view(chain)),
                      numbers.number(sealed_seq), numbers.number(sealed_at_ms)},
                     "update audit_head", /*prepared=*/true);
  if (!updated.ok()) return updated.error();
  head_ = PgAuditHead{seq, sealed_seq, sealed_at_ms};
  return Status::Ok();
}

namespace {

// The copies [first, last) as the rows of a VALUES list after the six shared parameters
// ($1 sender, $2 message_id, $3 event_type, $4 case_urn, $5 subject_ref, $6 received_at_ms).
std::string copy_rows(const Submission& sub, std::size_t first, std::size_t last,
                      std::vector<PgParam>& params) {
  std::string rows;
  for (std::size_t i = first; i < last; ++i) {
    const std::size_t r = params.size() + 1;
    rows += (i == first ? "(" : ",(");
    rows += "$" + std::to_string(r) + "::text,$" + std::to_string(r + 1) + "::bytea,$" +
            std::to_string(r + 2) + "::text,$" + std::to_string(r + 3) + "::int)";
    params.push_back(PgParam::text(sub.copies[i].recipient));
    params.push_back(PgParam::bytes(sub.copies[i].payload));
    params.push_back(PgParam::text(sub.copies[i].copy_hash));
    params.push_back(PgParam::text(sub.copies[i].receipt_required ? "1" : "0"));
  }
  return rows;
}

constexpr const char* kInsertCopiesFrom =
    "INSERT INTO copies(recipient, sender, message_id, event_type, case_urn, subject_ref, "
    "received_at_ms, state, attempts, lease_expires_at_ms, payload, copy_hash, receipt_required) "
    "SELECT v.r, $1, $2, $3, $4, $5, $6::bigint, 'queued', 0, 0, v.p, v.h, v.q FROM (VALUES ";

}  // namespace

Result<std::vector<std::int64_t>> PgStore::insert_copies(const Submission& sub) {
  ParamText numbers;
  std::vector<std::int64_t> delivery_ids;
  delivery_ids.reserve(sub.copies.size());
  for (std::size_t first = 0; first < sub.copies.size(); first += kCopiesPerInsert) {
    const std::size_t last = std::min(sub.copies.size(), first + kCopiesPerInsert);
    std::vector<PgParam> params = {
        PgParam::text(sub.sender),      PgParam::text(sub.message_id),
        PgParam::text(sub.event_type),  PgParam::text(sub.case_urn),
        PgParam::text(sub.subject_ref), numbers.number(sub.received_at_ms)};
    const std::string sql = std::string(kInsertCopiesFrom) + copy_rows(sub, first, last, params) +
                            ") AS v(r, p, h, q) RETURNING id";
    // Prepared per copy count (up to kPreparedCopyCounts), once per connection.
    const std::size_t n = last - first;
    auto ids = n <= kPreparedCopyCounts ? run_named("accord_insert_copies_" + std::to_string(n),
                                                    sql, params, "insert copies")
                                        : run(sql, params, "insert copies");
    if (!ids.ok()) return ids.error();
    // The identity values are drawn row by row in VALUES order: ascending ids are the copies
    // in order.
    std::vector<std::int64_t> chunk;
    for (int row = 0; row < ids->rows(); ++row) chunk.push_back(ids->int64(row, 0));
    std::sort(chunk.begin(), chunk.end());
    delivery_ids.insert(delivery_ids.end(), chunk.begin(), chunk.end());
  }
  if (delivery_ids.size() != sub.copies.size()) {
    return make_error("storage_unavailable", "insert copies returned the wrong number of ids");
  }
  return delivery_ids;
}

Result<AppendResult> PgStore::append(const PreparedAppend& prepared, BatchDelta& delta) {
  const Submission& sub = prepared.submission;
  // Normally done for the whole batch by take_batch_locks(); alone here otherwise.
  if (!inserted_up_front_.contains(&prepared)) {
    if (auto s = insert_submissions({&prepared}); !s.ok()) return s.error();
  }
  const auto stores = stores_key_.find(std::make_pair(sub.sender, sub.message_id));
  if (stores == stores_key_.end() || stores->second != &prepared) {
    auto found = run(kFindSubmission, {PgParam::text(sub.sender), PgParam::text(sub.message_id)},
                     "find submission", /*prepared=*/true);
    if (!found.ok()) return found.error();
    if (found->rows() != 1) {
      return make_error("storage_unavailable", "submission " + sub.sender + "/" + sub.message_id +
                                                   " conflicted but cannot be read");
    }
    AppendResult first;
    first.outcome =
        found->text(0, 0) == sub.content_hash ? AppendOutcome::duplicate : AppendOutcome::conflict;
    first.received_at_ms = found->int64(0, 1);
    first.recipients = decode_recipients(found->text(0, 2));
    return first;
  }
  // Normally written for the whole batch by take_batch_locks(); alone here otherwise.
  if (!ledger_written_.contains(&prepared)) {
    if (auto s = upsert_subject_state({&prepared}); !s.ok()) return s.error();
  }
  auto inserted_ids = insert_copies(sub);
  if (!inserted_ids.ok()) return inserted_ids.error();
  const std::vector<std::int64_t>& delivery_ids = *inserted_ids;
  for (const Copy& copy : sub.copies) ++delta.queued_by_recipient[copy.recipient];
  for (std::size_t i = 0; options_.audit_enabled && i < sub.records.size(); ++i) {
    const auto& of_copy = sub.records[i].delivery_id_of_copy;
    const std::int64_t delivery_id =
        of_copy && *of_copy < delivery_ids.size() ? delivery_ids[*of_copy] : 0;
    queue_record(sub.records[i].event, prepared.records[i], delivery_id);
  }
  ++delta.appended;
  AppendResult stored;
  stored.outcome = AppendOutcome::stored;
  stored.received_at_ms = sub.received_at_ms;
  stored.recipients.reserve(sub.copies.size());
  for (const auto& c : sub.copies) stored.recipients.push_back(c.recipient);
  return stored;
}

Result<std::vector<Delivery>> PgStore::lease(const LeaseRequest& req) {
  const auto limit = static_cast<std::int64_t>(
      std::min<std::size_t>(req.max_items, std::numeric_limits<std::int32_t>::max()));
  const std::int64_t expires = req.now_ms + req.lease_ms;
  ParamText numbers;
  auto r = run(req.one_per_case ? kLeasePerCase : kLease,
               {PgParam::text(req.recipient), numbers.number(req.now_ms), numbers.number(limit),
                numbers.number(expires)},
               "lease", /*prepared=*/true);
  if (!r.ok()) return r.error();
  std::vector<Delivery> out;
  out.reserve(static_cast<std::size_t>(r->rows()));
  for (int row = 0; row < r->rows(); ++row) {
    Delivery d;
    d.delivery_id = r->int64(row, 0);
    d.sender = r->text(row, 1);
    d.message_id = r->text(row, 2);
    d.event_type = r->text(row, 3);
    d.case_urn = r->text(row, 4);
    d.subject_ref = r->text(row, 5);
    d.received_at_ms = r->int64(row, 6);
    d.attempts = static_cast<int>(r->int64(row, 7));
    d.lease_expires_at_ms = expires;
    d.payload = r->bytes(row, 8);
    out.push_back(std::move(d));
  }
  // UPDATE ... RETURNING has no order: append order is id order.
  std::sort(out.begin(), out.end(),
            [](const Delivery& a, const Delivery& b) { return a.delivery_id < b.delivery_id; });
  for (const auto& d : out) {
    if (auto s = record(lease_event(d, req.recipient, req.now_ms)); !s.ok()) return s.error();
  }
  return out;
}

Result<std::optional<CopyRow>> PgStore::change_copy(std::int64_t id, const std::string& recipient,
                                                    const std::string& set,
                                                    const std::string& condition,
                                                    std::vector<PgParam> extra,
                                                    std::string_view what) {
  // One round trip: lock the row, change it if `condition` held for the row as it was, and
  // return the row as it was (the record's facts, already_acked vs not_found).
  const std::string sql = std::string("WITH old AS (SELECT id, ") + kCopyFactsColumns +
                          " FROM copies WHERE id = $1 FOR UPDATE), changed AS (UPDATE copies c "
                          "SET " +
                          set + " FROM old WHERE c.id = old.id AND old.recipient = $2 AND " +
                          condition + " RETURNING c.id) SELECT " + kCopyFactsColumns + " FROM old";
  ParamText numbers;
  std::vector<PgParam> params = {numbers.number(id), PgParam::text(recipient)};
  for (auto& p : extra) params.push_back(p);
  auto r = run_named("accord_" + std::string(what), sql, params, what);
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<CopyRow>();
  return std::optional<CopyRow>(copy_facts(*r, 0));
}

Result<AckState> PgStore::ack(const AckRequest& req, BatchDelta& delta) {
  ParamText numbers;
  // Metadata stays (already_acked vs not_found, audit questions); the payload goes. The
  // conditions are plan_ack's, so the row as it was says what the statement did.
  auto facts =
      req.source == AckSource::channel
          ? change_copy(req.delivery_id, req.recipient,
                        "state = 'acked', payload = NULL, lease_expires_at_ms = 0, "
                        "acked_at_ms = $3, delivered_by_channel = 1, channel_ref = $4",
                        "old.state <> 'acked'",
                        {numbers.number(req.now_ms), PgParam::text(req.channel_ref)}, "deliver")
          : change_copy(req.delivery_id, req.recipient,
                        "acked_at_ms = CASE WHEN c.state = 'acked' THEN c.acked_at_ms ELSE $3 END, "
                        "state = 'acked', payload = NULL, lease_expires_at_ms = 0, "
                        "acknowledged_at_ms = $3, receipt_kid = $4, receipt_sig = $5, "
                        "receipt_at_ms = $6::bigint",
                        "old.acknowledged_at_ms IS NULL",
                        {numbers.number(req.now_ms),
                         req.receipt ? PgParam::text(req.receipt->kid) : PgParam::null_value(),
                         req.receipt ? PgParam::text(req.receipt->sig) : PgParam::null_value(),
                         req.receipt ? numbers.number(req.receipt->at_ms) : PgParam::null_value()},
                        "acknowledge");
  if (!facts.ok()) return facts.error();
  const AckPlan plan = plan_ack(*facts, req);
  if (plan == AckPlan::not_found) return AckState::not_found;
  if (plan == AckPlan::already_acked) return AckState::already_acked;
  const CopyRow& f = **facts;
  // A dead letter the recipient pulled and acked anyway (mailbox) counts as delivered; so does
  // a copy purged while under its lease (it left the counters when purged).
  if (plan != AckPlan::acknowledge_later && f.state != "purged") {
    --(f.state == "dead" ? delta.dead_by_recipient : delta.queued_by_recipient)[req.recipient];
  }
  for (const auto& event : ack_events(req, f)) {
    if (auto s = record(event); !s.ok()) return s.error();
  }
  if (plan != AckPlan::deliver) {
    if (auto s = note_acknowledged(f, req.now_ms); !s.ok()) return s.error();
  }
  return AckState::acked;
}

Result<bool> PgStore::status_callback_of(const std::string& sender, const std::string& message_id) {
  if (sender == kStatusNoticeSender) return false;  // notices never cause notices
  auto r = run_named("accord_submission_flags", pg_sql(kSubmissionFlagsSql),
                     {PgParam::text(sender), PgParam::text(message_id)}, "submission flags");
  if (!r.ok()) return r.error();
  return r->rows() == 1 && r->int64(0, 0) != 0;
}

Status PgStore::insert_notice(const StatusNotice& notice) {
  ParamText numbers;
  auto r = run_named("accord_insert_notice", pg_sql(kInsertNoticeSql),
                     {PgParam::text(notice.sender), PgParam::text(notice.message_id),
                      PgParam::text(notice.outcome), PgParam::text(notice.recipient),
                      numbers.number(notice.delivery_id), numbers.number(notice.at_ms)},
                     "insert status notice");
  if (!r.ok()) return r.error();
  return Status::Ok();
}

Status PgStore::note_acknowledged(const CopyRow& copy, std::int64_t now_ms) {
  auto wanted = status_callback_of(copy.sender, copy.message_id);
  if (!wanted.ok()) return wanted.error();
  if (!*wanted) return Status::Ok();
  // Two gateways acknowledging the last two copies at once: each would count the other's copy
  // as not yet acknowledged. The submission's row lock orders them, and the count (a statement
  // of its own, so a fresh snapshot) then sees the first one's commit: exactly one notice.
  auto lock =
      run_named("accord_lock_submission",
                "SELECT 1 FROM submissions WHERE sender = $1 AND message_id = $2 "
                "FOR UPDATE",
                {PgParam::text(copy.sender), PgParam::text(copy.message_id)}, "lock submission");
  if (!lock.ok()) return lock.error();
  auto left = run_named("accord_count_unacknowledged", pg_sql(kCountUnacknowledgedSql),
                        {PgParam::text(copy.sender), PgParam::text(copy.message_id)},
                        "count unacknowledged copies");
  if (!left.ok()) return left.error();
  if (left->int64(0, 0) != 0) return Status::Ok();
  return insert_notice({0, copy.sender, copy.message_id, "acknowledged", "", 0, now_ms});
}

Result<bool> PgStore::emit_status_notice(std::int64_t notice_id, const NoticeCopy& copy,
                                         std::int64_t now_ms, BatchDelta& delta) {
  ParamText numbers;
  // The DELETE takes the row: another gateway emitting it too waits, then finds it gone.
  auto taken = run_named("accord_take_notice",
                         "DELETE FROM status_notices WHERE notice_id = $1 "
                         "RETURNING sender, message_id, outcome",
                         {numbers.number(notice_id)}, "take status notice");
  if (!taken.ok()) return taken.error();
  if (taken->rows() == 0) return false;  // already emitted: nothing twice
  StatusNotice notice;
  notice.notice_id = notice_id;
  notice.sender = taken->text(0, 0);
  notice.message_id = taken->text(0, 1);
  notice.outcome = taken->text(0, 2);
  auto inserted = run_named(
      "accord_insert_notice_copy",
      "INSERT INTO copies(recipient, sender, message_id, event_type, case_urn, subject_ref, "
      "received_at_ms, state, attempts, lease_expires_at_ms, payload) "
      "VALUES($1, $2, $3, $4, $5, '', $6::bigint, 'queued', 0, 0, $7) RETURNING id",
      {PgParam::text(copy.recipient), PgParam::text(kStatusNoticeSender),
       PgParam::text(copy.message_id), PgParam::text(copy.event_type), PgParam::text(copy.case_urn),
       numbers.number(copy.received_at_ms), PgParam::bytes(copy.payload)},
      "insert notice copy");
  if (!inserted.ok()) return inserted.error();
  const std::int64_t delivery_id = inserted->int64(0, 0);
  ++delta.queued_by_recipient[copy.recipient];
  if (auto s = record(status_notice_event(notice, delivery_id, now_ms)); !s.ok()) return s.error();
  return true;
}

Result<bool> PgStore::release(const ReleaseRequest& req) {
  ParamText numbers;
  const char* pending = "old.state IN ('queued', 'leased')";
  // Handed back unused at a clean stop: leasable at once, and the lease was no attempt.
  auto facts = req.returned ? change_copy(req.delivery_id, req.recipient,
                                          "state = 'queued', lease_expires_at_ms = 0, "
                                          "attempts = greatest(c.attempts - 1, 0)",
                                          pending, {}, "return_copy")
                            : change_copy(req.delivery_id, req.recipient,
                                          "state = 'queued', lease_expires_at_ms = $3", pending,
                                          {numbers.number(req.retry_at_ms)}, "release_copy");
  if (!facts.ok()) return facts.error();
  if (!*facts || (*facts)->recipient != req.recipient || !is_pending_state((*facts)->state)) {
    return false;
  }
  auto event = copy_event(
      req.returned ? audit::kind::kDeliveryReturned : audit::kind::kDeliveryRetryScheduled,
      req.now_ms, req.delivery_id, req.recipient, **facts);
  event.reason = req.detail;
  if (!req.returned) event.details = {{"next_attempt_at", format_time_ms(req.retry_at_ms)}};
  if (auto s = record(event); !s.ok()) return s.error();
  return true;
}

Result<bool> PgStore::dead_letter(const DeadLetterRequest& req, BatchDelta& delta) {
  ParamText numbers;
  auto facts =
      change_copy(req.delivery_id, req.recipient,
                  "state = 'dead', lease_expires_at_ms = 0, dead_at_ms = $3, "
                  "dead_code = $4, dead_detail = $5",
                  "old.state IN ('queued', 'leased')",
                  {numbers.number(req.now_ms), PgParam::text(req.code), PgParam::text(req.detail)},
                  "dead_letter");
  if (!facts.ok()) return facts.error();
  if (!*facts || (*facts)->recipient != req.recipient || !is_pending_state((*facts)->state)) {
    return false;
  }
  --delta.queued_by_recipient[req.recipient];
  ++delta.dead_by_recipient[req.recipient];
  auto event = copy_event(
      req.code == "expired" ? audit::kind::kDeliveryExpired : audit::kind::kDeliveryDeadLettered,
      req.now_ms, req.delivery_id, req.recipient, **facts);
  event.code = req.code;
  event.reason = req.detail;
  if (auto s = record(event); !s.ok()) return s.error();
  auto wanted = status_callback_of((*facts)->sender, (*facts)->message_id);
  if (!wanted.ok()) return wanted.error();
  if (*wanted) {
    if (auto s = insert_notice({0, (*facts)->sender, (*facts)->message_id, "dead_lettered",
                                req.recipient, req.delivery_id, req.now_ms});
        !s.ok()) {
      return s.error();
    }
  }
  return true;
}

Result<std::vector<DeadLetter>> PgStore::dead_letters(const std::string& recipient,
                                                      std::size_t limit) {
  ParamText numbers;
  auto r = run_named(
      "accord_dead_letters",
      "SELECT id, recipient, sender, message_id, event_type, case_urn, received_at_ms, "
      "attempts, coalesce(dead_at_ms, 0), coalesce(dead_code, ''), coalesce(dead_detail, '') "
      "FROM copies WHERE state = 'dead' AND ($1 = '' OR recipient = $1) ORDER BY id LIMIT $2",
      {PgParam::text(recipient), numbers.number(static_cast<std::int64_t>(std::min<std::size_t>(
                                     limit, std::numeric_limits<std::int32_t>::max())))},
      "list dead letters");
  if (!r.ok()) return r.error();
  std::vector<DeadLetter> out;
  for (int row = 0; row < r->rows(); ++row) {
    DeadLetter d;
    d.delivery_id = r->int64(row, 0);
    d.recipient = r->text(row, 1);
    d.sender = r->text(row, 2);
    d.message_id = r->text(row, 3);
    d.event_type = r->text(row, 4);
    d.case_urn = r->text(row, 5);
    d.received_at_ms = r->int64(row, 6);
    d.attempts = static_cast<int>(r->int64(row, 7));
    d.dead_at_ms = r->int64(row, 8);
    d.code = r->text(row, 9);
    d.detail = r->text(row, 10);
    out.push_back(std::move(d));
  }
  return out;
}

Result<PurgeBatch> PgStore::purge_batch(const PurgeRequest& req, std::int64_t after_id,
                                        int batch_number, std::int64_t purged_before,
                                        BatchDelta& delta) {
  const auto limit = static_cast<std::int64_t>(
      std::clamp<std::size_t>(req.batch_size, 1, std::numeric_limits<std::int32_t>::max()));
  ParamText numbers;
  auto r = run_named("accord_purge_candidates",
                     "SELECT id, recipient, sender, event_type, received_at_ms, state FROM copies "
                     "WHERE id > $1::bigint AND state IN ('queued', 'leased', 'dead') "
                     "ORDER BY id LIMIT $2::bigint FOR UPDATE SKIP LOCKED",
                     {numbers.number(after_id), numbers.number(limit)}, "select purge candidates");
  if (!r.ok()) return r.error();
  PurgeBatch batch;
  batch.last_id = after_id;
  batch.more = r->rows() == limit;
  ArrayText ids;
  for (int row = 0; row < r->rows(); ++row) {
    batch.last_id = r->int64(row, 0);
    const PurgeCandidate copy{r->text(row, 2), r->text(row, 1), r->text(row, 3), r->int64(row, 4)};
    if (!req.due || !req.due(copy)) continue;
    --(r->text(row, 5) == "dead" ? delta.dead_by_recipient
                                 : delta.queued_by_recipient)[copy.recipient];
    ids.number(batch.last_id);
    ++batch.purged_by_recipient[copy.recipient];
    ++batch.purged;
  }
  if (batch.purged > 0) {
    auto updated = run_named("accord_purge",
                             "UPDATE copies SET state = 'purged', payload = NULL, "
                             "lease_expires_at_ms = 0 WHERE id = ANY($1::bigint[])",
                             {PgParam::text(ids.done())}, "purge copies");
    if (!updated.ok()) return updated.error();
  }
  if (purge_batch_records(batch, purged_before)) {
    if (auto s = record(purge_event(req, batch, batch_number)); !s.ok()) return s.error();
  }
  return batch;
}

Result<std::int64_t> PgStore::redrive(const RedriveRequest& req, BatchDelta& delta) {
  ParamText numbers;
  // The dead letters as they were (their attempts go into the records), locked, then reset.
  auto r = run_named("accord_redrive",
                     std::string("WITH old AS (SELECT id, ") + kCopyFactsColumns +
                         " FROM copies WHERE state = 'dead' AND ($1 = '' OR recipient = $1) "
                         "AND ($2::bigint = 0 OR id = $2::bigint) FOR UPDATE), "
                         "changed AS (UPDATE copies c SET state = 'queued', attempts = 0, "
                         "lease_expires_at_ms = 0, dead_at_ms = NULL, dead_code = NULL, "
                         "dead_detail = NULL FROM old WHERE c.id = old.id RETURNING c.id) "
                         "SELECT id, " +
                         kCopyFactsColumns + " FROM old ORDER BY id",
                     {PgParam::text(req.recipient), numbers.number(req.delivery_id)}, "redrive");
  if (!r.ok()) return r.error();
  for (int row = 0; row < r->rows(); ++row) {
    const std::int64_t id = r->int64(row, 0);
    const CopyRow f = copy_facts(*r, row, /*first=*/1);
    ++delta.queued_by_recipient[f.recipient];
    --delta.dead_by_recipient[f.recipient];
    auto event = copy_event(audit::kind::kDeliveryRedriven, req.now_ms, id, f.recipient, f);
    if (!req.actor.empty()) event.details = {{"actor", req.actor}};
    if (auto s = record(event); !s.ok()) return s.error();
  }
  return static_cast<std::int64_t>(r->rows());
}

Result<std::map<std::string, std::int64_t>> PgStore::count_by_recipient(const char* state_term) {
  auto r = run(std::string("SELECT recipient, count(*) FROM copies WHERE ") + state_term +
                   " GROUP BY recipient",
               {}, "count copies");
  if (!r.ok()) return r.error();
  std::map<std::string, std::int64_t> counts;
  for (int row = 0; row < r->rows(); ++row) counts[r->text(row, 0)] = r->int64(row, 1);
  return counts;
}

Result<std::map<std::string, std::int64_t>> PgStore::count_queued() {
  return count_by_recipient("state IN ('queued', 'leased')");
}

Result<std::map<std::string, std::int64_t>> PgStore::count_dead() {
  return count_by_recipient("state = 'dead'");
}

Result<PgAuditHead> PgStore::read_audit_head() {
  auto r = run("SELECT seq, sealed_seq, sealed_at_ms FROM audit_head", {}, "read audit_head");
  if (!r.ok()) return r.error();
  if (r->rows() != 1) return make_error("corrupt", "audit_head does not hold one row");
  head_ = PgAuditHead{r->int64(0, 0), r->int64(0, 1), r->int64(0, 2)};
  return head_;
}

}  // namespace accord::spool::detail
