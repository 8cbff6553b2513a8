#include "store.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace accord::spool::detail {
namespace {

// The leasable rows of one recipient in id order. The `state <> 'acked'` term matches the
// partial index copies_unacked, so this is a range scan over unacked copies only; rows still
// under lease are skipped from the index without touching the table.
constexpr const char* kSelectLeasable =
    "SELECT id, sender, message_id, event_type, case_urn, received_at_ms, attempts, payload "
    "FROM copies WHERE recipient = ?1 AND state <> 'acked' AND lease_expires_at_ms <= ?2 "
    "ORDER BY id LIMIT ?3";

std::string encode_recipients(const std::vector<Copy>& copies) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : copies) list.push_back(c.recipient);
  return list.dump();
}

std::vector<std::string> decode_recipients(const std::string& text) {
  std::vector<std::string> out;
  const auto list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) return out;
  for (const auto& r : list) {
    if (r.is_string()) out.push_back(r.get<std::string>());
  }
  return out;
}

Status step_done(Statement& s, std::string_view what) {
  const int rc = s.step();
  if (rc != SQLITE_DONE) return sqlite_error(s.db(), rc, what);
  return Status::Ok();
}

}  // namespace

Result<Store> Store::prepare(Connection db) {
  Store st;
  st.db_ = std::move(db);
  struct Entry {
    Statement* target;
    const char* sql;
  };
  const Entry entries[] = {
      {&st.begin_, "BEGIN IMMEDIATE"},
      {&st.commit_, "COMMIT"},
      {&st.rollback_, "ROLLBACK"},
      {&st.find_submission_,
       "SELECT content_hash, received_at_ms, recipients FROM submissions "
       "WHERE sender = ?1 AND message_id = ?2"},
      {&st.insert_submission_,
       "INSERT INTO submissions(sender, message_id, content_hash, received_at_ms, recipients) "
       "VALUES(?1, ?2, ?3, ?4, ?5)"},
      {&st.insert_copy_,
       "INSERT INTO copies(recipient, sender, message_id, event_type, case_urn, "
       "received_at_ms, state, attempts, lease_expires_at_ms, payload) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, 0, ?7)"},
      {&st.select_leasable_, kSelectLeasable},
      {&st.mark_leased_,
       "UPDATE copies SET state = 'leased', attempts = attempts + 1, "
       "lease_expires_at_ms = ?2 WHERE id = ?1"},
      {&st.find_copy_, "SELECT recipient, state FROM copies WHERE id = ?1"},
      // Metadata stays (already_acked vs not_found, audit questions); the payload goes.
      {&st.mark_acked_,
       "UPDATE copies SET state = 'acked', payload = NULL, lease_expires_at_ms = 0, "
       "acked_at_ms = ?2 WHERE id = ?1"},
  };
  for (const auto& e : entries) {
    auto s = Statement::prepare(st.db_.get(), e.sql);
    if (!s.ok()) return s.error();
    *e.target = std::move(s).value();
  }
  return st;
}

Status Store::begin() {
  ResetOnExit r(begin_);
  return step_done(begin_, "BEGIN");
}

Status Store::commit() {
  ResetOnExit r(commit_);
  return step_done(commit_, "COMMIT");
}

void Store::rollback() {
  if (sqlite3_get_autocommit(db_.get()) != 0) return;  // SQLite already rolled back
  ResetOnExit r(rollback_);
  (void)rollback_.step();
}

Status Store::set_max_page_count(std::int64_t pages) {
  return db_.exec("PRAGMA max_page_count=" + std::to_string(pages));
}

Result<AppendResult> Store::append(const Submission& sub, BatchDelta& delta) {
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
    if (auto s = step_done(insert_submission_, "insert submission"); !s.ok()) return s.error();
  }
  for (const auto& copy : sub.copies) {
    ResetOnExit r(insert_copy_);
    insert_copy_.bind_text(1, copy.recipient);
    insert_copy_.bind_text(2, sub.sender);
    insert_copy_.bind_text(3, sub.message_id);
    insert_copy_.bind_text(4, sub.event_type);
    insert_copy_.bind_text(5, sub.case_urn);
    insert_copy_.bind(6, sub.received_at_ms);
    insert_copy_.bind_blob(7, copy.payload);
    if (auto s = step_done(insert_copy_, "insert copy"); !s.ok()) return s.error();
    ++delta.queued_by_recipient[copy.recipient];
  }
  ++delta.appended;
  AppendResult stored;
  stored.outcome = AppendOutcome::stored;
  stored.received_at_ms = sub.received_at_ms;
  stored.recipients.reserve(sub.copies.size());
  for (const auto& c : sub.copies) stored.recipients.push_back(c.recipient);
  return stored;
}

Result<std::vector<Delivery>> Store::lease(const LeaseRequest& req) {
  std::vector<Delivery> out;
  const auto limit = static_cast<std::int64_t>(
      std::min<std::size_t>(req.max_items, std::numeric_limits<std::int32_t>::max()));
  {
    ResetOnExit r(select_leasable_);
    select_leasable_.bind_text(1, req.recipient);
    select_leasable_.bind(2, req.now_ms);
    select_leasable_.bind(3, limit);
    for (;;) {
      const int rc = select_leasable_.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "select leasable");
      Delivery d;
      d.delivery_id = select_leasable_.column_int64(0);
      d.sender = select_leasable_.column_text(1);
      d.message_id = select_leasable_.column_text(2);
      d.event_type = select_leasable_.column_text(3);
      d.case_urn = select_leasable_.column_text(4);
      d.received_at_ms = select_leasable_.column_int64(5);
      d.attempts = static_cast<int>(select_leasable_.column_int64(6)) + 1;
      d.lease_expires_at_ms = req.now_ms + req.lease_ms;
      d.payload = select_leasable_.column_blob(7);
      out.push_back(std::move(d));
    }
  }
  for (const auto& d : out) {
    ResetOnExit r(mark_leased_);
    mark_leased_.bind(1, d.delivery_id);
    mark_leased_.bind(2, d.lease_expires_at_ms);
    if (auto s = step_done(mark_leased_, "mark leased"); !s.ok()) return s.error();
  }
  return out;
}

Result<AckState> Store::ack(const AckRequest& req, BatchDelta& delta) {
  {
    ResetOnExit r(find_copy_);
    find_copy_.bind(1, req.delivery_id);
    const int rc = find_copy_.step();
    if (rc == SQLITE_DONE) return AckState::not_found;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "find copy");
    // Another recipient's copy answers exactly like a missing one: ids leak nothing.
    if (find_copy_.column_text(0) != req.recipient) return AckState::not_found;
    if (find_copy_.column_text(1) == "acked") return AckState::already_acked;
  }
  ResetOnExit r(mark_acked_);
  mark_acked_.bind(1, req.delivery_id);
  mark_acked_.bind(2, req.now_ms);
  if (auto s = step_done(mark_acked_, "mark acked"); !s.ok()) return s.error();
  --delta.queued_by_recipient[req.recipient];
  return AckState::acked;
}

Result<std::map<std::string, std::int64_t>> Store::count_queued() {
  auto stmt = Statement::prepare(
      db_.get(),
      "SELECT recipient, count(*) FROM copies WHERE state <> 'acked' GROUP BY recipient");
  if (!stmt.ok()) return stmt.error();
  std::map<std::string, std::int64_t> counts;
  for (;;) {
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "count queued");
    counts[stmt->column_text(0)] = stmt->column_int64(1);
  }
  return counts;
}

}  // namespace accord::spool::detail
