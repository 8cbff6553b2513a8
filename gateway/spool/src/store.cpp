#include "store.hpp"

#include <algorithm>
#include <limits>
#include <unordered_set>
#include <utility>

#include "accord/core/time_format.hpp"

namespace accord::spool::detail {
namespace {

constexpr const char* kCopyColumns =
    "id, sender, message_id, event_type, case_urn, subject_ref, received_at_ms, attempts, "
    "payload";

// Pull (mailbox): the leasable rows of one recipient in id order — pending and not under
// lease. The state term matches the partial index copies_pending: a range scan over that
// recipient's pending copies, no sort. A pull consumer gets each case in order; if it lets an
// earlier copy's lease expire, that copy comes back after later ones it already has
// (at-least-once: it acks in order, or dedups). Push delivery does not have this gap:
const std::string kSelectLeasable =
    std::string("SELECT ") + kCopyColumns +
    " FROM copies WHERE recipient = ?1 AND state IN ('queued', 'leased') "
    "AND lease_expires_at_ms <= ?2 ORDER BY id LIMIT ?3";

// Push delivery leases only the oldest pending copy of each case, and only if it is leasable,
// so a later update never overtakes an earlier one. Instead of an index by case (a random
// leaf page in every commit, docs/benchmarks.md), the recipient's pending copies are walked in
// id order through copies_pending, which covers case_urn: the first pending copy seen of a
// case is its oldest, every later one of that case is blocked (Store::leasable_per_case).
const std::string kScanPendingCases =
    "SELECT id, case_urn, lease_expires_at_ms FROM copies WHERE recipient = ?1 "
    "AND state IN ('queued', 'leased') ORDER BY id";
const std::string kSelectCopy =
    std::string("SELECT ") + kCopyColumns + " FROM copies WHERE id = ?1";

Status step_done(Statement& s, std::string_view what) {
  const int rc = s.step();
  if (rc != SQLITE_DONE) return sqlite_error(s.db(), rc, what);
  return Status::Ok();
}

}  // namespace

Result<Store> Store::prepare(Connection db, bool audit_enabled) {
  Store st;
  st.db_ = std::move(db);
  st.audit_enabled_ = audit_enabled;
  struct Entry {
    Statement* target;
    std::string sql;
  };
  const Entry entries[] = {
      {&st.begin_, "BEGIN IMMEDIATE"},
      {&st.commit_, "COMMIT"},
      {&st.rollback_, "ROLLBACK"},
      {&st.find_submission_, kFindSubmissionSql},
      {&st.insert_submission_,
       "INSERT INTO submissions(sender, message_id, content_hash, received_at_ms, recipients, "
       "event_type, case_urn, withheld, status_callback) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
      {&st.insert_copy_,
       "INSERT INTO copies(recipient, sender, message_id, event_type, case_urn, subject_ref, "
       "received_at_ms, state, attempts, lease_expires_at_ms, payload, copy_hash, "
       "receipt_required) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, 0, ?8, ?9, ?10)"},
      {&st.select_leasable_, kSelectLeasable},
      {&st.scan_pending_cases_, kScanPendingCases},
      {&st.select_copy_, kSelectCopy},
      {&st.mark_leased_,
       "UPDATE copies SET state = 'leased', attempts = attempts + 1, "
       "lease_expires_at_ms = ?2 WHERE id = ?1"},
      {&st.find_copy_,
       "SELECT recipient, state, sender, message_id, event_type, case_urn, subject_ref, "
       "received_at_ms, attempts, acknowledged_at_ms IS NOT NULL, copy_hash FROM copies "
       "WHERE id = ?1"},
      // Metadata stays (already_acked vs not_found, audit questions); the payload goes.
      {&st.mark_delivered_, kMarkDeliveredSql},
      {&st.mark_acknowledged_, kMarkAcknowledgedSql},
      {&st.submission_flags_, kSubmissionFlagsSql},
      {&st.count_unacknowledged_, kCountUnacknowledgedSql},
      {&st.insert_notice_, kInsertNoticeSql},
      {&st.mark_released_,
       "UPDATE copies SET state = 'queued', lease_expires_at_ms = ?2 WHERE id = ?1"},
      {&st.mark_dead_,
       "UPDATE copies SET state = 'dead', lease_expires_at_ms = 0, dead_at_ms = ?2, "
       "dead_code = ?3, dead_detail = ?4 WHERE id = ?1"},
      {&st.upsert_subject_fact_, kUpsertSubjectFactSql},
      {&st.insert_audit_,
       "INSERT INTO audit_records(seq, at_ms, kind, sender, recipient, agreement, case_urn, "
       "subject_ref, message_id, record, chain) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
       "?11)"},
      {&st.insert_checkpoint_,
       "INSERT INTO audit_checkpoints(seq, at_ms, checkpoint) VALUES(?1, ?2, ?3)"},
  };
  for (const auto& e : entries) {
    auto s = Statement::prepare(st.db_.get(), e.sql);
    if (!s.ok()) return s.error();
    *e.target = std::move(s).value();
  }
  if (auto s = st.load_audit_head(); !s.ok()) return s.error();
  return st;
}

Status Store::load_audit_head() {
  auto last = Statement::prepare(db_.get(),
                                 "SELECT seq, chain FROM audit_records ORDER BY seq DESC LIMIT 1");
  if (!last.ok()) return last.error();
  const int rc = last->step();
  if (rc == SQLITE_ROW) {
    audit_seq_ = last->column_int64(0);
    const std::string chain = last->column_blob(1);
    if (chain.size() != audit_head_.size()) {
      return make_error("corrupt", "audit record " + std::to_string(audit_seq_) +
                                       " has a chain value of the wrong size");
    }
    std::copy(chain.begin(), chain.end(), audit_head_.begin());
  } else if (rc != SQLITE_DONE) {
    return sqlite_error(db_.get(), rc, "read audit head");
  }
  auto sealed = db_.query_int64("SELECT coalesce(max(seq), 0) FROM audit_checkpoints");
  if (!sealed.ok()) return sealed.error();
  sealed_seq_ = *sealed;
  return Status::Ok();
}

Status Store::begin() {
  saved_seq_ = audit_seq_;
  saved_head_ = audit_head_;
  saved_sealed_ = sealed_seq_;
  ResetOnExit r(begin_);
  return step_done(begin_, "BEGIN");
}

Status Store::commit() {
  ResetOnExit r(commit_);
  return step_done(commit_, "COMMIT");
}

void Store::rollback() {
  audit_seq_ = saved_seq_;
  audit_head_ = saved_head_;
  sealed_seq_ = saved_sealed_;
  if (sqlite3_get_autocommit(db_.get()) != 0) return;  // SQLite already rolled back
  ResetOnExit r(rollback_);
  (void)rollback_.step();
}

Status Store::set_max_page_count(std::int64_t pages) {
  return db_.exec("PRAGMA max_page_count=" + std::to_string(pages));
}

Status Store::record(const audit::Event& event) {
  if (!audit_enabled_) return Status::Ok();
  return insert_record(event, audit::encode_record(audit_seq_ + 1, event));
}

Status Store::insert_record(const audit::Event& event, const std::string& record) {
  const std::int64_t seq = audit_seq_ + 1;
  const audit::Digest chain = audit::chain_next(audit_head_, audit::record_digest(record));
  ResetOnExit r(insert_audit_);
  insert_audit_.bind(1, seq);
  insert_audit_.bind(2, event.at_ms);
  insert_audit_.bind_text(3, event.kind);
  insert_audit_.bind_text_or_null(4, event.sender);
  insert_audit_.bind_text_or_null(5, event.recipient);
  insert_audit_.bind_text_or_null(6, event.agreement);
  insert_audit_.bind_text_or_null(7, event.case_urn);
  insert_audit_.bind_text_or_null(8, event.subject_ref);
  insert_audit_.bind_text_or_null(9, event.message_id);
  insert_audit_.bind_text(10, record);
  insert_audit_.bind_blob(
      11, std::string_view(reinterpret_cast<const char*>(chain.data()), chain.size()));
  if (auto s = step_done(insert_audit_, "insert audit record"); !s.ok()) return s;
  audit_seq_ = seq;
  audit_head_ = chain;
  return Status::Ok();
}

Status Store::write_checkpoint(std::int64_t now_ms, const audit::Sign& sign) {
  if (!audit_enabled_ || !sign || audit_seq_ == sealed_seq_) return Status::Ok();
  const auto checkpoint = audit::make_checkpoint(audit_seq_, audit_head_, now_ms, sign);
  ResetOnExit r(insert_checkpoint_);
  insert_checkpoint_.bind(1, audit_seq_);
  insert_checkpoint_.bind(2, now_ms);
  // Named: bind_text does not copy (SQLITE_STATIC), a temporary would dangle until step.
  const std::string text = audit::encode_checkpoint(checkpoint);
  insert_checkpoint_.bind_text(3, text);
  if (auto s = step_done(insert_checkpoint_, "insert audit checkpoint"); !s.ok()) return s;
  sealed_seq_ = audit_seq_;
  return Status::Ok();
}

Result<AppendResult> Store::append(const PreparedAppend& prepared, BatchDelta& delta) {
  const Submission& sub = prepared.submission;
  {
    ResetOnExit r(find_submission_);
    find_submission_.bind_text(1, sub.sender);
    find_submission_.bind_text(2, sub.message_id);
    const int rc = find_submission_.step();
    if (rc == SQLITE_ROW) {
      AppendResult first;
      first.outcome = find_submission_.column_text(0) == sub.content_hash ? AppendOutcome::duplicate
                                                                          : AppendOutcome::conflict;
      first.received_at_ms = find_submission_.column_int64(1);
      first.recipients = decode_recipients(find_submission_.column_text(2));
      return first;
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_.get(), rc, "find submission");
  }
  const std::string recipients = encode_recipients(sub.copies);
  {
    ResetOnExit r(insert_submission_);
    insert_submission_.bind_text(1, sub.sender);
    insert_submission_.bind_text(2, sub.message_id);
    insert_submission_.bind_text(3, sub.content_hash);
    insert_submission_.bind(4, sub.received_at_ms);
    insert_submission_.bind_text(5, recipients);
    insert_submission_.bind_text(6, sub.event_type);
    insert_submission_.bind_text(7, sub.case_urn);
    const std::string withheld = encode_withheld(sub.withheld);  // bind_text does not copy
    insert_submission_.bind_text(8, withheld);
    insert_submission_.bind(9, sub.status_callback ? 1 : 0);
    if (auto s = step_done(insert_submission_, "insert submission"); !s.ok()) return s.error();
  }
  std::vector<std::int64_t> delivery_ids;
  delivery_ids.reserve(sub.copies.size());
  for (const Copy& copy : sub.copies) {
    {
      ResetOnExit r(insert_copy_);
      insert_copy_.bind_text(1, copy.recipient);
      insert_copy_.bind_text(2, sub.sender);
      insert_copy_.bind_text(3, sub.message_id);
      insert_copy_.bind_text(4, sub.event_type);
      insert_copy_.bind_text(5, sub.case_urn);
      insert_copy_.bind_text(6, sub.subject_ref);
      insert_copy_.bind(7, sub.received_at_ms);
      insert_copy_.bind_blob(8, copy.payload);
      insert_copy_.bind_text(9, copy.copy_hash);
      insert_copy_.bind(10, copy.receipt_required ? 1 : 0);
      if (auto s = step_done(insert_copy_, "insert copy"); !s.ok()) return s.error();
    }
    delivery_ids.push_back(sqlite3_last_insert_rowid(db_.get()));
    ++delta.queued_by_recipient[copy.recipient];
  }
  for (const SubjectFact& fact : prepared.ledger) {
    ResetOnExit r(upsert_subject_fact_);
    upsert_subject_fact_.bind_text(1, sub.subject_ref);
    upsert_subject_fact_.bind_text(2, fact.agency);
    upsert_subject_fact_.bind_text(3, fact.name);
    upsert_subject_fact_.bind_text(4, fact.value);
    upsert_subject_fact_.bind(5, sub.received_at_ms);
    upsert_subject_fact_.bind_text(6, sub.sender);
    upsert_subject_fact_.bind_text(7, sub.message_id);
    if (auto s = step_done(upsert_subject_fact_, "upsert subject state"); !s.ok()) {
      return s.error();
    }
  }
  // The caller's records as given; only the delivery id of a copy is the writer's to fill in.
  for (std::size_t i = 0; audit_enabled_ && i < sub.records.size(); ++i) {
    const auto& of_copy = sub.records[i].delivery_id_of_copy;
    const std::int64_t delivery_id =
        of_copy && *of_copy < delivery_ids.size() ? delivery_ids[*of_copy] : 0;
    if (auto s = insert_record(sub.records[i].event,
                               audit::render(prepared.records[i], audit_seq_ + 1, delivery_id));
        !s.ok()) {
      return s.error();
    }
  }
  ++delta.appended;
  AppendResult stored;
  stored.outcome = AppendOutcome::stored;
  stored.received_at_ms = sub.received_at_ms;
  stored.recipients.reserve(sub.copies.size());
  for (const auto& c : sub.copies) stored.recipients.push_back(c.recipient);
  return stored;
}

Result<std::vector<std::int64_t>> Store::leasable_per_case(const std::string& recipient,
                                                           std::int64_t now_ms,
                                                           std::int64_t limit) {
  std::vector<std::int64_t> ids;
  std::unordered_set<std::string> seen_cases;
  ResetOnExit r(scan_pending_cases_);
  scan_pending_cases_.bind_text(1, recipient);
  while (static_cast<std::int64_t>(ids.size()) < limit) {
    const int rc = scan_pending_cases_.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "scan pending cases");
    // Only the case's first (oldest) pending copy can be leased, and only when its lease
    // has expired (or it was never leased); a copy under lease still blocks its case.
    if (!seen_cases.insert(scan_pending_cases_.column_text(1)).second) continue;
    if (scan_pending_cases_.column_int64(2) <= now_ms) {
      ids.push_back(scan_pending_cases_.column_int64(0));
    }
  }
  return ids;
}

void Store::read_delivery(Statement& select, const LeaseRequest& req, Delivery& d) {
  d.delivery_id = select.column_int64(0);
  d.sender = select.column_text(1);
  d.message_id = select.column_text(2);
  d.event_type = select.column_text(3);
  d.case_urn = select.column_text(4);
  d.subject_ref = select.column_text(5);
  d.received_at_ms = select.column_int64(6);
  d.attempts = static_cast<int>(select.column_int64(7)) + 1;
  d.lease_expires_at_ms = req.now_ms + req.lease_ms;
  d.payload = select.column_blob(8);
}

Result<std::vector<Delivery>> Store::lease(const LeaseRequest& req) {
  std::vector<Delivery> out;
  const auto limit = static_cast<std::int64_t>(
      std::min<std::size_t>(req.max_items, std::numeric_limits<std::int32_t>::max()));
  if (req.one_per_case) {
    auto ids = leasable_per_case(req.recipient, req.now_ms, limit);
    if (!ids.ok()) return ids.error();
    for (const auto id : *ids) {
      ResetOnExit r(select_copy_);
      select_copy_.bind(1, id);
      const int rc = select_copy_.step();
      if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "select leasable copy");
      read_delivery(select_copy_, req, out.emplace_back());
    }
  } else {
    ResetOnExit r(select_leasable_);
    select_leasable_.bind_text(1, req.recipient);
    select_leasable_.bind(2, req.now_ms);
    select_leasable_.bind(3, limit);
    for (;;) {
      const int rc = select_leasable_.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "select leasable");
      read_delivery(select_leasable_, req, out.emplace_back());
    }
  }
  for (const auto& d : out) {
    {
      ResetOnExit r(mark_leased_);
      mark_leased_.bind(1, d.delivery_id);
      mark_leased_.bind(2, d.lease_expires_at_ms);
      if (auto s = step_done(mark_leased_, "mark leased"); !s.ok()) return s.error();
    }
    if (audit_enabled_) {
      if (auto s = record(lease_event(d, req.recipient, req.now_ms)); !s.ok()) return s.error();
    }
  }
  return out;
}

