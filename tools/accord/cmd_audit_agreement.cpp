// accord audit agreement ID@VERSION: the exact text of an agreement version as the audit log
// archived it, with its lifecycle (docs/audit-format.md, "The agreement archive"). From the
// gateway (GET /v1/admin/audit/agreements/{id}@{version}, an auditor certificate), a spool
// database (--db, read-only, SQLite file or postgresql:// URI) or an export file (--export).
// The fold and the checks are accord_governance's (archive.hpp, tested there); this file does
// I/O.
//
// Exit codes: 0 the text verifies; 1 it does not match its content hash, or an archive record
// is malformed (the log was changed: `accord audit verify` says where); 2 unknown version or
// bad input (arguments, unreadable file or database, refused by the gateway); 3 gateway error or
// unreachable; 4 records whose index columns disagree with them (named on stderr).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "accord/governance/archive.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/pg_spool.hpp"
#include "admin_connection.hpp"
#include "audit_output.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

constexpr int kNotVerified = 1;
constexpr int kBadInput = 2;
constexpr int kGatewayFailed = 3;
constexpr int kIndexMismatch = 4;

struct AgreementFlags {
  std::string ref;
  std::string db;
  std::string export_file;
  AdminConnectionFlags connection;
  bool json = false;
  std::string out;
};

[[noreturn]] void fail_with(int code, const std::string& message) {
  std::cerr << "accord audit agreement: " << message << "\n";
  throw CLI::RuntimeError(code);
}

// What was read, whichever the source.
struct Fetched {
  governance::ArchivedVersion archived;
  std::string mismatches;  // "seq:col,col;..." of rows whose index columns disagree
};

Fetched from_fold(const governance::ArchiveFold& fold, std::string mismatches) {
  auto archived = fold.result();
  if (!archived.ok()) fail_with(kBadInput, archived.error().message);
  return Fetched{std::move(archived).value(), std::move(mismatches)};
}

void add_or_fail(governance::ArchiveFold& fold, std::string_view record) {
  if (auto s = fold.add(record); !s.ok()) {
    fail_with(kNotVerified, s.error().message + " (check the log with `accord audit verify`)");
  }
}

Fetched from_database(const std::string& location, const governance::AgreementRef& ref) {
  auto reader = spool::AuditReader::open(location);
  if (!reader.ok()) {
    fail_with(kBadInput, spool::redact_conninfo(location) + ": " + reader.error().message);
  }
  spool::AuditFilter filter;
  filter.agreement = ref.to_string();
  filter.kind = "agreement.";
  governance::ArchiveFold fold(ref);
  std::vector<spool::IndexMismatch> mismatches;
  std::int64_t after = 0;
  for (;;) {
    auto rows = (*reader)->query(filter, after, spool::kMaxAuditPage);
    if (!rows.ok()) fail_with(kBadInput, rows.error().message);
    for (const auto& row : rows->rows) {
      if (!row.mismatched_columns.empty()) mismatches.push_back({row.seq, row.mismatched_columns});
      add_or_fail(fold, row.record);
    }
    if (!rows->more) break;
    after = rows->rows.back().seq;
  }
  return from_fold(fold, spool::format_index_mismatches(mismatches));
}

// An accord-audit-export-1 file: its record lines, in order (its stub lines, the digests of
// records a filtered extract left out, and its checkpoints carry no record text). The chain is not
// checked here: `accord audit verify FILE` does that.
Fetched from_export(const std::string& path, const governance::AgreementRef& ref) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(kBadInput, "cannot read " + path);
  governance::ArchiveFold fold(ref);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first && line.find("\"format\":\"accord-audit-export-1\"") == std::string::npos) {
      fail_with(kBadInput, path + " is not an audit export (accord-audit-export-1)");
    }
    first = false;
    const auto record = audit_output::record_of_export_line(line);
    if (!record.empty()) add_or_fail(fold, record);
  }
  if (first) fail_with(kBadInput, path + " is empty");
  return from_fold(fold, {});
}

