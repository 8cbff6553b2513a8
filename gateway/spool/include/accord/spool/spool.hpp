// The durable spool: per-recipient queues, dedup by (sender, message id), leases.
//
// Contract (every backend):
// - append() completes successfully only after every copy of the submission, and the
//   dedup row, are durable (fsync'd): that is what lets the gateway answer 202. A crash
//   at any moment leaves either all of a submission or none of it.
// - The same (sender, message_id) appended again stores nothing: the handler gets
//   `duplicate` with the first submission's facts, or `conflict` when the content hash
//   differs (the sender reused an id for other content).
// - lease() hands out up to N copies of one recipient in append order, each hidden from
//   other leases until its lease expires; an expired lease makes the copy leasable again
//   (at-least-once). ack() marks a copy delivered, durably; acking twice is not an error.
// - Handlers run on the spool's own thread once the change is durable, or with an Error:
//     storage_unavailable  the disk refused (full, I/O error)        → HTTP 503
//     overloaded           more pending work than max_pending        → HTTP 503
//     shutting_down        shutdown() was called                     → HTTP 503
//     not_found            ack of a copy that is not this recipient's → HTTP 404
//   They must not block: post to your own executor. Refusals that need no disk
//   (overloaded, shutting_down) run the handler on the caller's thread before the call
//   returns. Do not destroy the spool from inside a handler.
// - Audit: every change that a record describes (a stored submission, a lease, an ack, a
//   retry, a dead letter, a redrive) and every record() call writes its audit records in the
//   SAME transaction as the change, so after a crash the log and the queues agree
//   (docs/audit-format.md). Records carry names, ids and hashes, never field values. The
//   records of a submission (its decision) are composed by the caller (pipeline/); the spool
//   builds only the records of the delivery states it owns.
// - Per-case order: lease() hands out copies in append order. With one_per_case (push
//   delivery) it hands out only the oldest pending copy of each case, and none while that
//   copy is under lease or waiting for a retry: a later update never overtakes an earlier one
//   (dead letters do not block their case).
// - No clock inside: callers pass times (milliseconds since the Unix epoch); only the
//   checkpoint cadence reads the clock given in the options.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/core/result.hpp"