Result<bool> Store::find_copy(std::int64_t id, CopyRow& out) {
  ResetOnExit r(find_copy_);
  find_copy_.bind(1, id);
  const int rc = find_copy_.step();
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "find copy");
  out.recipient = find_copy_.column_text(0);
  out.state = find_copy_.column_text(1);
  out.sender = find_copy_.column_text(2);
  out.message_id = find_copy_.column_text(3);
  out.event_type = find_copy_.column_text(4);
  out.case_urn = find_copy_.column_text(5);
  out.subject_ref = find_copy_.column_text(6);
  out.received_at_ms = find_copy_.column_int64(7);
  out.attempts = static_cast<int>(find_copy_.column_int64(8));
  out.acknowledged = find_copy_.column_int64(9) != 0;
  out.copy_hash = find_copy_.column_text(10);
  return true;
}

Result<AckState> Store::ack(const AckRequest& req, BatchDelta& delta) {
  CopyRow facts;
  auto found = find_copy(req.delivery_id, facts);
  if (!found.ok()) return found.error();
  const AckPlan plan = plan_ack(*found ? std::optional<CopyRow>(facts) : std::nullopt, req);
  if (plan == AckPlan::not_found) return AckState::not_found;
  if (plan == AckPlan::already_acked) return AckState::already_acked;
  if (plan == AckPlan::deliver) {
    ResetOnExit r(mark_delivered_);
    mark_delivered_.bind(1, req.delivery_id);
    mark_delivered_.bind(2, req.now_ms);
    mark_delivered_.bind_text(3, req.channel_ref);
    if (auto s = step_done(mark_delivered_, "mark delivered"); !s.ok()) return s.error();
  } else {
    ResetOnExit r(mark_acknowledged_);
    mark_acknowledged_.bind(1, req.delivery_id);
    mark_acknowledged_.bind(2, req.now_ms);
    if (req.receipt) {
      mark_acknowledged_.bind_text(3, req.receipt->kid);
      mark_acknowledged_.bind_text(4, req.receipt->sig);
      mark_acknowledged_.bind(5, req.receipt->at_ms);
    }  // unbound parameters are NULL
    if (auto s = step_done(mark_acknowledged_, "mark acknowledged"); !s.ok()) return s.error();
  }
  // Leaves the counters when it stops being pending. A dead letter the recipient pulled and
  // acked anyway (mailbox) counts as delivered; so does a copy purged while under its lease (it
  // left the counters when purged).
  if (plan != AckPlan::acknowledge_later && facts.state != "purged") {
    --(facts.state == "dead" ? delta.dead_by_recipient : delta.queued_by_recipient)[req.recipient];
  }
  for (const auto& event : ack_events(req, facts)) {
    if (auto s = record(event); !s.ok()) return s.error();
  }
  if (plan != AckPlan::deliver) {
    if (auto s = note_acknowledged(facts, req.now_ms); !s.ok()) return s.error();
  }
  return AckState::acked;
}

