// The PostgreSQL spool's SQL over ONE connection (docs/storage.md, "PostgreSQL backend").
// Same operations, with the same signatures, as the SQLite Store (store.hpp), so the queued
// operations (spool_op.hpp) run on either. What differs is the audit log's order: gateways
// write concurrently, so an operation only queues its records; finish_audit() then locks the
// single audit_head row as the LAST step of the transaction, numbers the records from it,
// inserts them and moves the head. The lock is held until COMMIT returns: the chain order is
// the commit order.
//
// Every statement runs with a deadline (pg_call.hpp). A failure leaves fault() set: `retry`
// (deadlock: run the batch again), `connection` / `timed_out` (drop this store, reconnect).
// Not thread-safe: owned and used by the writer thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "accord/audit/chain.hpp"
#include "accord/audit/event.hpp"
#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"
#include "backend_common.hpp"
#include "pg_call.hpp"
#include "pg_handle.hpp"

namespace accord::spool::detail {

struct PgStoreOptions {
  bool audit_enabled = true;
  std::chrono::milliseconds statement_timeout{10'000};  // every statement's deadline
  std::chrono::milliseconds commit_timeout{10'000};     // COMMIT's (the standby's) deadline
};

// When finish_audit() writes a checkpoint (the deployment's cadence, from audit_head).
struct CheckpointPolicy {
  const audit::Sign* sign = nullptr;  // nullptr or empty: never
  std::int64_t now_ms = 0;
  std::int64_t every_records = 10'000;
  std::int64_t every_ms = 60'000;
  // The time the interval counts from when the deployment's last checkpoint is older (this
  // gateway's open): a gateway that starts does not seal at once, as with SQLite.
  std::int64_t not_before_ms = 0;
  bool force = false;  // seal whatever is unsealed (a clean shutdown)
};

// audit_head as last read.
struct PgAuditHead {
  std::int64_t seq = 0;
  std::int64_t sealed_seq = 0;
  std::int64_t sealed_at_ms = 0;
};

// What a batch's operations will wait for, taken up front by take_batch_locks(): the dedup
// rows of its appends and the copy rows it acks, releases or dead-letters.
struct PgLockKeys {
  std::shared_ptr<const PreparedAppend> append;
  std::vector<std::int64_t> copy_ids;
};

class PgStore {
 public:
  // Prepares the statements on `db` (a connected, schema-checked connection).
  static Result<PgStore> prepare(PgConnection db, const PgStoreOptions& options);

  Status begin();
  // The batch's waits, up front and in one global order, so two gateways' batches wait for
  // each other instead of deadlocking: every append's dedup row in one INSERT sorted by
  // (sender, message_id) (the first of a key in queue order is the one stored), then the
  // copy rows FOR UPDATE by ascending id, then the subject-state ledger rows of the appends
  // that store, in one upsert sorted by (subject_ref, agency, name). `appends` in queue order.
  Status take_batch_locks(const std::vector<const PreparedAppend*>& appends,
                          const std::vector<std::int64_t>& copy_ids);
  // Locks audit_head and writes the transaction's records (and a checkpoint when due);
  // a no-op when there is nothing to write and no checkpoint can be due.
  Status finish_audit(const CheckpointPolicy& policy);
  // COMMIT within commit_timeout; timed out: cancelled, fault() = timed_out.
  Status commit();
  void rollback();  // best effort; sets fault() = connection when the connection is unusable

  Result<AppendResult> append(const PreparedAppend& prepared, BatchDelta& delta);
  Result<std::vector<Delivery>> lease(const LeaseRequest& request);
  Result<AckState> ack(const AckRequest& request, BatchDelta& delta);
  Result<bool> release(const ReleaseRequest& request);
  Result<bool> dead_letter(const DeadLetterRequest& request, BatchDelta& delta);
  Result<std::int64_t> redrive(const RedriveRequest& request, BatchDelta& delta);
  Result<std::vector<DeadLetter>> dead_letters(const std::string& recipient, std::size_t limit);
  // As Store::emit_status_notice.
  Result<bool> emit_status_notice(std::int64_t notice_id, const NoticeCopy& copy,
                                  std::int64_t now_ms, BatchDelta& delta);
  Status record(const audit::Event& event);
  // As Store::purge_batch. Rows another transaction holds are skipped (SKIP LOCKED): never a
  // wait, so never a deadlock with another gateway; a later run takes them.
  Result<PurgeBatch> purge_batch(const PurgeRequest& request, std::int64_t after_id,
                                 int batch_number, std::int64_t purged_before, BatchDelta& delta);
  // The checkpoint() call: seal at the end of this transaction, dated now_ms.
  void request_checkpoint(std::int64_t now_ms) { checkpoint_requested_at_ = now_ms; }

  // Outside a transaction: the deployment's counts and audit head (stats()).
  Result<std::map<std::string, std::int64_t>> count_queued();
  Result<std::map<std::string, std::int64_t>> count_dead();
  Result<PgAuditHead> read_audit_head();

  // audit_head as of the last finish_audit() that locked it (or read_audit_head()).
  const PgAuditHead& audit_head() const { return head_; }
  PgFault fault() const { return fault_; }
  PGconn* connection() const { return db_.get(); }

 private:
  PgStore() = default;
  // A record waiting for its seq: rendered in finish_audit().
  struct PendingRecord {
    audit::Event index;  // the index columns (kind, at_ms, sender, ...)
    audit::RecordTemplate record;
    std::int64_t delivery_id = 0;
  };
  Result<PgResult> run(std::string_view sql, const std::vector<PgParam>& params,
                       std::string_view what, bool prepared = false);
  // `sql` prepared once per connection as `name`, then executed by name: the server parses
  // and plans it once, not once per call.
  Result<PgResult> run_named(const std::string& name, std::string_view sql,
                             const std::vector<PgParam>& params, std::string_view what);
  Result<PgResult> run_until(std::string_view sql, const std::vector<PgParam>& params,
                             std::string_view what, PgDeadline deadline);
  void note_fault(PgFault fault);  // keeps fault_ at the worst of the transaction
  void queue_record(const audit::Event& event, audit::RecordTemplate record,
                    std::int64_t delivery_id);
  // A copy changed under its row lock (ack, release, dead letter): `set` is the SET clause,
  // applied only when `condition` holds for the row as it was; returns the row as it was.
  Result<std::optional<CopyRow>> change_copy(std::int64_t id, const std::string& recipient,
                                             const std::string& set, const std::string& condition,
                                             std::vector<PgParam> extra, std::string_view what);
  Result<std::map<std::string, std::int64_t>> count_by_recipient(const char* state_term);
  // As in Store: the submission's status_callback, a notice row, the `acknowledged` notice.
  Result<bool> status_callback_of(const std::string& sender, const std::string& message_id);
  Status insert_notice(const StatusNotice& notice);
  Status note_acknowledged(const CopyRow& copy, std::int64_t now_ms);
  // INSERT ... ON CONFLICT DO NOTHING of the appends' dedup rows (see take_batch_locks).
  Status insert_submissions(const std::vector<const PreparedAppend*>& appends);
  Result<std::vector<std::int64_t>> insert_copies(const Submission& sub);
  // The ledger rows of the stored appends (subject_state), one statement in key order.
  Status upsert_subject_state(const std::vector<const PreparedAppend*>& stored);

  PgConnection db_;
  PgStoreOptions options_;
  std::vector<PendingRecord> pending_;
  std::optional<std::int64_t> checkpoint_requested_at_;
  // This transaction's dedup decisions: which appends had their row inserted up front, and
  // for each key inserted, the append (first in queue order) that stores it.
  std::set<const PreparedAppend*> inserted_up_front_;
  std::set<const PreparedAppend*> ledger_written_;  // appends whose ledger rows are written
  std::map<std::pair<std::string, std::string>, const PreparedAppend*> stores_key_;
  std::set<std::string> prepared_;  // statements prepared on this connection by run_named()
  PgAuditHead head_;
  PgFault fault_ = PgFault::none;
};

// Spool::copy_facts, Spool::message_status, Spool::pending_status_notices, outside any
// transaction (message_status reads in one REPEATABLE READ transaction of its own).
Result<std::optional<CopyFacts>> read_copy_facts(PgConnection& db, const std::string& recipient,
                                                 std::int64_t delivery_id);
Result<std::optional<MessageStatus>> read_message_status(PgConnection& db,
                                                         const std::string& sender,
                                                         const std::string& message_id,
                                                         std::int64_t now_ms);
Result<std::vector<StatusNotice>> read_status_notices(PgConnection& db, std::size_t limit);

// The ledger rows of `subject_ref` (Spool::subject_state), outside any transaction.
Result<std::vector<SubjectStateRow>> read_subject_state(PgConnection& db,
                                                        const std::string& subject_ref);

}  // namespace accord::spool::detail
