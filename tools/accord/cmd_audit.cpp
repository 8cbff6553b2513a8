// accord audit verify | query | export | report: the auditor's tools (docs/audit-format.md).
// Online commands talk to the admin listener with an auditor certificate; --db reads a spool
// database directly, read-only: a SQLite file (or a copy of one) or a PostgreSQL spool's URI. The
// checks live in accord_audit and the reading in accord_spool's AuditReader (both tested there);
// this file does I/O.
//
// Exit codes: verify 0 intact, 1 tampered (the first failure is printed), 2 usage or I/O;
// query/export/report 0 ok, 1 local problem, 2 refused by the gateway (4xx), 3 gateway error,
// 4 the output holds records whose index columns disagree with them (the database was changed:
// each is named on stderr; `accord audit verify --db` says more).
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "accord/audit/subject_report.hpp"
#include "accord/audit/verifier.hpp"
#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/pg_spool.hpp"
#include "admin_connection.hpp"
#include "audit_output.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

using client::HttpResult;
using client::HttpsClient;
using http_verb = boost::beast::http::verb;
using Clock = std::chrono::steady_clock;

constexpr int kVerifyTampered = 1;
constexpr int kVerifyUsage = 2;
constexpr int kIndexMismatch = 4;
constexpr std::int64_t kProgressEvery = 100'000;

[[noreturn]] void finish(int code) {
  throw CLI::RuntimeError(code);
}

[[noreturn]] void fail_with(int code, const std::string& message) {
  std::cerr << "accord audit: " << message << "\n";
  finish(code);
}

std::string read_text(const std::string& path, int code) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(code, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- options ---------------------------------------------------------------------------

using ConnectionFlags = AdminConnectionFlags;

struct FilterFlags {
  std::string case_urn, subject_ref, agency, sender, recipient, agreement, kind, decision;
  std::string from, to;
};

void add_filter_options(CLI::App* cmd, FilterFlags& f, bool subject = true) {
  cmd->add_option("--case", f.case_urn, "case URN")->group("Filters");
  if (subject) cmd->add_option("--subject", f.subject_ref, "subject reference")->group("Filters");
  cmd->add_option("--agency", f.agency, "sender or recipient agency id")->group("Filters");
  cmd->add_option("--sender", f.sender, "sending agency id")->group("Filters");
  cmd->add_option("--recipient", f.recipient, "receiving agency id")->group("Filters");
  cmd->add_option("--agreement", f.agreement, "agreement id@version, or id for any version")
      ->group("Filters");
  cmd->add_option("--kind", f.kind, "record kind, or a prefix ending in '.' (delivery.)")
      ->group("Filters");
  cmd->add_option("--decision", f.decision, "accepted or refused")
      ->check(CLI::IsMember({"accepted", "refused"}))
      ->group("Filters");
  cmd->add_option("--from", f.from, "records at or after this RFC 3339 time or date")
      ->group("Filters");
  cmd->add_option("--to", f.to, "records before this RFC 3339 time or date")->group("Filters");
}

std::optional<std::int64_t> to_ms(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  const auto t = spool::parse_filter_time(text);
  if (!t) {
    fail_with(client::kExitLocal, std::string(flag) + " `" + text +
                                      "` is not a date (YYYY-MM-DD) or an RFC 3339 time "
                                      "(YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM))");
  }
  return *t;
}

spool::AuditFilter to_filter(const FilterFlags& f) {
  spool::AuditFilter out;
  out.case_urn = f.case_urn;
  out.subject_ref = f.subject_ref;
  out.agency = f.agency;
  out.sender = f.sender;
  out.recipient = f.recipient;
  out.agreement = f.agreement;
  out.kind = f.kind;
  out.decision = f.decision;
  out.from_ms = to_ms(f.from, "--from");
  out.to_ms = to_ms(f.to, "--to");
  if (auto s = spool::validate(out); !s.ok()) fail_with(client::kExitLocal, s.error().message);
  return out;
}

std::string filter_query(const FilterFlags& f) {
  std::string q;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "" : "&") + std::string(key) + "=" + encode_component(value);
  };
  add("case_urn", f.case_urn);
  add("subject_ref", f.subject_ref);
  add("agency", f.agency);
  add("sender", f.sender);
  add("recipient", f.recipient);
  add("agreement", f.agreement);
  add("kind", f.kind);
  add("decision", f.decision);
  add("from", f.from);
  add("to", f.to);
  return q;
}