Result<bool> Store::status_callback_of(const std::string& sender, const std::string& message_id) {
  if (sender == kStatusNoticeSender) return false;  // notices never cause notices
  ResetOnExit r(submission_flags_);
  submission_flags_.bind_text(1, sender);
  submission_flags_.bind_text(2, message_id);
  const int rc = submission_flags_.step();
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "read submission flags");
  return submission_flags_.column_int64(0) != 0;
}

Status Store::insert_notice(const StatusNotice& notice) {
  ResetOnExit r(insert_notice_);
  insert_notice_.bind_text(1, notice.sender);
  insert_notice_.bind_text(2, notice.message_id);
  insert_notice_.bind_text(3, notice.outcome);
  insert_notice_.bind_text(4, notice.recipient);
  insert_notice_.bind(5, notice.delivery_id);
  insert_notice_.bind(6, notice.at_ms);
  return step_done(insert_notice_, "insert status notice");
}

Status Store::note_acknowledged(const CopyRow& copy, std::int64_t now_ms) {
  auto wanted = status_callback_of(copy.sender, copy.message_id);
  if (!wanted.ok()) return wanted.error();
  if (!*wanted) return Status::Ok();
  std::int64_t left = 0;
  {
    ResetOnExit r(count_unacknowledged_);
    count_unacknowledged_.bind_text(1, copy.sender);
    count_unacknowledged_.bind_text(2, copy.message_id);
    const int rc = count_unacknowledged_.step();
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "count unacknowledged copies");
    left = count_unacknowledged_.column_int64(0);
  }
  // This ack acknowledged the last copy: once, since a copy is acknowledged only once.
  if (left != 0) return Status::Ok();
  return insert_notice({0, copy.sender, copy.message_id, "acknowledged", "", 0, now_ms});
}

