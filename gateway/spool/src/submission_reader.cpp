#include "submission_reader.hpp"

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

}  // namespace accord::spool::detail