// ---- sources: the admin API or a database file ------------------------------------------

struct RecordPage {
  std::vector<std::string> records;
  std::int64_t next_after = 0;  // 0: no further page
  // Records on this page whose index columns disagree with them ("seq:col,col;...").
  std::string mismatches;
};

struct LinePage {
  std::vector<std::string> lines;  // header included on the first page
  std::int64_t next_after = 0;
  bool complete = false;
  std::string mismatches;
};

// Rows whose index columns disagree with their records, as met while reading: each is named
// on stderr once, and the command ends with kIndexMismatch.
class MismatchLog {
 public:
  void add(const std::string& list) {
    std::size_t start = 0;
    while (start < list.size()) {
      auto end = list.find(';', start);
      if (end == std::string::npos) end = list.size();
      const std::string item = list.substr(start, end - start);
      start = end + 1;
      const auto colon = item.find(':');
      if (colon == std::string::npos || !seen_.insert(item.substr(0, colon)).second) continue;
      std::cerr << "accord audit: WARNING record " << item.substr(0, colon) << ": index column "
                << item.substr(colon + 1)
                << " disagrees with the record (the database was changed after it was "
                   "written; `accord audit verify --db` checks the whole log)\n";
    }
  }
  void exit_if_any() const {
    if (!seen_.empty()) {
      std::cerr << "accord audit: " << seen_.size()
                << " record(s) with tampered index columns; see the warnings above\n";
      finish(kIndexMismatch);
    }
  }

 private:
  std::set<std::string> seen_;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual RecordPage records(std::int64_t after, std::size_t limit) = 0;
  virtual LinePage extract(std::int64_t after, std::int64_t through) = 0;
  // Makes sure the records so far are sealed; returns the seq the extract should end at
  // (0: no bound).
  virtual std::int64_t seal() = 0;
};

class OnlineSource final : public Source {
 public:
  OnlineSource(const ConnectionFlags& flags, const FilterFlags& filter)
      : flags_(flags), query_(filter_query(filter)) {
    auto c = admin_client(flags);
    if (!c) fail_with(client::kExitLocal, c.error().message);
    client_ = std::move(c.value());
  }

  RecordPage records(std::int64_t after, std::size_t limit) override {
    const HttpResult r = get("/v1/admin/audit/records?" + paging(after, limit));
    RecordPage page;
    page.records = split_lines(r.body);
    page.next_after = next_after(r);
    page.mismatches = header(r, "accord-index-mismatch");
    return page;
  }

  LinePage extract(std::int64_t after, std::int64_t through) override {
    std::string target = "/v1/admin/audit/extract?" + paging(after, spool::kMaxAuditPage);
    if (through > 0) target += "&through_seq=" + std::to_string(through);
    const HttpResult r = get(target);
    LinePage page;
    page.lines = split_lines(r.body);
    page.next_after = next_after(r);
    auto it = r.headers.find("accord-extract-complete");
    page.complete = it != r.headers.end() && it->second == "true";
    page.mismatches = header(r, "accord-index-mismatch");
    return page;
  }

  std::int64_t seal() override {
    const HttpResult h = get("/v1/admin/audit/head");
    const auto head = nlohmann::json::parse(h.body, nullptr, false);
    if (!head.is_object()) fail_with(client::kExitFailed, "unexpected answer from /head");
    const auto last = head.value("last_seq", std::int64_t{0});
    const auto sealed = head.value("sealed_seq", std::int64_t{0});
    if (last == sealed) return sealed;
    const HttpResult cp = call(http_verb::post, "/v1/admin/audit/checkpoint");
    if (cp.status == 200) {
      const auto doc = nlohmann::json::parse(cp.body, nullptr, false);
      if (doc.is_object()) return doc.value("seq", sealed);
    }
    std::cerr << "accord audit: could not force a checkpoint ("
              << client::error_line(cp.status, cp.body)
              << "): the extract may end with unsealed records\n";
    return 0;
  }

 private:
  std::string paging(std::int64_t after, std::size_t limit) const {
    std::string q = query_;
    q += (q.empty() ? "" : "&") + std::string("after_seq=") + std::to_string(after) +
         "&limit=" + std::to_string(limit);
    return q;
  }