Result<bool> Store::release(const ReleaseRequest& req) {
  CopyRow facts;
  auto found = find_copy(req.delivery_id, facts);
  if (!found.ok()) return found.error();
  if (!*found || facts.recipient != req.recipient || !is_pending_state(facts.state)) return false;
  if (req.returned) {
    // Handed back unused at a clean stop: leasable at once, and the lease was no attempt.
    auto update = Statement::prepare(db_.get(),
                                     "UPDATE copies SET state = 'queued', lease_expires_at_ms = 0, "
                                     "attempts = max(attempts - 1, 0) WHERE id = ?1");
    if (!update.ok()) return update.error();
    update->bind(1, req.delivery_id);
    if (auto s = step_done(*update, "return copy"); !s.ok()) return s.error();
    auto event = copy_event(audit::kind::kDeliveryReturned, req.now_ms, req.delivery_id,
                            req.recipient, facts);
    event.reason = req.detail;
    if (auto s = record(event); !s.ok()) return s.error();
    return true;
  }
  {
    ResetOnExit r(mark_released_);
    mark_released_.bind(1, req.delivery_id);
    mark_released_.bind(2, req.retry_at_ms);
    if (auto s = step_done(mark_released_, "release copy"); !s.ok()) return s.error();
  }
  auto event = copy_event(audit::kind::kDeliveryRetryScheduled, req.now_ms, req.delivery_id,
                          req.recipient, facts);
  event.reason = req.detail;
  event.details = {{"next_attempt_at", format_time_ms(req.retry_at_ms)}};
  if (auto s = record(event); !s.ok()) return s.error();
  return true;
}

