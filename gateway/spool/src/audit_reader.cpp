#include "accord/spool/audit_reader.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>

#include "accord/core/time_format.hpp"
#include "schema.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool {
namespace {

using detail::ResetOnExit;
using detail::sqlite_error;
using detail::Statement;

constexpr std::int64_t kProgressEvery = 100'000;

// A WHERE expression over audit_records and its '?' values in text order. The values are
// owned here: Statement binds them without copying (SQLITE_STATIC).
//
// The index columns (sender, case_urn, at_ms, ...) are copies that the chain does not protect:
// an administrator with write access can change them. So a row is selected when the record
// itself matches (its members, read with SQLite's JSON functions) OR its columns match; the
// caller then re-checks the columns of every selected row against the record
// (index_mismatches()) and reports the ones that disagree. Changing a column can neither hide
// a record from a query nor make another record look like a match unnoticed.
struct Where {
  std::string sql;
  std::vector<std::variant<std::string, std::int64_t>> values;
};

// A record member as SQL: NULL when the record is not JSON (json_extract would fail the
// statement; CASE evaluates lazily) or has no such member.
std::string member(const char* name) {
  return std::string("(CASE WHEN json_valid(record) THEN json_extract(record, '$.") + name +
         "') END)";
}

// The filter's terms over one source of values: `content` reads the record's members,
// otherwise the index columns. Appends the values in '?' order.
std::string filter_terms(const AuditFilter& f, bool content, Where& w) {
  std::vector<std::string> terms;
  auto col = [&](const char* name) { return content ? member(name) : std::string(name); };
  auto equals = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    terms.push_back(col(name) + " = ?");
    w.values.emplace_back(value);
  };
  equals("case_urn", f.case_urn);
  equals("subject_ref", f.subject_ref);
  if (!f.agency.empty()) {
    terms.push_back("(" + col("sender") + " = ? OR " + col("recipient") + " = ?)");
    w.values.emplace_back(f.agency);
    w.values.emplace_back(f.agency);
  }
  equals("sender", f.sender);
  equals("recipient", f.recipient);
  if (!f.agreement.empty()) {
    if (f.agreement.find('@') != std::string::npos) {
      equals("agreement", f.agreement);
    } else {
      // Any version: "id@..." by prefix. substr rather than LIKE: agreement ids may contain
      // '_' (a LIKE wildcard) and LIKE ignores case.
      terms.push_back("substr(" + col("agreement") + ", 1, ?) = ?");
      w.values.emplace_back(static_cast<std::int64_t>(f.agreement.size() + 1));
      w.values.emplace_back(f.agreement + "@");
    }
  }
  if (!f.kind.empty()) {
    if (f.kind.back() == '.') {
      terms.push_back("substr(" + col("kind") + ", 1, ?) = ?");
      w.values.emplace_back(static_cast<std::int64_t>(f.kind.size()));
      w.values.emplace_back(f.kind);
    } else {
      equals("kind", f.kind);
    }
  }
  if (!f.decision.empty()) equals("kind", "decision." + f.decision);
  // The record's "at" is fixed-width RFC 3339 with milliseconds, so text order is time order.
  auto time_term = [&](const std::optional<std::int64_t>& ms, const char* op) {
    if (!ms) return;
    if (content) {
      terms.push_back(member("at") + " " + op + " ?");
      w.values.emplace_back(format_time_ms(*ms));
    } else {
      terms.push_back(std::string("at_ms ") + op + " ?");
      w.values.emplace_back(*ms);
    }
  };
  time_term(f.from_ms, ">=");
  time_term(f.to_ms, "<");
  if (terms.empty()) return "1";
  std::string sql;
  for (std::size_t i = 0; i < terms.size(); ++i) sql += (i == 0 ? "(" : " AND ") + terms[i];
  return sql + ")";
}

