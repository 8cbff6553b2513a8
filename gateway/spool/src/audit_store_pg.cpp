// The audit rows of a PostgreSQL spool (docs/storage.md "PostgreSQL"): the queries of the
// SQLite store in PostgreSQL's dialect, through pg_handle.hpp. A snapshot is one REPEATABLE
// READ READ ONLY transaction, so the records, their chain values and the checkpoints read in
// it agree with each other while gateways keep appending; outside one, each statement sees
// its own snapshot. Nothing here writes: a reader may point at a standby.
#include <utility>
#include <variant>

#include "accord/spool/pg_spool.hpp"
#include "audit_store.hpp"
#include "audit_where.hpp"
#include "pg_handle.hpp"
#include "pg_schema.hpp"

namespace accord::spool::detail {
namespace {

constexpr const char* kIndexColumns =
    "seq, at_ms, kind, sender, recipient, agreement, case_urn, subject_ref, message_id";
// Rows fetched per round trip by a cursor.
constexpr int kFetchRows = 1000;

IndexColumns read_index(const PgResult& r, int row, int first) {
  IndexColumns c;
  c.seq = r.int64(row, first);
  c.at_ms = r.int64(row, first + 1);
  c.kind = r.text(row, first + 2);
  c.sender = r.text(row, first + 3);
  c.recipient = r.text(row, first + 4);
  c.agreement = r.text(row, first + 5);
  c.case_urn = r.text(row, first + 6);
  c.subject_ref = r.text(row, first + 7);
  c.message_id = r.text(row, first + 8);
  return c;
}

// "record, chain, [selected,] <index columns>" read back (chain as bytea, hex text form).
StoredRow read_row(const PgResult& r, int row, bool with_selected) {
  StoredRow out;
  out.record = r.text(row, 0);
  out.chain = r.bytes(row, 1);
  if (with_selected) out.selected = r.text(row, 2) == "t";
  out.columns = read_index(r, row, with_selected ? 3 : 2);
  return out;
}

StoredCheckpoint read_checkpoint(const PgResult& r, int row) {
  return {r.int64(row, 0), r.int64(row, 1), r.text(row, 2)};
}

// The WHERE values as text parameters (PostgreSQL infers their types from the expression).
struct Params {
  std::vector<std::string> owned;
  void add(const SqlValue& v) {
    if (const auto* text = std::get_if<std::string>(&v)) {
      owned.push_back(*text);
    } else {
      owned.push_back(std::to_string(std::get<std::int64_t>(v)));
    }
  }
  void add_where(const Where& w) {
    for (const auto& v : w.values) add(v);
  }
  std::vector<PgParam> view() const {
    std::vector<PgParam> out;
    out.reserve(owned.size());
    for (const auto& o : owned) out.push_back(PgParam::text(o));
    return out;
  }
};

// A server-side cursor (DECLARE ... FETCH), so a whole log is never held in memory. Lives
// inside the caller's snapshot transaction and is closed before it ends.
template <typename T>
class PgCursor final : public Cursor<T> {
 public:
  using Read = T (*)(const PgResult&, int);
  PgCursor(PgConnection& db, std::string name, Read read)
      : db_(db), name_(std::move(name)), read_(read) {}
  ~PgCursor() override { (void)db_.exec("CLOSE " + name_, "close cursor"); }

  Result<std::optional<T>> next() override {
    if (at_ == batch_.rows()) {
      if (done_) return std::optional<T>();
      auto r = db_.exec_params("FETCH FORWARD " + std::to_string(kFetchRows) + " FROM " + name_, {},
                               "read audit log");
      if (!r.ok()) return r.error();
      batch_ = std::move(r).value();
      at_ = 0;
      done_ = batch_.rows() < kFetchRows;
      if (batch_.rows() == 0) return std::optional<T>();
    }
    return std::optional<T>(read_(batch_, at_++));
  }