Result<bool> Store::dead_letter(const DeadLetterRequest& req, BatchDelta& delta) {
  CopyRow facts;
  auto found = find_copy(req.delivery_id, facts);
  if (!found.ok()) return found.error();
  if (!*found || facts.recipient != req.recipient || !is_pending_state(facts.state)) return false;
  {
    ResetOnExit r(mark_dead_);
    mark_dead_.bind(1, req.delivery_id);
    mark_dead_.bind(2, req.now_ms);
    mark_dead_.bind_text(3, req.code);
    mark_dead_.bind_text(4, req.detail);
    if (auto s = step_done(mark_dead_, "dead-letter copy"); !s.ok()) return s.error();
  }
  --delta.queued_by_recipient[req.recipient];
  ++delta.dead_by_recipient[req.recipient];
  auto event = copy_event(
      req.code == "expired" ? audit::kind::kDeliveryExpired : audit::kind::kDeliveryDeadLettered,
      req.now_ms, req.delivery_id, req.recipient, facts);
  event.code = req.code;
  event.reason = req.detail;
  if (auto s = record(event); !s.ok()) return s.error();
  auto wanted = status_callback_of(facts.sender, facts.message_id);
  if (!wanted.ok()) return wanted.error();
  if (*wanted) {
    if (auto s = insert_notice({0, facts.sender, facts.message_id, "dead_lettered", req.recipient,
                                req.delivery_id, req.now_ms});
        !s.ok()) {
      return s.error();
    }
  }
  return true;
}

