// What both spool backends (SQLite: store.cpp, PostgreSQL: pg_store.cpp) share besides SQL:
// the per-batch counter changes, the append prepared on the caller's thread, the recipients
// column's encoding, and the audit records the spool composes for delivery states.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/spool/spool.hpp"

namespace accord::spool::detail {

// What a transaction changes in the in-memory counters; applied only after COMMIT.
struct BatchDelta {
  std::map<std::string, std::int64_t> queued_by_recipient;
  std::map<std::string, std::int64_t> dead_by_recipient;
  std::int64_t appended = 0;
};

enum class AckState { acked, already_acked, not_found };

// Spool::queue_health's one SELECT, the same on both backends but for how the instant is
// bound (`now_param`: "?1" for SQLite, "$1::bigint" for PostgreSQL). Rows: recipient, queued,
// leased, dead letters, oldest pending received_at_ms (NULL for the dead-letter rows); each
// half reads through its partial index (copies_pending, copies_dead). A recipient may have a
// row from each half: fold them with add_queue_health_row.
std::string queue_health_sql(std::string_view now_param);
void add_queue_health_row(std::map<std::string, QueueHealth>& out, const std::string& recipient,
                          std::int64_t queued, std::int64_t leased, std::int64_t dead,
                          std::optional<std::int64_t> oldest_pending_ms);

// An append with its audit records JSON-encoded by the submitting thread: the writer's time
// is what every commit waits for, so it only splices in the record's seq and the copy's
// delivery id (audit::render).
struct PreparedAppend {
  Submission submission;
  // The template of each of submission.records, at the same index; empty when the audit log
  // is off.
  std::vector<audit::RecordTemplate> records;
  std::vector<SubjectFact> ledger;  // ledger_facts(submission)
};
PreparedAppend prepare_append(Submission submission, bool audit_enabled);

// A submission's ledger facts, one per (agency, name), the last given winning (one statement
// may not upsert a row twice in PostgreSQL). Empty when the submission has no subject_ref.
std::vector<SubjectFact> ledger_facts(const Submission& submission);

// The recipients column of `submissions`: a JSON array of agency ids, in copy order.
std::string encode_recipients(const std::vector<Copy>& copies);
std::vector<std::string> decode_recipients(const std::string& text);

// The facts of one copy that its delivery records carry.
struct CopyRow {
  std::string recipient, state, sender, message_id, event_type, case_urn, subject_ref;
  std::int64_t received_at_ms = 0;
  int attempts = 0;
  bool acknowledged = false;  // acknowledged_at_ms set
  std::string copy_hash;
};

// What an ack does to a copy found as `row` (nullopt: no such copy).
enum class AckPlan {
  not_found,          // missing, or another recipient's
  already_acked,      // channel: already acked; recipient: already acknowledged
  deliver,            // channel ack of a copy not acked: state acked, not acknowledged
  acknowledge,        // recipient ack of a copy not acked: acked and acknowledged at once
  acknowledge_later,  // recipient ack of a copy the channel delivered: acknowledged now
};
AckPlan plan_ack(const std::optional<CopyRow>& row, const AckRequest& request);

// The records of an ack (plan deliver/acknowledge/acknowledge_later): delivery.acked with
// details.by (+ channel_ref / receipt_kid), then delivery.receipt when a receipt is stored.
std::vector<audit::Event> ack_events(const AckRequest& request, const CopyRow& row);

// The withheld column of `submissions`: a JSON array of {recipient, code, reason}.
std::string encode_withheld(const std::vector<WithheldRecipient>& withheld);
std::vector<WithheldRecipient> decode_withheld(const std::string& text);

// A copy's state as its sender sees it (spool.hpp CopyStatus) from its row at `now_ms`.
std::string copy_status_state(const std::string& row_state, std::int64_t lease_expires_at_ms,
                              bool acknowledged, std::int64_t now_ms);

// The columns message_status reads for each copy, in this order (both backends), and the
// CopyStatus built from them (`get` reads column i: null → nullopt).
inline constexpr const char* kCopyStatusColumns =
    "id, recipient, state, attempts, lease_expires_at_ms, acked_at_ms, acknowledged_at_ms, "
    "dead_at_ms, coalesce(dead_code, ''), coalesce(dead_detail, ''), delivered_by_channel, "
    "channel_ref, copy_hash, receipt_required, receipt_kid, receipt_sig, receipt_at_ms";
struct StatusColumns {
  std::function<std::optional<std::int64_t>(int)> number;
  std::function<std::optional<std::string>(int)> text;
};
CopyStatus copy_status_from(const StatusColumns& row, std::int64_t now_ms);

// The delivery.status_notice record of emitting notice `notice` as copy `delivery_id`.
audit::Event status_notice_event(const StatusNotice& notice, std::int64_t delivery_id,
                                 std::int64_t now_ms);

// The record of a change to copy `id` (acked, retry_scheduled, returned, dead_lettered,
// expired, redriven); the caller adds code, reason and details.
audit::Event copy_event(std::string_view kind, std::int64_t at_ms, std::int64_t id,
                        const std::string& recipient, const CopyRow& facts);
// delivery.leased, or delivery.redelivered from the second attempt on.
audit::Event lease_event(const Delivery& d, const std::string& recipient, std::int64_t now_ms);

// One purge transaction's answer (Store::purge_batch): the highest copy id examined, whether
// copies remain past it, and what went per recipient.
struct PurgeBatch {
  std::int64_t last_id = 0;
  bool more = false;
  std::map<std::string, std::int64_t> purged_by_recipient;
  std::int64_t purged = 0;
};

// Whether a batch writes its retention.purged record: when it purged something, or when it is
// the last of a run that purged nothing (every run leaves one record).
inline bool purge_batch_records(const PurgeBatch& batch, std::int64_t purged_before) {
  return batch.purged > 0 || (!batch.more && purged_before == 0);
}

// The retention.purged record of batch number `batch_number` (1-based) of a run.
audit::Event purge_event(const PurgeRequest& request, const PurgeBatch& batch, int batch_number);

inline bool is_pending_state(const std::string& state) {
  return state == "queued" || state == "leased";
}

}  // namespace accord::spool::detail
