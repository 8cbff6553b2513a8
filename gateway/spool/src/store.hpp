// The spool's SQL: every statement prepared once and reused by the writer thread. Each
// operation runs inside the transaction the writer opened with begin(); an Error from an
// operation means the storage failed and the whole transaction must be rolled back.
// Audit records are written by the same operations, in the same transaction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accord/audit/chain.hpp"
#include "accord/audit/event.hpp"
#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"
#include "backend_common.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool::detail {

// Not thread-safe: owned and used by one thread at a time (the writer).
class Store {
 public:
  static Result<Store> prepare(Connection db, bool audit_enabled);

  Status begin();  // also remembers the audit head, restored by rollback()
  Status commit();
  void rollback();  // safe when SQLite already rolled back by itself (SQLITE_FULL, IOERR)
  Status set_max_page_count(std::int64_t pages);

  // Dedup by (sender, message_id), which also covers the same key twice in one batch.
  Result<AppendResult> append(const PreparedAppend& prepared, BatchDelta& delta);
  Result<std::vector<Delivery>> lease(const LeaseRequest& request);
  Result<AckState> ack(const AckRequest& request, BatchDelta& delta);
  Result<bool> release(const ReleaseRequest& request);  // false: not found / not pending
  Result<bool> dead_letter(const DeadLetterRequest& request, BatchDelta& delta);
  Result<std::int64_t> redrive(const RedriveRequest& request, BatchDelta& delta);
  Result<std::vector<DeadLetter>> dead_letters(const std::string& recipient, std::size_t limit);
  // Queues `copy` for notice `notice_id` and deletes the notice; false when it is gone.
  Result<bool> emit_status_notice(std::int64_t notice_id, const NoticeCopy& copy,
                                  std::int64_t now_ms, BatchDelta& delta);
  Status record(const audit::Event& event);
  // Examines up to request.batch_size unacked copies with id > after_id and purges those past
  // retention (PurgeRequest::due), with the batch's retention.purged record.
  Result<PurgeBatch> purge_batch(const PurgeRequest& request, std::int64_t after_id,
                                 int batch_number, std::int64_t purged_before, BatchDelta& delta);
  Status write_checkpoint(std::int64_t now_ms, const audit::Sign& sign);

  // Pending (queued or leased) copies per recipient, and dead letters per recipient.
  Result<std::map<std::string, std::int64_t>> count_queued();
  Result<std::map<std::string, std::int64_t>> count_dead();

  // For the manifest (manifest.hpp): rows in `submissions`, the highest delivery id ever
  // handed out, and the chain value h_seq in hex (empty when there is no record `seq`).
  Result<std::int64_t> count_submissions();
  Result<std::int64_t> last_delivery_id();
  Result<std::string> chain_hex_at(std::int64_t seq);
  std::string audit_head_hex() const;

  std::int64_t audit_seq() const { return audit_seq_; }
  std::int64_t sealed_seq() const { return sealed_seq_; }

 private:
  Result<bool> find_copy(std::int64_t id, CopyRow& out);
  // The ids push delivery may lease now: the oldest pending copy of each case, if leasable.
  Result<std::vector<std::int64_t>> leasable_per_case(const std::string& recipient,
                                                      std::int64_t now_ms, std::int64_t limit);
  // A Delivery from the current row of a SELECT of kCopyColumns.
  static void read_delivery(Statement& select, const LeaseRequest& req, Delivery& d);
  // Whether the submission asked for status notices (never for a notice copy's own).
  Result<bool> status_callback_of(const std::string& sender, const std::string& message_id);
  Status insert_notice(const StatusNotice& notice);
  // After a recipient's ack of `copy`: the `acknowledged` notice when it was the last copy.
  Status note_acknowledged(const CopyRow& copy, std::int64_t now_ms);
  // Appends `record` (the bytes for seq audit_seq_ + 1) with `event`'s index columns.
  Status insert_record(const audit::Event& event, const std::string& record);
  Status load_audit_head();
  Result<std::map<std::string, std::int64_t>> count_by_recipient(const char* state_term);

  Connection db_;  // declared first: destroyed after the statements that use it
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement find_submission_;
  Statement insert_submission_;
  Statement insert_copy_;
  Statement select_leasable_;
  Statement scan_pending_cases_;
  Statement select_copy_;
  Statement mark_leased_;
  Statement find_copy_;
  Statement mark_delivered_;
  Statement mark_acknowledged_;
  Statement submission_flags_;
  Statement count_unacknowledged_;
  Statement insert_notice_;
  Statement mark_released_;
  Statement mark_dead_;
  Statement upsert_subject_fact_;
  Statement insert_audit_;
  Statement insert_checkpoint_;