Result<bool> Store::emit_status_notice(std::int64_t notice_id, const NoticeCopy& copy,
                                       std::int64_t now_ms, BatchDelta& delta) {
  auto select = Statement::prepare(db_.get(), kSelectNoticeSql);
  if (!select.ok()) return select.error();
  select->bind(1, notice_id);
  const int rc = select->step();
  if (rc == SQLITE_DONE) return false;  // already emitted: nothing twice
  if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "read status notice");
  StatusNotice notice;
  notice.notice_id = notice_id;
  notice.sender = select->column_text(0);
  notice.message_id = select->column_text(1);
  notice.outcome = select->column_text(2);
  select->reset();
  {
    ResetOnExit r(insert_copy_);
    insert_copy_.bind_text(1, copy.recipient);
    insert_copy_.bind_text(2, kStatusNoticeSender);
    insert_copy_.bind_text(3, copy.message_id);
    insert_copy_.bind_text(4, copy.event_type);
    insert_copy_.bind_text(5, copy.case_urn);
    insert_copy_.bind_text(6, "");
    insert_copy_.bind(7, copy.received_at_ms);
    insert_copy_.bind_blob(8, copy.payload);
    insert_copy_.bind_text(9, "");
    insert_copy_.bind(10, 0);
    if (auto s = step_done(insert_copy_, "insert notice copy"); !s.ok()) return s.error();
  }
  const std::int64_t delivery_id = sqlite3_last_insert_rowid(db_.get());
  ++delta.queued_by_recipient[copy.recipient];
  auto remove = Statement::prepare(db_.get(), kDeleteNoticeSql);
  if (!remove.ok()) return remove.error();
  remove->bind(1, notice_id);
  if (auto s = step_done(*remove, "delete status notice"); !s.ok()) return s.error();
  if (auto s = record(status_notice_event(notice, delivery_id, now_ms)); !s.ok()) return s.error();
  return true;
}