namespace accord::spool {

struct Copy {
  std::string recipient;  // agency id
  std::string payload;    // the bytes delivered to that recipient (the delivered document)
  // 64 lower-case hex: SHA-256 of the copy's delivery signing input (docs/field-encryption.md
  // §4.1), what a recipient's receipt names (docs/receipts.md); "" for none.
  std::string copy_hash = {};
  bool receipt_required = false;  // the granting flow says `receipts: required`
};

// A recipient the policy refused: no copy, kept with the submission for the status view.
struct WithheldRecipient {
  std::string recipient;
  std::string code;
  std::string reason;
  friend bool operator==(const WithheldRecipient&, const WithheldRecipient&) = default;
};

// A recipient's verified receipt for a copy (docs/receipts.md), as stored and shown.
struct Receipt {
  std::string kid;         // the recipient's signing key id
  std::string sig;         // base64 (standard, padded) of the 64-byte Ed25519 signature
  std::int64_t at_ms = 0;  // when the gateway accepted it
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

// One fact the subject-state ledger keeps about a submission's subject (docs/storage.md,
// "Subject state"; docs/compliance.md §7): upserted by (subject_ref, agency, name) in the
// append's transaction, the latest receipt winning. Names: `consent` (agency: the reporting
// sender; value given | withdrawn), `contact.<key>` (agency: the sender), `holds` (agency: a
// recipient of a copy; value: the granting agreement "id@version", or `notice`) and
// `holds.consent_based` (only for copies granted by a consent_based flow).
struct SubjectFact {
  std::string agency;
  std::string name;
  std::string value;
  friend bool operator==(const SubjectFact&, const SubjectFact&) = default;
};

// One row of the ledger as read back (Spool::subject_state).
struct SubjectStateRow {
  std::string agency;
  std::string name;
  std::string value;
  std::int64_t at_ms = 0;  // receipt time of the submission that set it
  std::string sender;      // that submission's key
  std::string message_id;
  friend bool operator==(const SubjectStateRow&, const SubjectStateRow&) = default;
};

// One audit record of a submission, complete but for its seq. The spool knows nothing of
// policy: it writes the records it is given, in the order given, in the transaction that
// stores the copies, and only when the submission is stored (not for a duplicate).
struct SubmissionRecord {
  audit::Event event;
  // The hook for the one fact only the writer knows: when set, the record carries the
  // delivery id the writer gives copies[*delivery_id_of_copy] (event.delivery_id is ignored).
  std::optional<std::size_t> delivery_id_of_copy = {};
};

struct Submission {
  std::string sender;        // agency id from the client certificate
  std::string message_id;    // the envelope id chosen by the sender
  std::string content_hash;  // hex SHA-256 of the submitted body (the dedup content hash)
  std::string event_type;
  std::string case_urn;     // per-case ordering key for delivery
  std::string subject_ref;  // pseudonymous subject reference (subject access reports)
  std::int64_t received_at_ms = 0;
  std::vector<Copy> copies;               // may be empty: accepted, nobody entitled
  std::vector<SubmissionRecord> records;  // the decision's audit records (decision.*)
  // Upserted into the subject-state ledger under subject_ref when the submission is stored
  // (nothing for a duplicate or conflict; nothing when subject_ref is empty).
  std::vector<SubjectFact> subject_facts = {};
  std::vector<WithheldRecipient> withheld = {};  // stored with the submission (status view)
  // The sender asked for status notices (status_notices outbox, docs/storage.md).
  bool status_callback = false;
};

enum class AppendOutcome { stored, duplicate, conflict };

struct AppendResult {
  AppendOutcome outcome = AppendOutcome::stored;
  std::int64_t received_at_ms = 0;      // of the first submission with this key
  std::vector<std::string> recipients;  // of the first submission with this key
};

// What the spool holds for a (sender, message_id) already stored (Spool::find_submission).
struct PriorSubmission {
  std::string content_hash;
  std::int64_t received_at_ms = 0;
  std::vector<std::string> recipients;
};

struct LeaseRequest {
  std::string recipient;
  std::size_t max_items = 100;
  std::int64_t lease_ms = 30'000;
  std::int64_t now_ms = 0;
  // At most one copy per case (the oldest pending one): for push delivery, where the next
  // copy of a case must wait until the previous one is acked.
  bool one_per_case = false;
};

struct Delivery {
  std::int64_t delivery_id = 0;  // per-copy id, what the recipient acks
  std::string sender;
  std::string message_id;
  std::string event_type;
  std::string case_urn;
  std::string subject_ref;
  std::int64_t received_at_ms = 0;
  int attempts = 0;  // leases of this copy so far, this one included
  std::int64_t lease_expires_at_ms = 0;
  std::string payload;
};

// Who says a copy arrived: the recipient through the API (acknowledged), or a push adapter
// that handed it over (delivered: the copy is done for the spool, not yet acknowledged).
enum class AckSource { recipient, channel };

struct AckRequest {
  std::string recipient;
  std::int64_t delivery_id = 0;
  std::int64_t now_ms = 0;
  AckSource source = AckSource::recipient;
  std::optional<Receipt> receipt = {};  // recipient acks only; already verified by the caller
  std::string channel_ref = {};         // channel acks only (DeliveryOutcome::channel_ref)
};

enum class AckOutcome { acked, already_acked };

// Hand a leased copy back to wait until `retry_at_ms` (a transient delivery failure).
struct ReleaseRequest {
  std::string recipient;
  std::int64_t delivery_id = 0;
  std::int64_t retry_at_ms = 0;
  std::string detail;  // why (audited); never field values
  std::int64_t now_ms = 0;
  // A lease handed back unused because the gateway is stopping: the copy is leasable at once
  // (retry_at_ms is ignored), the lease does not count as an attempt (attempts - 1), and the
  // record is delivery.returned instead of delivery.retry_scheduled.
  bool returned = false;
};

// Park a copy as a dead letter: no more delivery attempts until redriven.
struct DeadLetterRequest {
  std::string recipient;
  std::int64_t delivery_id = 0;
  std::string code;  // permanent_failure | max_attempts | expired
  std::string detail;
  std::int64_t now_ms = 0;
};

struct DeadLetter {
  std::int64_t delivery_id = 0;
  std::string recipient;
  std::string sender;
  std::string message_id;
  std::string event_type;
  std::string case_urn;
  std::int64_t received_at_ms = 0;
  int attempts = 0;
  std::int64_t dead_at_ms = 0;
  std::string code;
  std::string detail;
};

// Dead letters back to the queue, attempts reset. Empty recipient = every recipient;
// delivery_id 0 = every dead letter of the recipient(s).
struct RedriveRequest {
  std::string recipient;
  std::int64_t delivery_id = 0;
  std::string actor;  // who asked (audited)
  std::int64_t now_ms = 0;
};
// Retention (docs/storage.md "Purging"): the copies not acked (queued, leased, dead) that
// `due` says are past retention lose their payload and move to state `purged`, which no lease,
// redrive or dead-letter listing ever returns. Acked copies have no payload already. The
// caller decides (gateway/app: each route's retention periods from the agreements in force,
// counted from the gateway's receipt: agreements::RetentionTable).
struct PurgeCandidate {
  std::string sender;  // the agreement's provider
  std::string recipient;
  std::string event_type;
  std::int64_t received_at_ms = 0;
};

struct PurgeRequest {
  // Called on the spool's writer thread for each copy not acked: must be pure and quick.
  std::function<bool(const PurgeCandidate&)> due;
  std::int64_t now_ms = 0;
  std::string actor;  // "schedule" or the admin's certificate id (audited)
  // Copies examined per transaction: a big purge never holds the writer for long.
  std::size_t batch_size = 500;
};

struct PurgeResult {
  std::map<std::string, std::int64_t> purged_by_recipient;
  std::int64_t purged = 0;
  int batches = 0;  // transactions, each with its own retention.purged record
};

struct SpoolStats {
  std::map<std::string, std::int64_t> queued_by_recipient;  // not yet acked
  std::int64_t pending_operations = 0;                      // waiting for the writer
  std::int64_t commits = 0;                                 // transactions so far
  std::int64_t appended = 0;                                // submissions stored
  std::map<std::string, std::int64_t> dead_by_recipient;    // dead letters
  std::int64_t audit_seq = 0;                               // last audit record written
  std::int64_t audit_sealed_seq = 0;                        // last record under a checkpoint
};

// One recipient's queue at an instant (Spool::queue_health).
struct QueueHealth {
  std::int64_t queued = 0;  // not yet acked and not held by a live lease (ready, or waiting
                            // for a retry's backoff)
  std::int64_t leased = 0;  // held by a lease that has not expired
  std::int64_t dead_letters = 0;
  // received_at_ms of the oldest copy not yet acked nor dead (queued or leased); nullopt when
  // there is none.
  std::optional<std::int64_t> oldest_pending_ms;
};

// What the receipt check needs to know of one copy (Spool::copy_facts).
struct CopyFacts {
  std::int64_t delivery_id = 0;
  std::string recipient, sender, message_id, copy_hash;
  bool receipt_required = false;
  bool acknowledged = false;  // acknowledged_at_ms is set
  std::string state;          // the row state: queued|leased|acked|dead|purged
};

// One copy of a submission as its sender sees it (Spool::message_status).
struct CopyStatus {
  std::string recipient;
  std::int64_t delivery_id = 0;
  std::string state;  // queued|leased|delivered|acknowledged|dead_lettered|purged
  int attempts = 0;
  std::optional<std::int64_t> lease_expires_at_ms;  // leased only
  std::optional<std::int64_t> delivered_at_ms;      // the channel's ack time
  std::optional<std::int64_t> acknowledged_at_ms;   // the recipient's ack time
  std::optional<std::int64_t> dead_lettered_at_ms;
  std::string dead_letter_code, dead_letter_detail, channel_ref, copy_hash;
  bool receipt_required = false;
  std::optional<Receipt> receipt;
};

struct MessageStatus {
  std::string sender, message_id, event_type, case_urn;
  std::int64_t received_at_ms = 0;
  std::vector<CopyStatus> copies;           // sorted by recipient, then delivery_id
  std::vector<WithheldRecipient> withheld;  // sorted by recipient
};

// One row of the status-notice outbox: a fact about a submission stored with status_callback.
struct StatusNotice {
  std::int64_t notice_id = 0;      // increasing
  std::string sender, message_id;  // the submission the notice is about
  std::string outcome;             // "acknowledged" | "dead_lettered"
  std::string recipient;           // dead_lettered: the copy's recipient; "" for acknowledged
  std::int64_t delivery_id = 0;    // dead_lettered: the copy; 0 for acknowledged
  std::int64_t at_ms = 0;          // the ack / dead-letter time
};

// A status notice as the copy queued for the submission's sender (Spool::emit_status_notice).
struct NoticeCopy {
  std::string recipient;   // = the notice's sender
  std::string message_id;  // the notice copy's own id: "status-<notice_id>"
  std::string event_type;  // "accord.delivery_status"
  std::string case_urn;    // the submission's
  std::int64_t received_at_ms = 0;
  std::string payload;  // the stored document (docs/receipts.md, "Status notices")
};

// The sender of notice copies (copies.sender); its copies never cause notices themselves.
inline constexpr const char* kStatusNoticeSender = "gateway.status";

class Spool {
 public:
  using AppendHandler = std::function<void(Result<AppendResult>)>;
  using LeaseHandler = std::function<void(Result<std::vector<Delivery>>)>;
  using AckHandler = std::function<void(Result<AckOutcome>)>;
  using StatusHandler = std::function<void(Status)>;
  using CountHandler = std::function<void(Result<std::int64_t>)>;
  using DeadLettersHandler = std::function<void(Result<std::vector<DeadLetter>>)>;
  using PurgeHandler = std::function<void(Result<PurgeResult>)>;