Fetched from_gateway(const AdminConnectionFlags& flags, const governance::AgreementRef& ref) {
  auto c = admin_client(flags);
  if (!c) fail_with(kBadInput, c.error().message);
  auto r = (*c)->request(boost::beast::http::verb::get,
                         "/v1/admin/audit/agreements/" + encode_component(ref.to_string()));
  if (!r) {
    fail_with(kGatewayFailed, "no answer from gateway " + flags.gateway + " (" + r.error().code +
                                  "): " + r.error().message);
  }
  if (r->status != 200) {
    fail_with(r->status / 100 == 4 ? kBadInput : kGatewayFailed,
              client::error_line(r->status, r->body));
  }
  auto archived = governance::parse_archive_json(r->body);
  if (!archived.ok()) {
    fail_with(kGatewayFailed, "unexpected answer from the gateway: " + archived.error().message);
  }
  if (archived->ref != ref) {
    fail_with(kGatewayFailed, "the gateway answered for " + archived->ref.to_string());
  }
  auto it = r->headers.find("accord-index-mismatch");
  return Fetched{std::move(archived).value(), it == r->headers.end() ? std::string() : it->second};
}

// The exact bytes, mode 0644 whatever the umask: an agreement is policy, readable by all.
void write_exact(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_with(kBadInput, "cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  bool ok = ::fchmod(fd, 0644) == 0;
  while (ok && done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) fail_with(kBadInput, "writing " + path + " failed: " + std::strerror(saved));
}

void warn_mismatches(const std::string& list) {
  if (list.empty()) return;
  std::cerr << "accord audit agreement: WARNING records whose index columns disagree with them "
               "(the database was changed after they were written; `accord audit verify --db` "
               "checks the whole log): "
            << list << "\n";
}

void run(const AgreementFlags& f) {
  auto ref = governance::parse_agreement_ref(f.ref);
  if (!ref.ok()) fail_with(kBadInput, ref.error().message);
  if (!f.db.empty() && !f.export_file.empty())
    fail_with(kBadInput, "give --db or --export, not both");
  if (f.json && !f.out.empty()) fail_with(kBadInput, "give --json or --out, not both");
  const Fetched fetched = !f.db.empty()            ? from_database(f.db, *ref)
                          : !f.export_file.empty() ? from_export(f.export_file, *ref)
                                                   : from_gateway(f.connection, *ref);
  const auto& archived = fetched.archived;
  if (f.json) {
    std::cout << governance::archive_json(archived) << "\n";
  } else {
    std::cerr << governance::archive_history_text(archived);
    if (!f.out.empty()) {
      write_exact(f.out, archived.text);
      std::cerr << "wrote " << f.out << " (" << archived.text.size() << " bytes)\n";
    } else {
      std::cout << archived.text;
    }
  }
  std::cout.flush();
  warn_mismatches(fetched.mismatches);
  if (!archived.verified) {
    fail_with(kNotVerified, "the archived text of " + archived.ref.to_string() +
                                " does not match its content hash " + archived.content_hash +
                                ": the audit log was changed (check it with `accord audit "
                                "verify`)");
  }
  if (!fetched.mismatches.empty()) throw CLI::RuntimeError(kIndexMismatch);
}

CLI::App* audit_group(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == "audit") return sub;
  }
  auto* group = app.add_subcommand(
      "audit", "Query, export, report on and verify the tamper-evident audit log");
  group->require_subcommand(1);
  return group;
}

}  // namespace

void add_audit_agreement_command(CLI::App& app) {
  auto f = std::make_shared<AgreementFlags>();
  CLI::App* cmd = audit_group(app)->add_subcommand(
      "agreement",
      "The exact text of an agreement version as archived in the audit log, and "
      "its lifecycle (proposed, signed, activated, suspended, ...)");
  cmd->add_option("ID@VERSION", f->ref, "the agreement version, e.g. met-lvws-referral@2")
      ->required();
  cmd->add_option("--db", f->db,
                  "read this spool database (file or postgresql:// URI) instead of the gateway");
  cmd->add_option("--export", f->export_file,
                  "read an audit export (accord-audit-export-1, from `accord audit export`)");
  cmd->add_flag("--json", f->json,
                "print the archive document (as GET /v1/admin/audit/agreements/{id}@{version})");
  cmd->add_option("--out", f->out,
                  "write the text to this file (exact bytes, mode 0644) instead of stdout");
  add_admin_connection_options(cmd, f->connection, "auditor");
  cmd->footer(
      "Prints the text exactly as archived on stdout and its history on stderr. `sha256sum` of\n"
      "the text (or of --out FILE) equals the content hash. Exit 0 the text verifies, 1 it does\n"
      "not (the log was changed), 2 unknown version or bad input, 3 gateway error, 4 records\n"
      "with tampered index columns.");
  cmd->callback([f] { run(*f); });
}

}  // namespace accord::cli