Result<PurgeBatch> Store::purge_batch(const PurgeRequest& req, std::int64_t after_id,
                                      int batch_number, std::int64_t purged_before,
                                      BatchDelta& delta) {
  auto select = Statement::prepare(
      db_.get(),
      "SELECT id, recipient, sender, event_type, received_at_ms, state FROM copies "
      "WHERE id > ?1 AND state IN ('queued', 'leased', 'dead') ORDER BY id LIMIT ?2");
  if (!select.ok()) return select.error();
  const auto limit = static_cast<std::int64_t>(
      std::clamp<std::size_t>(req.batch_size, 1, std::numeric_limits<std::int32_t>::max()));
  select->bind(1, after_id);
  select->bind(2, limit);
  PurgeBatch batch;
  batch.last_id = after_id;
  std::vector<std::pair<std::int64_t, std::string>> due;  // id, recipient
  std::int64_t examined = 0;
  for (;;) {
    const int rc = select->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "select purge candidates");
    ++examined;
    batch.last_id = select->column_int64(0);
    PurgeCandidate copy{select->column_text(2), select->column_text(1), select->column_text(3),
                        select->column_int64(4)};
    if (!req.due || !req.due(copy)) continue;
    --(select->column_text(5) == "dead" ? delta.dead_by_recipient
                                        : delta.queued_by_recipient)[copy.recipient];
    due.emplace_back(batch.last_id, std::move(copy.recipient));
  }
  select->reset();
  batch.more = examined == limit;
  auto update = Statement::prepare(
      db_.get(),
      "UPDATE copies SET state = 'purged', payload = NULL, lease_expires_at_ms = 0 WHERE id = ?1");
  if (!update.ok()) return update.error();
  // What the purge frees is overwritten with zeros (in the page and freed overflow pages), so
  // the bytes leave the file at the next checkpoint. Debian's SQLite has it on already; the
  // connection's setting is restored after.
  auto secure = db_.query_int64("PRAGMA secure_delete");
  if (!secure.ok()) return secure.error();
  if (auto s = db_.exec("PRAGMA secure_delete=1"); !s.ok()) return s.error();
  Status updated = Status::Ok();
  for (const auto& [id, recipient] : due) {
    update->reset();
    update->bind(1, id);
    if (updated = step_done(*update, "purge copy"); !updated.ok()) break;
    ++batch.purged_by_recipient[recipient];
    ++batch.purged;
  }
  update->reset();
  if (auto s = db_.exec("PRAGMA secure_delete=" + std::to_string(*secure)); !s.ok()) {
    return s.error();
  }
  if (!updated.ok()) return updated.error();
  if (purge_batch_records(batch, purged_before)) {
    if (auto s = record(purge_event(req, batch, batch_number)); !s.ok()) return s.error();
  }
  return batch;
}