Where build_where(const AuditFilter& f) {
  Where w;
  const std::string content = filter_terms(f, true, w);
  if (content == "1") {
    w.sql = "1";
    return w;
  }
  w.sql = "(" + content + " OR " + filter_terms(f, false, w) + ")";
  return w;
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

Result<audit::Digest> chain_value(const std::string& blob, std::int64_t seq) {
  audit::Digest d{};
  if (blob.size() != d.size()) {
    return make_error(
        "corrupt", "audit record " + std::to_string(seq) + " has a chain value of the wrong size");
  }
  std::copy(blob.begin(), blob.end(), d.begin());
  return d;
}

std::string checkpoint_line(const std::string& stored_json) {
  return "{\"checkpoint\":" + stored_json + "}";
}

}  // namespace

std::optional<std::int64_t> parse_filter_time(std::string_view s) {
  using namespace std::chrono;
  auto digits = [&](std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
  };
  int y = 0, mo = 0, d = 0;
  if (s.size() < 10 || !digits(0, 4, y) || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const std::int64_t day_ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  if (s.size() == 10) return day_ms;
  int h = 0, mi = 0, se = 0;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't') || !digits(11, 2, h) || s[13] != ':' ||
      !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se) || h > 23 || mi > 59 || se > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t frac_ms = 0;
  if (s[i] == '.') {
    ++i;
    const std::size_t start = i;
    bool finer = false;  // a non-zero digit beyond the milliseconds
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      const std::size_t n = i - start;
      if (n < 3) {
        frac_ms = frac_ms * 10 + (s[i] - '0');
      } else if (s[i] != '0') {
        finer = true;
      }
      ++i;
    }
    if (i == start) return std::nullopt;
    for (std::size_t n = i - start; n < 3; ++n) frac_ms *= 10;
    if (finer) ++frac_ms;
  }
  if (i >= s.size()) return std::nullopt;
  std::int64_t offset_s = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh = 0, om = 0;
    if (i + 6 > s.size() || !digits(i + 1, 2, oh) || s[i + 3] != ':' || !digits(i + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return day_ms + ((h * 60 + mi) * 60 + se - offset_s) * 1000 + frac_ms;
}

std::vector<std::string> index_mismatches(const IndexColumns& c, std::string_view record) {
  const auto doc = nlohmann::json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {"record"};
  auto text = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<std::string> out;
  auto seq = doc.find("seq");
  if (seq == doc.end() || !seq->is_number_integer() || seq->get<std::int64_t>() != c.seq) {
    out.emplace_back("seq");
  }
  if (text("at") != format_time_ms(c.at_ms)) out.emplace_back("at_ms");
  const std::pair<const char*, const std::string*> columns[] = {{"kind", &c.kind},
                                                                {"sender", &c.sender},
                                                                {"recipient", &c.recipient},
                                                                {"agreement", &c.agreement},
                                                                {"case_urn", &c.case_urn},
                                                                {"subject_ref", &c.subject_ref},
                                                                {"message_id", &c.message_id}};
  for (const auto& [name, value] : columns) {
    if (text(name) != *value) out.emplace_back(name);
  }
  return out;
}

std::string format_index_mismatches(const std::vector<IndexMismatch>& mismatches) {
  std::string out;
  for (const auto& m : mismatches) {
    if (!out.empty()) out += ';';
    out += std::to_string(m.seq) + ':';
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      out += (i == 0 ? "" : ",") + m.columns[i];
    }
  }
  return out;
}

Status validate(const AuditFilter& filter) {
  if (!filter.decision.empty() && filter.decision != "accepted" && filter.decision != "refused") {
    return make_error("invalid_argument", "decision is accepted or refused", "decision");
  }
  if (filter.from_ms && filter.to_ms && *filter.to_ms <= *filter.from_ms) {
    return make_error("invalid_argument", "the time range is empty: to must be after from", "to");
  }
  return Status::Ok();
}