  HttpResult call(http_verb method, const std::string& target) {
    auto r = client_->request(method, target);
    if (!r) {
      fail_with(client::kExitFailed, "no answer from gateway " + flags_.gateway + " (" +
                                         r.error().code + "): " + r.error().message);
    }
    return std::move(r.value());
  }

  HttpResult get(const std::string& target) {
    HttpResult r = call(http_verb::get, target);
    if (r.status != 200) {
      std::cerr << "accord audit: " << client::error_line(r.status, r.body) << "\n";
      finish(r.status / 100 == 2 ? client::kExitFailed : client::exit_code_for_status(r.status));
    }
    return r;
  }

  static std::string header(const HttpResult& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  }

  static std::int64_t next_after(const HttpResult& r) {
    auto it = r.headers.find("accord-next-after-seq");
    if (it == r.headers.end()) return 0;
    try {
      return std::stoll(it->second);
    } catch (const std::exception&) {
      fail_with(client::kExitFailed, "bad Accord-Next-After-Seq header: " + it->second);
    }
  }

  static std::vector<std::string> split_lines(const std::string& body) {
    std::vector<std::string> out;
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) out.push_back(std::move(line));
    }
    return out;
  }

  ConnectionFlags flags_;
  std::string query_;
  std::unique_ptr<HttpsClient> client_;
};

class DatabaseSource final : public Source {
 public:
  DatabaseSource(const std::string& path, spool::AuditFilter filter) : filter_(std::move(filter)) {
    auto r = spool::AuditReader::open(path);
    if (!r) fail_with(client::kExitLocal, r.error().message);
    reader_ = std::move(r.value());
  }

  RecordPage records(std::int64_t after, std::size_t limit) override {
    auto rows = reader_->query(filter_, after, limit);
    if (!rows) fail_with(client::kExitLocal, rows.error().message);
    RecordPage page;
    std::vector<spool::IndexMismatch> mismatches;
    for (auto& row : rows->rows) {
      if (!row.mismatched_columns.empty()) mismatches.push_back({row.seq, row.mismatched_columns});
      page.records.push_back(std::move(row.record));
    }
    if (rows->more) page.next_after = rows->rows.back().seq;
    page.mismatches = spool::format_index_mismatches(mismatches);
    return page;
  }

  LinePage extract(std::int64_t after, std::int64_t through) override {
    auto p = reader_->extract_page(filter_, after, spool::kMaxAuditPage, through);
    if (!p) fail_with(client::kExitLocal, p.error().message);
    LinePage page;
    if (after == 0) {
      page.lines.push_back(spool::extract_header_line(p->first_seq, p->prev, wall_ms(), filter_));
    }
    for (auto& line : p->lines) page.lines.push_back(std::move(line));
    page.complete = p->complete;
    if (p->more) page.next_after = p->last_seq;
    page.mismatches = spool::format_index_mismatches(p->mismatches);
    return page;
  }

  // A file is read-only here: the extract runs to the end and may end unsealed.
  std::int64_t seal() override { return 0; }

  static std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  spool::AuditFilter filter_;
  std::unique_ptr<spool::AuditReader> reader_;
};

std::unique_ptr<Source> open_source(const std::string& db, const ConnectionFlags& connection,
                                    const FilterFlags& filter) {
  const spool::AuditFilter parsed = to_filter(filter);  // checks the flags either way
  if (!db.empty()) return std::make_unique<DatabaseSource>(db, parsed);
  return std::make_unique<OnlineSource>(connection, filter);
}

struct ScanResult {
  std::int64_t seen = 0;
  bool truncated = false;  // stopped at `max` while more records matched
};

// Scans every matching record, page by page, with progress on stderr for long scans.
template <typename Fn>
ScanResult scan(Source& source, std::size_t max, MismatchLog& mismatches, const Fn& each) {
  std::int64_t after = 0, next_progress = kProgressEvery;
  ScanResult out;
  for (;;) {
    const std::size_t want =
        max == 0
            ? spool::kMaxAuditPage
            : std::min<std::size_t>(spool::kMaxAuditPage, max - static_cast<std::size_t>(out.seen));
    RecordPage page = source.records(after, want);
    for (const auto& r : page.records) each(r);
    mismatches.add(page.mismatches);
    out.seen += static_cast<std::int64_t>(page.records.size());
    if (out.seen >= next_progress) {
      std::cerr << "accord audit: " << out.seen << " records scanned\n";
      next_progress += kProgressEvery;
    }
    if (page.next_after == 0) break;
    if (max != 0 && out.seen >= static_cast<std::int64_t>(max)) {
      out.truncated = true;  // the source said another page exists
      break;
    }
    after = page.next_after;
  }
  return out;
}