Result<std::vector<DeadLetter>> Store::dead_letters(const std::string& recipient,
                                                    std::size_t limit) {
  auto stmt = Statement::prepare(
      db_.get(),
      "SELECT id, recipient, sender, message_id, event_type, case_urn, received_at_ms, "
      "attempts, coalesce(dead_at_ms, 0), coalesce(dead_code, ''), coalesce(dead_detail, '') "
      "FROM copies WHERE state = 'dead' AND (?1 = '' OR recipient = ?1) ORDER BY id LIMIT ?2");
  if (!stmt.ok()) return stmt.error();
  stmt->bind_text(1, recipient);
  stmt->bind(2, static_cast<std::int64_t>(
                    std::min<std::size_t>(limit, std::numeric_limits<std::int32_t>::max())));
  std::vector<DeadLetter> out;
  for (;;) {
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "list dead letters");
    DeadLetter d;
    d.delivery_id = stmt->column_int64(0);
    d.recipient = stmt->column_text(1);
    d.sender = stmt->column_text(2);
    d.message_id = stmt->column_text(3);
    d.event_type = stmt->column_text(4);
    d.case_urn = stmt->column_text(5);
    d.received_at_ms = stmt->column_int64(6);
    d.attempts = static_cast<int>(stmt->column_int64(7));
    d.dead_at_ms = stmt->column_int64(8);
    d.code = stmt->column_text(9);
    d.detail = stmt->column_text(10);
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::int64_t> Store::redrive(const RedriveRequest& req, BatchDelta& delta) {
  // Few rows by nature (dead letters), so a plain select then per-row updates is enough.
  auto stmt = Statement::prepare(
      db_.get(),
      "SELECT id, recipient, sender, message_id, event_type, case_urn, subject_ref, attempts "
      "FROM copies WHERE state = 'dead' AND (?1 = '' OR recipient = ?1) AND (?2 = 0 OR id = ?2) "
      "ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind_text(1, req.recipient);
  stmt->bind(2, req.delivery_id);
  std::vector<std::pair<std::int64_t, CopyRow>> rows;
  for (;;) {
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "select dead letters");
    CopyRow f;
    f.recipient = stmt->column_text(1);
    f.sender = stmt->column_text(2);
    f.message_id = stmt->column_text(3);
    f.event_type = stmt->column_text(4);
    f.case_urn = stmt->column_text(5);
    f.subject_ref = stmt->column_text(6);
    f.attempts = static_cast<int>(stmt->column_int64(7));
    rows.emplace_back(stmt->column_int64(0), std::move(f));
  }
  stmt->reset();
  auto update = Statement::prepare(
      db_.get(),
      "UPDATE copies SET state = 'queued', attempts = 0, lease_expires_at_ms = 0, "
      "dead_at_ms = NULL, dead_code = NULL, dead_detail = NULL WHERE id = ?1");
  if (!update.ok()) return update.error();
  for (const auto& [id, facts] : rows) {
    update->reset();
    update->bind(1, id);
    if (auto s = step_done(*update, "redrive"); !s.ok()) return s.error();
    ++delta.queued_by_recipient[facts.recipient];
    --delta.dead_by_recipient[facts.recipient];
    auto event = copy_event(audit::kind::kDeliveryRedriven, req.now_ms, id, facts.recipient, facts);
    if (!req.actor.empty()) event.details = {{"actor", req.actor}};
    if (auto s = record(event); !s.ok()) return s.error();
  }
  return static_cast<std::int64_t>(rows.size());
}

Result<std::map<std::string, std::int64_t>> Store::count_by_recipient(const char* state_term) {
  auto stmt =
      Statement::prepare(db_.get(), std::string("SELECT recipient, count(*) FROM copies WHERE ") +
                                        state_term + " GROUP BY recipient");
  if (!stmt.ok()) return stmt.error();
  std::map<std::string, std::int64_t> counts;
  for (;;) {
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "count copies");
    counts[stmt->column_text(0)] = stmt->column_int64(1);
  }
  return counts;
}

Result<std::int64_t> Store::count_submissions() {
  return db_.query_int64("SELECT count(*) FROM submissions");
}

Result<std::int64_t> Store::last_delivery_id() {
  // AUTOINCREMENT keeps the high-water mark in sqlite_sequence even if rows go.
  return db_.query_int64(
      "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'copies'), 0)");
}

Result<std::string> Store::chain_hex_at(std::int64_t seq) {
  auto stmt = Statement::prepare(db_.get(), "SELECT chain FROM audit_records WHERE seq = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, seq);
  const int rc = stmt->step();
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "read audit chain");
  const std::string chain = stmt->column_blob(0);
  if (chain.size() != audit_head_.size()) return std::string("(malformed)");
  audit::Digest digest{};
  std::copy(chain.begin(), chain.end(), digest.begin());
  return audit::to_hex(digest);
}

std::string Store::audit_head_hex() const {
  return audit_seq_ == 0 ? std::string() : audit::to_hex(audit_head_);
}

Result<std::map<std::string, std::int64_t>> Store::count_queued() {
  return count_by_recipient("state IN ('queued', 'leased')");
}

Result<std::map<std::string, std::int64_t>> Store::count_dead() {
  return count_by_recipient("state = 'dead'");
}

}  // namespace accord::spool::detail
