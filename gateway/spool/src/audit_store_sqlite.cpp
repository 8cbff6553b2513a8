// The audit rows of an embedded spool file. The file is opened READ-ONLY
// (SQLITE_OPEN_READONLY): the reader can never change the log it reads, and in WAL mode it
// reads a consistent snapshot per statement (per read transaction inside a snapshot) while
// the gateway's writer keeps committing.
#include <sqlite3.h>

#include <utility>
#include <variant>

#include "audit_store.hpp"
#include "audit_where.hpp"
#include "schema.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool::detail {
namespace {

// The index columns as selected by kIndexColumns, starting at column `first`.
constexpr const char* kIndexColumns =
    "seq, at_ms, kind, sender, recipient, agreement, case_urn, subject_ref, message_id";

IndexColumns read_index(Statement& s, int first) {
  IndexColumns c;
  c.seq = s.column_int64(first);
  c.at_ms = s.column_int64(first + 1);
  c.kind = s.column_text(first + 2);
  c.sender = s.column_text(first + 3);
  c.recipient = s.column_text(first + 4);
  c.agreement = s.column_text(first + 5);
  c.case_urn = s.column_text(first + 6);
  c.subject_ref = s.column_text(first + 7);
  c.message_id = s.column_text(first + 8);
  return c;
}

// "record, chain, <index columns>" read back; `selected` from column 2 when `with_selected`.
StoredRow read_row(Statement& s, bool with_selected) {
  StoredRow row;
  row.record = s.column_text(0);
  row.chain = s.column_blob(1);
  if (with_selected) row.selected = s.column_int64(2) != 0;
  row.columns = read_index(s, with_selected ? 3 : 2);
  return row;
}

// Binds the WHERE values starting at `index`; returns the next free index.
int bind_where(Statement& s, const Where& w, int index) {
  for (const auto& v : w.values) {
    if (const auto* text = std::get_if<std::string>(&v)) {
      s.bind_text(index++, *text);
    } else {
      s.bind(index++, std::get<std::int64_t>(v));
    }
  }
  return index;
}

class RowCursor final : public Cursor<StoredRow> {
 public:
  explicit RowCursor(Statement s) : s_(std::move(s)) {}
  Result<std::optional<StoredRow>> next() override {
    const int rc = s_.step();
    if (rc == SQLITE_ROW) return std::optional<StoredRow>(read_row(s_, false));
    if (rc == SQLITE_DONE) return std::optional<StoredRow>();
    return sqlite_error(s_.db(), rc, "read audit records");
  }

 private:
  Statement s_;
};

class CheckpointCursor final : public Cursor<StoredCheckpoint> {
 public:
  explicit CheckpointCursor(Statement s) : s_(std::move(s)) {}
  Result<std::optional<StoredCheckpoint>> next() override {
    const int rc = s_.step();
    if (rc == SQLITE_ROW) {
      return std::optional<StoredCheckpoint>(
          StoredCheckpoint{s_.column_int64(0), s_.column_int64(1), s_.column_text(2)});
    }
    if (rc == SQLITE_DONE) return std::optional<StoredCheckpoint>();
    return sqlite_error(s_.db(), rc, "read checkpoints");
  }

 private:
  Statement s_;
};

class SqliteAuditStore final : public AuditStore {
 public:
  Status open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) {
      Error e = sqlite_error(raw, rc, "open " + path + " read-only");
      e.code = "storage_unavailable";
      return e;
    }
    sqlite3_extended_result_codes(raw, 1);
    // The writer holds its lock only for a commit's length; wait rather than fail.
    sqlite3_busy_timeout(raw, 5'000);
    auto version = first_int("PRAGMA user_version", {});
    if (!version.ok()) return version.error();
    if (version->value_or(0) > kSchemaVersion) {
      return make_error("schema_mismatch", path + " has spool schema " + std::to_string(**version) +
                                               ", newer than this build's " +
                                               std::to_string(kSchemaVersion));
    }
    auto n = first_int(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
        "name IN ('audit_records', 'audit_checkpoints')",
        {});
    if (!n.ok()) return n.error();
    if (n->value_or(0) != 2) {
      return make_error("schema_mismatch", path + " holds no audit log (not a spool database?)");
    }
    return Status::Ok();
  }