// ---- verify ----------------------------------------------------------------------------

struct VerifyFlags {
  std::string file;
  std::string db;
  std::string gateway_key;
  std::string anchor;
  bool require_sealed = false;
};

crypto::GatewayPublicKey load_key(const std::string& value) {
  std::string text = value;
  if (std::filesystem::exists(value)) text = read_text(value, kVerifyUsage);
  auto key = crypto::parse_gateway_public_key(text);
  if (!key) fail_with(kVerifyUsage, "--gateway-key: " + key.error().message);
  return *key;
}

audit::Checkpoint load_anchor(const std::string& path, const crypto::GatewayPublicKey& key) {
  const std::string text = read_text(path, kVerifyUsage);
  // The checkpoint object, its export line form {"checkpoint":{...}}, or the document
  // GET /v1/admin/audit/head answers (its "latest_checkpoint").
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_object() && doc.size() == 1 && doc.contains("checkpoint")) doc = doc["checkpoint"];
  if (doc.is_object() && doc.contains("latest_checkpoint")) {
    doc = doc["latest_checkpoint"];
    if (!doc.is_object()) {
      fail_with(kVerifyUsage, "--anchor " + path +
                                  ": this audit head names no checkpoint yet (latest_checkpoint "
                                  "is null): ask for one with POST /v1/admin/audit/checkpoint");
    }
  }
  auto checkpoint = audit::parse_checkpoint(doc.is_object() ? doc.dump() : text);
  if (!checkpoint) fail_with(kVerifyUsage, "--anchor " + path + ": " + checkpoint.error().message);
  if (auto s = audit::verify_checkpoint(*checkpoint, key); !s.ok()) {
    fail_with(kVerifyUsage,
              "--anchor " + path + " is not signed by this gateway key: " + s.error().message);
  }
  return *checkpoint;
}