  bool audit_enabled_ = true;
  std::int64_t audit_seq_ = 0;
  audit::Digest audit_head_{};
  std::int64_t sealed_seq_ = 0;
  // As of begin(): what rollback() restores.
  std::int64_t saved_seq_ = 0;
  audit::Digest saved_head_{};
  std::int64_t saved_sealed_ = 0;
};

// Status notices and acks (SQLite placeholders; pg_store.cpp rewrites ?N as $N).
// A channel ack (?1 id, ?2 now, ?3 channel_ref): done for the spool, not acknowledged.
inline constexpr const char* kMarkDeliveredSql =
    "UPDATE copies SET state = 'acked', payload = NULL, lease_expires_at_ms = 0, "
    "acked_at_ms = ?2, delivered_by_channel = 1, channel_ref = ?3 WHERE id = ?1";
// A recipient's ack (?1 id, ?2 now, ?3/?4/?5 the receipt's kid, sig, at or NULL): a copy the
// channel delivered keeps its acked_at_ms (the delivery time).
inline constexpr const char* kMarkAcknowledgedSql =
    "UPDATE copies SET acked_at_ms = CASE WHEN state = 'acked' THEN acked_at_ms ELSE ?2 END, "
    "state = 'acked', payload = NULL, lease_expires_at_ms = 0, acknowledged_at_ms = ?2, "
    "receipt_kid = ?3, receipt_sig = ?4, receipt_at_ms = ?5 WHERE id = ?1";
inline constexpr const char* kSubmissionFlagsSql =
    "SELECT status_callback FROM submissions WHERE sender = ?1 AND message_id = ?2";
// Dead and purged copies are never acknowledged: such a submission never gets the notice.
inline constexpr const char* kCountUnacknowledgedSql =
    "SELECT count(*) FROM copies WHERE sender = ?1 AND message_id = ?2 "
    "AND acknowledged_at_ms IS NULL";
inline constexpr const char* kInsertNoticeSql =
    "INSERT INTO status_notices(sender, message_id, outcome, recipient, delivery_id, at_ms) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr const char* kSelectNoticeSql =
    "SELECT sender, message_id, outcome FROM status_notices WHERE notice_id = ?1";
inline constexpr const char* kDeleteNoticeSql = "DELETE FROM status_notices WHERE notice_id = ?1";
inline constexpr const char* kPendingNoticesSql =
    "SELECT notice_id, sender, message_id, outcome, recipient, delivery_id, at_ms "
    "FROM status_notices ORDER BY notice_id LIMIT ?1";
// The reads of Spool::copy_facts and Spool::message_status.
inline constexpr const char* kCopyFactsSql =
    "SELECT id, recipient, sender, message_id, copy_hash, receipt_required, "
    "acknowledged_at_ms IS NOT NULL, state FROM copies WHERE id = ?1";
inline constexpr const char* kStatusSubmissionSql =
    "SELECT event_type, case_urn, received_at_ms, withheld FROM submissions "
    "WHERE sender = ?1 AND message_id = ?2";

// The ledger's upsert (?1 subject_ref, ?2 agency, ?3 name, ?4 value, ?5 at_ms, ?6 sender,
// ?7 message_id): the row with the latest at_ms wins; a tie goes to the later commit.
inline constexpr const char* kUpsertSubjectFactSql =
    "INSERT INTO subject_state(subject_ref, agency, name, value, at_ms, sender, message_id) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(subject_ref, agency, name) DO UPDATE SET "
    "value = excluded.value, at_ms = excluded.at_ms, sender = excluded.sender, "
    "message_id = excluded.message_id WHERE excluded.at_ms >= subject_state.at_ms";

// The ledger rows of ?1 subject_ref (Spool::subject_state).
inline constexpr const char* kSelectSubjectStateSql =
    "SELECT agency, name, value, at_ms, sender, message_id FROM subject_state "
    "WHERE subject_ref = ?1 ORDER BY agency, name";

// The SELECT behind the dedup check: (content_hash, received_at_ms, recipients) of ?1 sender,
// ?2 message_id.
inline constexpr const char* kFindSubmissionSql =
    "SELECT content_hash, received_at_ms, recipients FROM submissions "
    "WHERE sender = ?1 AND message_id = ?2";

}  // namespace accord::spool::detail