  Status begin_snapshot() override {
    // A failed BEGIN leaves per-statement snapshots: still each answer is consistent.
    snapshot_ = sqlite3_exec(db_.get(), "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
    return Status::Ok();
  }
  void end_snapshot() override {
    if (snapshot_) sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
    snapshot_ = false;
  }

  Result<std::vector<StoredRow>> matching_rows(const AuditFilter& filter, std::int64_t after_seq,
                                               std::size_t limit) override {
    const Where w = build_where(filter, SqlDialect::sqlite);
    auto s = prepare(std::string("SELECT record, chain, ") + kIndexColumns +
                     " FROM audit_records WHERE " + w.sql + " AND seq > ? ORDER BY seq LIMIT ?");
    if (!s.ok()) return s.error();
    int i = bind_where(*s, w, 1);
    s->bind(i++, after_seq);
    s->bind(i, static_cast<std::int64_t>(limit));
    return rows(*s, false, "query");
  }

  Result<std::optional<std::int64_t>> match_seq(const AuditFilter& filter, std::int64_t through_seq,
                                                bool last) override {
    const Where w = build_where(filter, SqlDialect::sqlite);
    const std::string bound = through_seq > 0 ? " AND seq <= " + std::to_string(through_seq) : "";
    auto s = prepare("SELECT seq FROM audit_records WHERE " + w.sql + bound + " ORDER BY seq " +
                     (last ? "DESC" : "ASC") + " LIMIT 1");
    if (!s.ok()) return s.error();
    bind_where(*s, w, 1);
    return first_int(*s);
  }

  Result<std::vector<StoredRow>> rows_between(const AuditFilter& filter, std::int64_t first,
                                              std::int64_t last) override {
    const Where w = build_where(filter, SqlDialect::sqlite);
    auto s = prepare("SELECT record, chain, " + w.sql + ", " + kIndexColumns +
                     " FROM audit_records WHERE seq BETWEEN ? AND ? ORDER BY seq");
    if (!s.ok()) return s.error();
    int i = bind_where(*s, w, 1);
    s->bind(i++, first);
    s->bind(i, last);
    return rows(*s, true, "read audit records");
  }

  Result<std::vector<StoredCheckpoint>> checkpoints(std::int64_t after_seq,
                                                    std::int64_t through_seq,
                                                    std::size_t limit) override {
    auto s = prepare(
        "SELECT seq, at_ms, checkpoint FROM audit_checkpoints WHERE seq > ? AND seq <= ? "
        "ORDER BY seq LIMIT ?");
    if (!s.ok()) return s.error();
    s->bind(1, after_seq);
    s->bind(2, through_seq);
    s->bind(3, static_cast<std::int64_t>(limit));
    std::vector<StoredCheckpoint> out;
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) {
      out.push_back({s->column_int64(0), s->column_int64(1), s->column_text(2)});
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_.get(), rc, "read checkpoints");
    return out;
  }

  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override {
    auto s =
        prepare("SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq DESC LIMIT 1");
    if (!s.ok()) return s.error();
    const int rc = s->step();
    if (rc == SQLITE_ROW) {
      return std::optional<StoredCheckpoint>(
          StoredCheckpoint{s->column_int64(0), s->column_int64(1), s->column_text(2)});
    }
    if (rc == SQLITE_DONE) return std::optional<StoredCheckpoint>();
    return sqlite_error(db_.get(), rc, "read checkpoints");
  }

  Result<std::optional<std::int64_t>> checkpoint_at_or_after(std::int64_t seq) override {
    return first_int("SELECT seq FROM audit_checkpoints WHERE seq >= ? ORDER BY seq LIMIT 1",
                     {seq});
  }

  Result<std::optional<std::string>> chain_at(std::int64_t seq) override {
    auto s = prepare("SELECT chain FROM audit_records WHERE seq = ?");
    if (!s.ok()) return s.error();
    s->bind(1, seq);
    const int rc = s->step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(s->column_blob(0));
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return sqlite_error(db_.get(), rc, "read chain");
  }

  Result<AuditHead> head() override {
    auto s = prepare(
        "SELECT (SELECT coalesce(max(seq), 0) FROM audit_records), "
        "(SELECT coalesce(max(seq), 0) FROM audit_checkpoints), "
        "(SELECT count(*) FROM audit_records)");
    if (!s.ok()) return s.error();
    const int rc = s->step();
    if (rc != SQLITE_ROW) return sqlite_error(db_.get(), rc, "read audit head");
    return AuditHead{s->column_int64(0), s->column_int64(1), s->column_int64(2)};
  }

  Result<std::unique_ptr<Cursor<StoredRow>>> all_rows() override {
    auto s = prepare(std::string("SELECT record, chain, ") + kIndexColumns +
                     " FROM audit_records ORDER BY seq");
    if (!s.ok()) return s.error();
    return std::unique_ptr<Cursor<StoredRow>>(new RowCursor(std::move(s).value()));
  }

  Result<std::unique_ptr<Cursor<StoredCheckpoint>>> all_checkpoints() override {
    auto s = prepare("SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq");
    if (!s.ok()) return s.error();
    return std::unique_ptr<Cursor<StoredCheckpoint>>(new CheckpointCursor(std::move(s).value()));
  }

 private:
  Result<Statement> prepare(std::string_view sql) { return Statement::prepare(db_.get(), sql); }

  Result<std::optional<std::int64_t>> first_int(Statement& s) {
    const int rc = s.step();
    if (rc == SQLITE_ROW) return std::optional<std::int64_t>(s.column_int64(0));
    if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
    return sqlite_error(db_.get(), rc, "read audit log");
  }
  Result<std::optional<std::int64_t>> first_int(const char* sql,
                                                std::initializer_list<std::int64_t> values) {
    auto s = prepare(sql);
    if (!s.ok()) return s.error();
    int i = 1;
    for (const auto v : values) s->bind(i++, v);
    return first_int(*s);
  }

  Result<std::vector<StoredRow>> rows(Statement& s, bool with_selected, const char* what) {
    std::vector<StoredRow> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_row(s, with_selected));
    if (rc != SQLITE_DONE) return sqlite_error(db_.get(), rc, what);
    return out;
  }

  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Close> db_;
  bool snapshot_ = false;
};

}  // namespace

Result<std::unique_ptr<AuditStore>> open_sqlite_audit_store(const std::string& path) {
  auto store = std::make_unique<SqliteAuditStore>();
  if (auto s = store->open(path); !s.ok()) return s.error();
  return std::unique_ptr<AuditStore>(std::move(store));
}

}  // namespace accord::spool::detail