  virtual ~Spool() = default;
  virtual void append(Submission submission, AppendHandler done) = 0;
  // The dedup probe: the committed submission with this key, or nullopt. Read-only and on the
  // caller's thread, through a reader connection, never through the writer's queue: what a
  // resent duplicate costs. A submission still in the writer's queue is not seen, so append()
  // keeps its own dedup check (two racing first sends).
  virtual Result<std::optional<PriorSubmission>> find_submission(
      const std::string& sender, const std::string& message_id) const = 0;
  // The subject-state ledger's rows for `subject_ref`, ordered by (agency, name). Read-only
  // and on the caller's thread, like find_submission: what is committed, not what is queued.
  virtual Result<std::vector<SubjectStateRow>> subject_state(
      const std::string& subject_ref) const = 0;
  virtual void lease(LeaseRequest request, LeaseHandler done) = 0;
  virtual void ack(AckRequest request, AckHandler done) = 0;
  // not_found unless the copy is this recipient's and pending; an acked copy is left alone.
  virtual void release(ReleaseRequest request, StatusHandler done) = 0;
  virtual void dead_letter(DeadLetterRequest request, StatusHandler done) = 0;
  // The count of dead letters put back.
  virtual void redrive(RedriveRequest request, CountHandler done) = 0;
  // Oldest first; empty recipient = all.
  virtual void list_dead_letters(std::string recipient, std::size_t limit,
                                 DeadLettersHandler done) = 0;
  // Audit records for facts that change no queue (a refused submission, an administrative
  // act), durable when `done` runs. `at_ms` of each event is kept as given.
  virtual void record(std::vector<audit::Event> events, StatusHandler done) = 0;
  // Purges in batches (PurgeRequest::batch_size copies examined per transaction); each batch
  // commits its purge with one retention.purged audit record. `done` runs once, after the
  // last batch, with the totals (or the first failure: batches already committed stay).
  virtual void purge(PurgeRequest request, PurgeHandler done) = 0;
  // Writes a signed checkpoint now if records are unsealed (no-op without a signer).
  virtual void checkpoint(std::int64_t now_ms, StatusHandler done) = 0;
  virtual SpoolStats stats() const = 0;
  // Every recipient with a copy queued, leased or dead at `now_ms`, by recipient id.
  // Read-only and on the caller's thread through a reader connection, like subject_state:
  // never through the writer's queue.
  virtual Result<std::map<std::string, QueueHealth>> queue_health(std::int64_t now_ms) const = 0;
  // The copy `delivery_id` if it is `recipient`'s (nullopt otherwise: ids leak nothing), for
  // the receipt check. Read-only, on the caller's thread through a reader connection.
  virtual Result<std::optional<CopyFacts>> copy_facts(const std::string& recipient,
                                                      std::int64_t delivery_id) const = 0;
  // Every copy and withheld recipient of the submission (sender, message_id), states as of
  // `now_ms`; nullopt when it was never stored. Read-only, on the caller's thread.
  virtual Result<std::optional<MessageStatus>> message_status(const std::string& sender,
                                                              const std::string& message_id,
                                                              std::int64_t now_ms) const = 0;
  // The status-notice outbox, oldest first, at most `limit`. Read-only, on the caller's thread.
  virtual Result<std::vector<StatusNotice>> pending_status_notices(std::size_t limit) const = 0;
  // One transaction: queues `copy` (copies.sender = gateway.status), deletes the notice row,
  // writes delivery.status_notice. A notice already emitted (row gone): Ok, nothing queued.
  virtual void emit_status_notice(std::int64_t notice_id, NoticeCopy copy, std::int64_t now_ms,
                                  StatusHandler done) = 0;
  // Finishes the work already queued, then refuses new work with `shutting_down`.
  // Blocks until the writer has stopped. Idempotent.
  virtual void shutdown() = 0;
};

}  // namespace accord::spool
