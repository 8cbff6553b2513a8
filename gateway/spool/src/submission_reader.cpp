#include "submission_reader.hpp"

#include <algorithm>
#include <limits>

#include "store.hpp"

namespace accord::spool::detail {

Result<std::unique_ptr<SubmissionReader::Reader>> SubmissionReader::take() const {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  // A plain path (no "file:" prefix) is taken as a file name even with URI parsing on.
  auto db = Connection::open_read_only(path_);
  if (!db.ok()) return db.error();
  auto reader = std::make_unique<Reader>();
  reader->db = std::move(db).value();
  auto find = Statement::prepare(reader->db.get(), kFindSubmissionSql);
  if (!find.ok()) return find.error();
  reader->find = std::move(find).value();
  auto state = Statement::prepare(reader->db.get(), kSelectSubjectStateSql);
  if (!state.ok()) return state.error();
  reader->subject_state = std::move(state).value();
  return reader;
}

void SubmissionReader::give_back(std::unique_ptr<Reader> reader) const {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(reader));
}

Result<std::optional<PriorSubmission>> SubmissionReader::find(const std::string& sender,
                                                              const std::string& message_id) const {
  auto reader = take();
  if (!reader.ok()) return reader.error();
  std::optional<PriorSubmission> prior;
  {
    Statement& find = reader.value()->find;
    ResetOnExit r(find);  // no read transaction stays open to hold back WAL checkpoints
    find.bind_text(1, sender);
    find.bind_text(2, message_id);
    const int rc = find.step();
    if (rc == SQLITE_ROW) {
      prior.emplace();
      prior->content_hash = find.column_text(0);
      prior->received_at_ms = find.column_int64(1);
      prior->recipients = decode_recipients(find.column_text(2));
    } else if (rc != SQLITE_DONE) {
      // The connection may be what failed: drop it rather than pool it.
      return sqlite_error(reader.value()->db.get(), rc, "find submission (reader)");
    }
  }
  give_back(std::move(reader).value());
  return prior;
}

Result<std::vector<SubjectStateRow>> SubmissionReader::subject_state(
    const std::string& subject_ref) const {
  auto reader = take();
  if (!reader.ok()) return reader.error();
  std::vector<SubjectStateRow> rows;
  {
    Statement& select = reader.value()->subject_state;
    ResetOnExit r(select);
    select.bind_text(1, subject_ref);
    for (;;) {
      const int rc = select.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(reader.value()->db.get(), rc, "read subject state");
      SubjectStateRow row;
      row.agency = select.column_text(0);
      row.name = select.column_text(1);
      row.value = select.column_text(2);
      row.at_ms = select.column_int64(3);
      row.sender = select.column_text(4);
      row.message_id = select.column_text(5);
      rows.push_back(std::move(row));
    }
  }
  give_back(std::move(reader).value());
  return rows;
}

Result<std::map<std::string, QueueHealth>> SubmissionReader::queue_health(
    std::int64_t now_ms) const {
  auto reader = take();
  if (!reader.ok()) return reader.error();
  std::map<std::string, QueueHealth> out;
  {
    auto select = Statement::prepare(reader.value()->db.get(), queue_health_sql("?1"));
    if (!select.ok()) return select.error();
    ResetOnExit r(select.value());
    select->bind(1, now_ms);
    for (;;) {
      const int rc = select->step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(reader.value()->db.get(), rc, "queue health");
      std::optional<std::int64_t> oldest;
      if (!select->column_is_null(4)) oldest = select->column_int64(4);
      add_queue_health_row(out, select->column_text(0), select->column_int64(1),
                           select->column_int64(2), select->column_int64(3), oldest);
    }
  }
  give_back(std::move(reader).value());
  return out;
}