 private:
  PgConnection& db_;
  std::string name_;
  Read read_;
  PgResult batch_;
  int at_ = 0;
  bool done_ = false;
};

StoredRow read_plain_row(const PgResult& r, int row) {
  return read_row(r, row, false);
}

class PgAuditStore final : public AuditStore {
 public:
  Status open(const std::string& uri) {
    auto db = PgConnection::open(uri);
    if (!db.ok()) return db.error();
    db_ = std::move(db).value();
    const std::string where = redact_conninfo(uri);
    auto found = db_.exec_params(
        "SELECT to_regclass('audit_records') IS NOT NULL AND "
        "to_regclass('audit_checkpoints') IS NOT NULL AND to_regclass('accord_meta') IS NOT NULL "
        "AND to_regprocedure('accord_record_json(text)') IS NOT NULL",
        {}, "read schema");
    if (!found.ok()) return found.error();
    if (found->text(0, 0) != "t") {
      return make_error("schema_mismatch",
                        where + " holds no audit log (not an Accord spool database?)");
    }
    auto version = db_.exec_params("SELECT value FROM accord_meta WHERE key = $1",
                                   {PgParam::text(kMetaSchemaVersion)}, "read schema version");
    if (!version.ok()) return version.error();
    if (version->rows() > 0 &&
        std::strtoll(version->text(0, 0).c_str(), nullptr, 10) > kPgSchemaVersion) {
      return make_error("schema_mismatch", where + " has spool schema " + version->text(0, 0) +
                                               ", newer than this build's " +
                                               std::to_string(kPgSchemaVersion));
    }
    return Status::Ok();
  }

  Status begin_snapshot() override {
    auto s = db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read snapshot");
    in_snapshot_ = s.ok();
    return s;
  }
  void end_snapshot() override {
    // Read only: nothing to commit; also ends a transaction a failed statement aborted.
    if (in_snapshot_) (void)db_.exec("ROLLBACK", "end read snapshot");
    in_snapshot_ = false;
  }

  Result<std::vector<StoredRow>> matching_rows(const AuditFilter& filter, std::int64_t after_seq,
                                               std::size_t limit) override {
    const Where w = build_where(filter, SqlDialect::postgresql, 1);
    const int n = static_cast<int>(w.values.size());
    Params p;
    p.add_where(w);
    p.add(after_seq);
    p.add(static_cast<std::int64_t>(limit));
    return rows(std::string("SELECT record, chain, ") + kIndexColumns +
                    " FROM audit_records WHERE " + w.sql + " AND seq > $" + std::to_string(n + 1) +
                    " ORDER BY seq LIMIT $" + std::to_string(n + 2),
                p, false, "query");
  }

  Result<std::optional<std::int64_t>> match_seq(const AuditFilter& filter, std::int64_t through_seq,
                                                bool last) override {
    const Where w = build_where(filter, SqlDialect::postgresql, 1);
    const std::string bound = through_seq > 0 ? " AND seq <= " + std::to_string(through_seq) : "";
    Params p;
    p.add_where(w);
    return db_.query_int64("SELECT seq FROM audit_records WHERE " + w.sql + bound +
                               " ORDER BY seq " + (last ? "DESC" : "ASC") + " LIMIT 1",
                           p.view());
  }

  Result<std::vector<StoredRow>> rows_between(const AuditFilter& filter, std::int64_t first,
                                              std::int64_t last) override {
    const Where w = build_where(filter, SqlDialect::postgresql, 1);
    const int n = static_cast<int>(w.values.size());
    Params p;
    p.add_where(w);
    p.add(first);
    p.add(last);
    return rows("SELECT record, chain, (" + w.sql + ") IS TRUE, " + kIndexColumns +
                    " FROM audit_records WHERE seq BETWEEN $" + std::to_string(n + 1) + " AND $" +
                    std::to_string(n + 2) + " ORDER BY seq",
                p, true, "read audit records");
  }