std::string filter_to_json(const AuditFilter& f) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  put("case_urn", f.case_urn);
  put("subject_ref", f.subject_ref);
  put("agency", f.agency);
  put("sender", f.sender);
  put("recipient", f.recipient);
  put("agreement", f.agreement);
  put("kind", f.kind);
  put("decision", f.decision);
  if (f.from_ms) out["from"] = format_time_ms(*f.from_ms);
  if (f.to_ms) out["to"] = format_time_ms(*f.to_ms);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string extract_header_line(std::int64_t first_seq, const audit::Digest& prev,
                                std::int64_t exported_at_ms, const AuditFilter& filter) {
  nlohmann::ordered_json out;
  out["format"] = "accord-audit-export-1";
  out["first_seq"] = first_seq;
  out["prev"] = audit::to_hex(prev);
  out["exported_at"] = format_time_ms(exported_at_ms);
  out["filter"] = nlohmann::ordered_json::parse(filter_to_json(filter));
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

struct AuditReader::Impl {
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Close> db;

  Result<Statement> prepare(std::string_view sql) { return Statement::prepare(db.get(), sql); }

  Status exec(const char* sql) {
    const int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db.get(), rc, sql);
    return Status::Ok();
  }

  // One statement yielding an optional integer.
  Result<std::optional<std::int64_t>> first_int(Statement& s) {
    const int rc = s.step();
    if (rc == SQLITE_ROW) return std::optional<std::int64_t>(s.column_int64(0));
    if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
    return sqlite_error(db.get(), rc, "read audit log");
  }
};

// A read transaction: every statement inside sees one snapshot of the log (WAL), so the
// records, their chain values and the checkpoints always agree with each other.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(sqlite3* db) : db_(db) {
    ok_ = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~ReadSnapshot() {
    if (ok_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  sqlite3* db_;
  bool ok_ = false;
};

AuditReader::AuditReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditReader::~AuditReader() = default;

Result<std::unique_ptr<AuditReader>> AuditReader::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(raw, rc, "open " + path + " read-only");
    e.code = "storage_unavailable";
    return e;
  }
  sqlite3_extended_result_codes(raw, 1);
  // The writer holds its lock only for a commit's length; wait rather than fail.
  sqlite3_busy_timeout(raw, 5'000);
  auto version = impl->prepare("PRAGMA user_version");
  if (!version.ok()) return version.error();
  auto v = impl->first_int(*version);
  if (!v.ok()) return v.error();
  if (v->value_or(0) > detail::kSchemaVersion) {
    return make_error("schema_mismatch", path + " has spool schema " + std::to_string(**v) +
                                             ", newer than this build's " +
                                             std::to_string(detail::kSchemaVersion));
  }
  auto tables = impl->prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
      "name IN ('audit_records', 'audit_checkpoints')");
  if (!tables.ok()) return tables.error();
  auto n = impl->first_int(*tables);
  if (!n.ok()) return n.error();
  if (n->value_or(0) != 2) {
    return make_error("schema_mismatch", path + " holds no audit log (not a spool database?)");
  }
  return std::unique_ptr<AuditReader>(new AuditReader(std::move(impl)));
}

Result<AuditRows> AuditReader::query(const AuditFilter& filter, std::int64_t after_seq,
                                     std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxAuditPage);
  const Where w = build_where(filter);
  auto s =
      impl_->prepare(std::string("SELECT record, chain, ") + kIndexColumns +
                     " FROM audit_records WHERE " + w.sql + " AND seq > ? ORDER BY seq LIMIT ?");
  if (!s.ok()) return s.error();
  int i = bind_where(*s, w, 1);
  s->bind(i++, after_seq);
  s->bind(i, static_cast<std::int64_t>(limit) + 1);  // one more: is there a next page?
  AuditRows out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    if (out.rows.size() == limit) {
      out.more = true;
      break;
    }
    AuditRow row;
    const IndexColumns columns = read_index(*s, 2);
    row.seq = columns.seq;
    row.at_ms = columns.at_ms;
    row.record = s->column_text(0);
    auto chain = chain_value(s->column_blob(1), row.seq);
    if (!chain.ok()) return chain.error();
    row.chain = *chain;
    row.mismatched_columns = index_mismatches(columns, row.record);
    out.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_error(impl_->db.get(), rc, "query");
  return out;
}