void run_verify(const VerifyFlags& f) {
  if (f.file.empty() == f.db.empty()) {
    fail_with(kVerifyUsage, "give either an export FILE or --db SPOOL.db|postgresql://...");
  }
  const auto key = load_key(f.gateway_key);
  audit::VerifyOptions options;
  options.require_sealed = f.require_sealed;
  if (!f.anchor.empty()) options.anchor = load_anchor(f.anchor, key);
  const auto progress = [](std::int64_t n) {
    std::cerr << "accord audit: " << n << " records checked\n";
  };
  const auto start = Clock::now();
  audit::VerifyReport report;
  if (!f.db.empty()) {
    auto reader = spool::AuditReader::open(f.db);
    if (!reader) fail_with(kVerifyUsage, reader.error().message);
    auto r = (*reader)->verify(key, options, progress);
    if (!r) fail_with(kVerifyUsage, r.error().message);
    report = *r;
  } else {
    std::ifstream in(f.file, std::ios::binary);
    if (!in) fail_with(kVerifyUsage, "cannot read " + f.file);
    report = audit::verify_export(in, key, options, progress);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // A URI may carry a password: never printed.
  const std::string what = f.db.empty() ? f.file : spool::redact_conninfo(f.db);
  if (!report.ok()) {
    const auto& failure = *report.failure;
    std::cout << "FAILED " << what << ": " << failure.code << " at seq " << failure.seq;
    if (failure.line > 0) std::cout << " (line " << failure.line << ")";
    std::cout << ": " << failure.message << "\n";
    finish(kVerifyTampered);
  }
  const auto items = report.records + report.stubs;
  std::cout << "OK " << what << ": " << report.records << " records, " << report.stubs << " stubs, "
            << report.checkpoints << " checkpoints; seq " << report.first_seq << ".."
            << report.last_seq << ", sealed up to " << report.sealed_seq << ", unsealed tail "
            << report.unsealed_tail << "; "
            << static_cast<std::int64_t>(seconds > 0 ? items / seconds : 0) << " records/s\n";
  if (report.unsealed_tail > 0) {
    std::cout << "note: the last " << report.unsealed_tail
              << " records are covered by no checkpoint yet (--require-sealed refuses them)\n";
  }
}

// ---- query, export, report ---------------------------------------------------------------

struct QueryFlags {
  FilterFlags filter;
  ConnectionFlags connection;
  std::string db;
  std::string format = "table";
  std::size_t limit = 1000;
  std::string out;
  std::string report_format = "table";
  std::string shadow;  // report --shadow AGREEMENT
};

void run_query(const QueryFlags& f) {
  auto source = open_source(f.db, f.connection, f.filter);
  std::vector<std::string> records;
  MismatchLog mismatches;
  const ScanResult scanned = scan(*source, f.limit, mismatches, [&](const std::string& r) {
    if (f.format == "jsonl") {
      std::cout << r << "\n";
    } else {
      records.push_back(r);
    }
  });
  if (f.format == "table") std::cout << audit_output::table(records);
  if (scanned.truncated) {
    // On stderr, so --format jsonl stays the records verbatim.
    std::cerr << "accord audit: more records match: showing the first " << scanned.seen
              << " (--limit " << f.limit << "; --limit 0 shows all)\n";
  }
  std::cout.flush();
  mismatches.exit_if_any();
}

void run_export(const QueryFlags& f) {
  auto source = open_source(f.db, f.connection, f.filter);
  const bool csv = f.format == "csv";
  const std::string proof_path = csv ? f.out + ".proof.jsonl" : f.out;
  std::ofstream proof(proof_path, std::ios::binary | std::ios::trunc);
  std::ofstream table;
  if (!proof) fail_with(client::kExitLocal, "cannot write " + proof_path);
  if (csv) {
    table.open(f.out, std::ios::binary | std::ios::trunc);
    if (!table) fail_with(client::kExitLocal, "cannot write " + f.out);
    table << audit_output::csv_header();
  }
  const std::int64_t through = source->seal();
  std::int64_t after = 0, lines = 0, matches = 0, next_progress = kProgressEvery;
  bool complete = false;
  MismatchLog mismatches;
  for (;;) {
    LinePage page = source->extract(after, through);
    mismatches.add(page.mismatches);
    for (const auto& line : page.lines) {
      proof << line << "\n";
      const auto record = audit_output::record_of_export_line(line);
      if (!record.empty()) {
        ++matches;
        if (csv) table << audit_output::csv_row(record);
      }
    }
    lines += static_cast<std::int64_t>(page.lines.size());
    if (lines >= next_progress) {
      std::cerr << "accord audit: " << lines << " lines exported\n";
      next_progress += kProgressEvery;
    }
    complete = page.complete;
    if (page.next_after == 0) break;
    after = page.next_after;
  }
  proof.close();
  if (!proof) fail_with(client::kExitLocal, "writing " + proof_path + " failed");
  if (csv) {
    table.close();
    if (!table) fail_with(client::kExitLocal, "writing " + f.out + " failed");
  }
  std::cout << "wrote " << (csv ? f.out + " and " : std::string()) << proof_path << ": " << matches
            << " records in " << lines << " lines, "
            << (complete ? "sealed by a checkpoint" : "NOT sealed yet (no checkpoint covers it)")
            << "\n";
  std::cout.flush();
  mismatches.exit_if_any();
}

void run_report(const QueryFlags& f) {
  // Server-side narrowing by time and subject only: deliveries carry no agreement, so the
  // agreement is matched here, through the decision that made each copy.
  FilterFlags narrowed;
  narrowed.from = f.filter.from;
  narrowed.to = f.filter.to;
  narrowed.subject_ref = f.filter.subject_ref;
  auto source = open_source(f.db, f.connection, narrowed);
  const bool json = f.report_format == "json";
  MismatchLog mismatches;
  if (!f.filter.subject_ref.empty()) {
    audit::SubjectReport report(f.filter.subject_ref);
    scan(*source, 0, mismatches, [&](const std::string& r) {
      // A row selected by a forged subject_ref column is named by the mismatch warning, not
      // listed as this subject's: only what the record itself says counts.
      if (audit_output::member(r, "subject_ref") == f.filter.subject_ref) report.add(r);
    });
    std::cout << (json ? report.json() : report.table());
    std::cout.flush();
    mismatches.exit_if_any();
    return;
  }
  if (!f.shadow.empty()) {
    audit_output::ShadowReport report(f.shadow);
    scan(*source, 0, mismatches, [&](const std::string& r) { report.add(r); });
    std::cout << (json ? report.json() : report.table());
    std::cout.flush();
    mismatches.exit_if_any();
    return;
  }
  audit_output::AgreementReport report(f.filter.agreement);
  scan(*source, 0, mismatches, [&](const std::string& r) { report.add(r); });
  std::cout << (json ? report.json() : report.table());
  std::cout.flush();
  mismatches.exit_if_any();
}

}  // namespace