Result<std::optional<CopyFacts>> SubmissionReader::copy_facts(const std::string& recipient,
                                                              std::int64_t delivery_id) const {
  auto reader = take();
  if (!reader.ok()) return reader.error();
  sqlite3* db = reader.value()->db.get();
  std::optional<CopyFacts> out;
  {
    auto select = Statement::prepare(db, kCopyFactsSql);
    if (!select.ok()) return select.error();
    select->bind(1, delivery_id);
    const int rc = select->step();
    if (rc == SQLITE_ROW && select->column_text(1) == recipient) {
      CopyFacts f;
      f.delivery_id = select->column_int64(0);
      f.recipient = select->column_text(1);
      f.sender = select->column_text(2);
      f.message_id = select->column_text(3);
      f.copy_hash = select->column_text(4);
      f.receipt_required = select->column_int64(5) != 0;
      f.acknowledged = select->column_int64(6) != 0;
      f.state = select->column_text(7);
      out = std::move(f);
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return sqlite_error(db, rc, "copy facts");
    }
  }
  give_back(std::move(reader).value());
  return out;
}

Result<std::optional<MessageStatus>> SubmissionReader::message_status(const std::string& sender,
                                                                      const std::string& message_id,
                                                                      std::int64_t now_ms) const {
  auto reader = take();
  if (!reader.ok()) return reader.error();
  sqlite3* db = reader.value()->db.get();
  std::optional<MessageStatus> out;
  {
    // One read transaction: the submission and its copies as of one commit.
    if (auto s = reader.value()->db.exec("BEGIN"); !s.ok()) return s.error();
    struct EndRead {
      Connection& db;
      ~EndRead() { (void)db.exec("COMMIT"); }
    } end{reader.value()->db};
    auto sub = Statement::prepare(db, kStatusSubmissionSql);
    if (!sub.ok()) return sub.error();
    sub->bind_text(1, sender);
    sub->bind_text(2, message_id);
    const int rc = sub->step();
    if (rc == SQLITE_ROW) {
      MessageStatus m;
      m.sender = sender;
      m.message_id = message_id;
      m.event_type = sub->column_text(0);
      m.case_urn = sub->column_text(1);
      m.received_at_ms = sub->column_int64(2);
      m.withheld = decode_withheld(sub->column_text(3));
      out = std::move(m);
    } else if (rc != SQLITE_DONE) {
      return sqlite_error(db, rc, "status submission");
    }
    sub->reset();
    if (out) {
      auto copies = Statement::prepare(
          db, std::string("SELECT ") + kCopyStatusColumns +
                  " FROM copies WHERE sender = ?1 AND message_id = ?2 ORDER BY recipient, id");
      if (!copies.ok()) return copies.error();
      copies->bind_text(1, sender);
      copies->bind_text(2, message_id);
      Statement& row = copies.value();
      const StatusColumns columns{[&row](int i) -> std::optional<std::int64_t> {
                                    if (row.column_is_null(i)) return std::nullopt;
                                    return row.column_int64(i);
                                  },
                                  [&row](int i) -> std::optional<std::string> {
                                    if (row.column_is_null(i)) return std::nullopt;
                                    return row.column_text(i);
                                  }};
      for (;;) {
        const int step = row.step();
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) return sqlite_error(db, step, "status copies");
        out->copies.push_back(copy_status_from(columns, now_ms));
      }
      std::stable_sort(out->withheld.begin(), out->withheld.end(),
                       [](const WithheldRecipient& a, const WithheldRecipient& b) {
                         return a.recipient < b.recipient;
                       });
    }
  }
  give_back(std::move(reader).value());
  return out;
}

Result<std::vector<StatusNotice>> SubmissionReader::pending_status_notices(
    std::size_t limit) const {
  auto reader = take();
  if (!reader.ok()) return reader.error();
  sqlite3* db = reader.value()->db.get();
  std::vector<StatusNotice> out;
  {
    auto select = Statement::prepare(db, kPendingNoticesSql);
    if (!select.ok()) return select.error();
    select->bind(1, static_cast<std::int64_t>(
                        std::min<std::size_t>(limit, std::numeric_limits<std::int32_t>::max())));
    for (;;) {
      const int rc = select->step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db, rc, "pending status notices");
      StatusNotice n;
      n.notice_id = select->column_int64(0);
      n.sender = select->column_text(1);
      n.message_id = select->column_text(2);
      n.outcome = select->column_text(3);
      n.recipient = select->column_text(4);
      n.delivery_id = select->column_int64(5);
      n.at_ms = select->column_int64(6);
      out.push_back(std::move(n));
    }
  }
  give_back(std::move(reader).value());
  return out;
}

}  // namespace accord::spool::detail