Result<std::vector<StoredCheckpoint>> AuditReader::checkpoints(std::int64_t after_seq,
                                                               std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxAuditPage);
  auto s = impl_->prepare(
      "SELECT seq, at_ms, checkpoint FROM audit_checkpoints WHERE seq > ? ORDER BY seq LIMIT ?");
  if (!s.ok()) return s.error();
  s->bind(1, after_seq);
  s->bind(2, static_cast<std::int64_t>(limit));
  std::vector<StoredCheckpoint> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    out.push_back({s->column_int64(0), s->column_int64(1), s->column_text(2)});
  }
  if (rc != SQLITE_DONE) return sqlite_error(impl_->db.get(), rc, "read checkpoints");
  return out;
}

Result<std::optional<StoredCheckpoint>> AuditReader::latest_checkpoint() {
  auto s = impl_->prepare(
      "SELECT seq, at_ms, checkpoint FROM audit_checkpoints ORDER BY seq DESC LIMIT 1");
  if (!s.ok()) return s.error();
  const int rc = s->step();
  if (rc == SQLITE_ROW) {
    return std::optional<StoredCheckpoint>(
        StoredCheckpoint{s->column_int64(0), s->column_int64(1), s->column_text(2)});
  }
  if (rc == SQLITE_DONE) return std::optional<StoredCheckpoint>();
  return sqlite_error(impl_->db.get(), rc, "read checkpoints");
}

Result<audit::Digest> AuditReader::chain_at(std::int64_t seq) {
  if (seq == 0) return audit::Digest{};
  auto s = impl_->prepare("SELECT chain FROM audit_records WHERE seq = ?");
  if (!s.ok()) return s.error();
  s->bind(1, seq);
  const int rc = s->step();
  if (rc == SQLITE_ROW) return chain_value(s->column_blob(0), seq);
  if (rc == SQLITE_DONE) {
    return make_error("not_found", "no audit record " + std::to_string(seq), "seq");
  }
  return sqlite_error(impl_->db.get(), rc, "read chain");
}

Result<AuditHead> AuditReader::head() {
  ReadSnapshot snapshot(impl_->db.get());
  auto s = impl_->prepare(
      "SELECT (SELECT coalesce(max(seq), 0) FROM audit_records), "
      "(SELECT coalesce(max(seq), 0) FROM audit_checkpoints), "
      "(SELECT count(*) FROM audit_records)");
  if (!s.ok()) return s.error();
  const int rc = s->step();
  if (rc != SQLITE_ROW) return sqlite_error(impl_->db.get(), rc, "read audit head");
  return AuditHead{s->column_int64(0), s->column_int64(1), s->column_int64(2)};
}