void add_audit_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand(
      "audit", "Query, export, report on and verify the tamper-evident audit log");
  group->require_subcommand(1);

  auto vf = std::make_shared<VerifyFlags>();
  CLI::App* verify = group->add_subcommand(
      "verify", "Check an export (FILE) or a spool database (--db) against the gateway's key");
  verify->add_option("FILE", vf->file, "export (accord-audit-export-1 JSON lines)");
  verify->add_option("--db", vf->db,
                     "spool database: a SQLite file or a postgresql:// URI (read-only)");
  verify
      ->add_option("--gateway-key", vf->gateway_key,
                   "the gateway's public key: the GET /v1/gateway-key document (file or "
                   "inline) or the bare base64 key")
      ->envname("ACCORD_GATEWAY_KEY")
      ->required();
  verify->add_option("--anchor", vf->anchor,
                     "a checkpoint kept from earlier: the checkpoint JSON, its export line, or the "
                     "GET /v1/admin/audit/head document; the log must reach it unchanged");
  verify->add_flag("--require-sealed", vf->require_sealed,
                   "fail when records follow the last checkpoint");
  verify->footer(
      "Exit 0 intact, 1 tampered (prints the first failure: code, seq, line), 2 usage or I/O.");
  verify->callback([vf] { run_verify(*vf); });

  auto qf = std::make_shared<QueryFlags>();
  CLI::App* query = group->add_subcommand("query", "Audit records matching the filters");
  add_filter_options(query, qf->filter);
  query->add_option("--format", qf->format, "table or jsonl (the records verbatim)")
      ->check(CLI::IsMember({"table", "jsonl"}))
      ->capture_default_str();
  query->add_option("--limit", qf->limit, "at most this many records (0: all)")
      ->capture_default_str();
  query->add_option("--db", qf->db,
                    "read this spool database (file or postgresql:// URI) instead of the gateway");
  add_admin_connection_options(query, qf->connection, "auditor");
  query->callback([qf] { run_query(*qf); });

  auto ef = std::make_shared<QueryFlags>();
  ef->format = "jsonl";
  CLI::App* exp = group->add_subcommand(
      "export", "A verifiable extract: matching records, digests of the rest, checkpoints");
  exp->add_option("--out", ef->out, "output file")->required();
  add_filter_options(exp, ef->filter);
  exp->add_option("--format", ef->format,
                  "jsonl (the extract) or csv (records as CSV, the extract in FILE.proof.jsonl)")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  exp->add_option("--db", ef->db,
                  "read this spool database (file or postgresql:// URI) instead of the gateway");
  add_admin_connection_options(exp, ef->connection, "auditor");
  exp->footer(
      "Online, a checkpoint is forced first when records are unsealed, so the extract ends\n"
      "with a signed checkpoint. Check it with `accord audit verify FILE --gateway-key KEY`.");
  exp->callback([ef] { run_export(*ef); });

  auto rf = std::make_shared<QueryFlags>();
  CLI::App* report = group->add_subcommand(
      "report", "Per-agreement summary, or with --subject the subject access report");
  report->add_option("--agreement", rf->filter.agreement, "agreement id@version or id");
  report->add_option("--shadow", rf->shadow,
                     "what this shadow-mode agreement (id@version or id) would have shared, "
                     "against what was shared");
  report->add_option("--subject", rf->filter.subject_ref,
                     "subject reference: every flow about this subject");
  report->add_option("--from", rf->filter.from, "records at or after this RFC 3339 time or date");
  report->add_option("--to", rf->filter.to, "records before this RFC 3339 time or date");
  report->add_option("--format", rf->report_format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  report->add_option("--db", rf->db,
                     "read this spool database (file or postgresql:// URI) instead of the gateway");
  add_admin_connection_options(report, rf->connection, "auditor");
  report->callback([rf] { run_report(*rf); });
}

}  // namespace accord::cli