  Result<std::vector<StoredCheckpoint>> checkpoints(std::int64_t after_seq,
                                                    std::int64_t through_seq,
                                                    std::size_t limit) override {
    Params p;
    p.add(after_seq);
    p.add(through_seq);
    p.add(static_cast<std::int64_t>(limit));
    auto r = db_.exec_params(
        "SELECT seq, at_ms, checkpoint FROM audit_checkpoints WHERE seq > $1 AND seq <= $2 "
        "ORDER BY seq LIMIT $3",
        p.view(), "read checkpoints");
    if (!r.ok()) return r.error();
    std::vector<StoredCheckpoint> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_checkpoint(*r, i));
    return out;
  }

  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override {
    auto r = db_.exec_params(
        "SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", {},
        "read checkpoints");
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<StoredCheckpoint>();
    return std::optional<StoredCheckpoint>(read_checkpoint(*r, 0));
  }

  Result<std::optional<std::int64_t>> checkpoint_at_or_after(std::int64_t seq) override {
    const std::string value = std::to_string(seq);
    return db_.query_int64("SELECT seq FROM audit_checkpoints WHERE seq >= $1 ORDER BY seq LIMIT 1",
                           {PgParam::text(value)});
  }

  Result<std::optional<std::string>> chain_at(std::int64_t seq) override {
    const std::string value = std::to_string(seq);
    auto r = db_.exec_params("SELECT chain FROM audit_records WHERE seq = $1",
                             {PgParam::text(value)}, "read chain");
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(r->bytes(0, 0));
  }

  Result<AuditHead> head() override {
    auto r = db_.exec_params(
        "SELECT (SELECT coalesce(max(seq), 0) FROM audit_records), "
        "(SELECT coalesce(max(seq), 0) FROM audit_checkpoints), "
        "(SELECT count(*) FROM audit_records)",
        {}, "read audit head");
    if (!r.ok()) return r.error();
    return AuditHead{r->int64(0, 0), r->int64(0, 1), r->int64(0, 2)};
  }

  Result<std::unique_ptr<Cursor<StoredRow>>> all_rows() override {
    auto name = declare(std::string("SELECT record, chain, ") + kIndexColumns +
                        " FROM audit_records ORDER BY seq");
    if (!name.ok()) return name.error();
    return std::unique_ptr<Cursor<StoredRow>>(
        new PgCursor<StoredRow>(db_, std::move(name).value(), &read_plain_row));
  }

  Result<std::unique_ptr<Cursor<StoredCheckpoint>>> all_checkpoints() override {
    auto name = declare("SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq");
    if (!name.ok()) return name.error();
    return std::unique_ptr<Cursor<StoredCheckpoint>>(
        new PgCursor<StoredCheckpoint>(db_, std::move(name).value(), &read_checkpoint));
  }

 private:
  // Declares a cursor for `query` in the current transaction; returns its name.
  Result<std::string> declare(const std::string& query) {
    std::string name = "accord_audit_" + std::to_string(++cursors_);
    if (auto s = db_.exec("DECLARE " + name + " NO SCROLL CURSOR FOR " + query, "declare cursor");
        !s.ok()) {
      return s.error();
    }
    return name;
  }

  Result<std::vector<StoredRow>> rows(const std::string& sql, const Params& p, bool with_selected,
                                      const char* what) {
    auto r = db_.exec_params(sql, p.view(), what);
    if (!r.ok()) return r.error();
    std::vector<StoredRow> out;
    out.reserve(static_cast<std::size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_row(*r, i, with_selected));
    return out;
  }

  PgConnection db_;
  bool in_snapshot_ = false;
  int cursors_ = 0;
};

}  // namespace

Result<std::unique_ptr<AuditStore>> open_pg_audit_store(const std::string& uri) {
  auto store = std::make_unique<PgAuditStore>();
  if (auto s = store->open(uri); !s.ok()) return s.error();
  return std::unique_ptr<AuditStore>(std::move(store));
}

}  // namespace accord::spool::detail