Result<ExtractPage> AuditReader::extract_page(const AuditFilter& filter, std::int64_t after_seq,
                                              std::size_t limit, std::int64_t through_seq) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxAuditPage);
  ReadSnapshot snapshot(impl_->db.get());
  const Where w = build_where(filter);
  const std::string bound = through_seq > 0 ? " AND seq <= " + std::to_string(through_seq) : "";
  auto find = [&](const char* order) -> Result<std::optional<std::int64_t>> {
    auto s = impl_->prepare("SELECT seq FROM audit_records WHERE " + w.sql + bound +
                            " ORDER BY seq " + order + " LIMIT 1");
    if (!s.ok()) return s.error();
    bind_where(*s, w, 1);
    return impl_->first_int(*s);
  };
  ExtractPage page;
  auto last_match = find("DESC");
  if (!last_match.ok()) return last_match.error();
  if (!last_match->has_value()) {
    page.complete = true;  // nothing matches: an empty extract, trivially complete
    return page;
  }
  auto covering_stmt =
      impl_->prepare("SELECT seq FROM audit_checkpoints WHERE seq >= ? ORDER BY seq LIMIT 1");
  if (!covering_stmt.ok()) return covering_stmt.error();
  covering_stmt->bind(1, **last_match);
  auto covering = impl_->first_int(*covering_stmt);
  if (!covering.ok()) return covering.error();

  std::int64_t start = after_seq + 1;
  if (after_seq == 0) {
    auto first = find("ASC");
    if (!first.ok()) return first.error();
    page.first_seq = first->value_or(1);
    auto prev = chain_at(page.first_seq - 1);
    if (!prev.ok()) return prev.error();
    page.prev = *prev;
    start = page.first_seq;
  }
  std::int64_t end_bound = 0;
  if (covering->has_value()) {
    end_bound = **covering;
  } else {
    auto h = impl_->prepare("SELECT coalesce(max(seq), 0) FROM audit_records");
    if (!h.ok()) return h.error();
    auto last = impl_->first_int(*h);
    if (!last.ok()) return last.error();
    end_bound = last->value_or(0);
  }
  const std::int64_t end =
      std::min<std::int64_t>(start + static_cast<std::int64_t>(limit) - 1, end_bound);
  page.last_seq = start - 1;
  if (start > end) {
    page.complete = covering->has_value();
    return page;
  }

  auto rows = impl_->prepare("SELECT record, chain, " + w.sql + ", " + kIndexColumns +
                             " FROM audit_records WHERE seq BETWEEN ? AND ? ORDER BY seq");
  if (!rows.ok()) return rows.error();
  int i = bind_where(*rows, w, 1);
  rows->bind(i++, start);
  rows->bind(i, end);
  auto cps = impl_->prepare(
      "SELECT seq, checkpoint FROM audit_checkpoints WHERE seq BETWEEN ? AND ? ORDER BY seq");
  if (!cps.ok()) return cps.error();
  cps->bind(1, start);
  cps->bind(2, end);
  std::vector<std::pair<std::int64_t, std::string>> checkpoints;
  int rc;
  while ((rc = cps->step()) == SQLITE_ROW) {
    checkpoints.emplace_back(cps->column_int64(0), cps->column_text(1));
  }
  if (rc != SQLITE_DONE) return sqlite_error(impl_->db.get(), rc, "read checkpoints");

  std::size_t next_cp = 0;
  // Checkpoints go right after the item with their seq; one whose record is missing (a
  // damaged log) still goes in seq order, for the verifier to report.
  auto flush_checkpoints = [&](std::int64_t up_to) {
    while (next_cp < checkpoints.size() && checkpoints[next_cp].first <= up_to) {
      page.lines.push_back(checkpoint_line(checkpoints[next_cp].second));
      ++next_cp;
    }
  };
  while ((rc = rows->step()) == SQLITE_ROW) {
    const IndexColumns columns = read_index(*rows, 3);
    const std::int64_t seq = columns.seq;
    flush_checkpoints(seq - 1);
    const std::string record = rows->column_text(0);
    auto chain = chain_value(rows->column_blob(1), seq);
    if (!chain.ok()) return chain.error();
    if (rows->column_int64(2) != 0) {
      // Selected by the record or by its columns: in full either way, and a row whose
      // columns disagree is reported (it may match only by a forged column).
      page.lines.push_back(audit::export_record_line(*chain, record));
      ++page.matches;
      if (auto bad = index_mismatches(columns, record); !bad.empty()) {
        page.mismatches.push_back({seq, std::move(bad)});
      }
    } else {
      page.lines.push_back(audit::export_stub_line(seq, audit::record_digest(record), *chain));
    }
    page.last_seq = seq;
    flush_checkpoints(seq);
  }
  if (rc != SQLITE_DONE) return sqlite_error(impl_->db.get(), rc, "read audit records");
  flush_checkpoints(end);
  page.last_seq = end;
  page.complete = covering->has_value() && end == **covering;
  page.more = !page.complete && end < end_bound;
  return page;
}

Result<audit::VerifyReport> AuditReader::verify(const crypto::GatewayPublicKey& key,
                                                const audit::VerifyOptions& options,
                                                const std::function<void(std::int64_t)>& progress) {
  ReadSnapshot snapshot(impl_->db.get());
  auto rows = impl_->prepare(std::string("SELECT record, chain, ") + kIndexColumns +
                             " FROM audit_records ORDER BY seq");
  if (!rows.ok()) return rows.error();
  auto cps = impl_->prepare("SELECT seq, checkpoint FROM audit_checkpoints ORDER BY seq");
  if (!cps.ok()) return cps.error();

  audit::Verifier verifier(key, options);
  // The next checkpoint row, read ahead one at a time (memory stays flat).
  std::optional<std::pair<std::int64_t, std::string>> pending;
  bool cps_done = false;
  auto next_checkpoint = [&]() -> Status {
    if (pending || cps_done) return Status::Ok();
    const int rc = cps->step();
    if (rc == SQLITE_ROW) {
      pending.emplace(cps->column_int64(0), cps->column_text(1));
    } else if (rc == SQLITE_DONE) {
      cps_done = true;
    } else {
      return sqlite_error(impl_->db.get(), rc, "read checkpoints");
    }
    return Status::Ok();
  };
  auto feed_checkpoints = [&](std::int64_t up_to) -> Status {
    for (;;) {
      if (auto s = next_checkpoint(); !s.ok()) return s;
      if (!pending || pending->first > up_to || verifier.failed()) return Status::Ok();
      auto checkpoint = audit::parse_checkpoint(pending->second);
      if (!checkpoint.ok()) {
        verifier.fail(
            "malformed",
            "checkpoint row " + std::to_string(pending->first) + ": " + checkpoint.error().message,
            0);
      } else {
        verifier.add_checkpoint(*checkpoint);
      }
      pending.reset();
    }
  };

  // The first row whose index columns disagree with its record. Reported after the chain and
  // checkpoint checks: a record altered and re-chained disagrees with its columns too, and
  // the signed checkpoint's verdict is the stronger evidence.
  std::optional<audit::VerifyFailure> index_failure;
  std::int64_t index_mismatch_rows = 0;
  int rc = SQLITE_DONE;
  while (!verifier.failed() && (rc = rows->step()) == SQLITE_ROW) {
    const IndexColumns columns = read_index(*rows, 2);
    const std::int64_t seq = columns.seq;
    if (auto s = feed_checkpoints(seq - 1); !s.ok()) return s.error();
    const std::string record = rows->column_text(0);
    auto chain = chain_value(rows->column_blob(1), seq);
    if (!chain.ok()) {
      verifier.fail("malformed", chain.error().message, 0);
      break;
    }
    verifier.add_record(record, &chain.value());
    if (auto bad = index_mismatches(columns, record); !bad.empty() && !verifier.failed()) {
      ++index_mismatch_rows;
      if (!index_failure) {
        // The seq the record itself states (the column may be the forged one).
        const auto stated = audit::record_seq(record);
        const std::int64_t at = stated.ok() ? stated.value() : seq;
        std::string names;
        for (const auto& b : bad) names += (names.empty() ? "" : ", ") + b;
        index_failure = audit::VerifyFailure{
            "index_mismatch",
            "record " + std::to_string(at) + ": index column " + names +
                " of audit_records disagrees with the record (changed after it was written; "
                "queries by that column would miss or misattribute it)",
            at, 0};
      }
    }
    if (auto s = feed_checkpoints(seq); !s.ok()) return s.error();
    if (progress && verifier.items() % kProgressEvery == 0) progress(verifier.items());
  }
  if (!verifier.failed()) {
    if (rc != SQLITE_DONE) return sqlite_error(impl_->db.get(), rc, "read audit records");
    // Checkpoints past the last record: the log was cut short after them.
    if (auto s = feed_checkpoints(INT64_MAX); !s.ok()) return s.error();
  }
  audit::VerifyReport report = verifier.finish();
  report.index_mismatches = index_mismatch_rows;
  if (report.ok() && index_failure) report.failure = std::move(index_failure);
  return report;
}

}  // namespace accord::spool
