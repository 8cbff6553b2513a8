// accord compliance report: Victims' Code clocks counted per agency and per Code right
// (docs/compliance.md §5). --db folds a spool's audit log here (a SQLite file or a PostgreSQL
// URI, read-only, through spool::AuditReader) with the rule sets and calendar given; without
// --db the gateway's admin API computes the same report (GET /v1/admin/compliance/report).
// The fold and the report are accord_compliance's (tested there); this file does I/O.
//
// Exit codes: 0 ok, 1 local problem (arguments, files, an unreadable database or record),
// 2 refused by the gateway (4xx), 3 gateway error or unreachable, 4 the database holds
// records whose index columns disagree with them (as `accord audit`).
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "accord/compliance/calendar.hpp"
#include "accord/compliance/clocks.hpp"
#include "accord/compliance/flow_record.hpp"
#include "accord/compliance/report.hpp"
#include "accord/compliance/rules.hpp"
#include "accord/spool/audit_reader.hpp"
#include "admin_connection.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

constexpr int kIndexMismatch = 4;

struct ReportFlags {
  std::string from, to, as_of, agency;
  int right = 0;  // 0: every right
  std::string format = "table";
  bool clocks = false;
  std::string db, rules, calendar;
  AdminConnectionFlags connection;
};

[[noreturn]] void fail_with(int code, const std::string& message) {
  std::cerr << "accord compliance: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::string read_file(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(client::kExitLocal, std::string(flag) + ": cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// As `accord audit --from/--to` and the admin API read them (spool::parse_filter_time): a
// date is 00:00 UTC, an RFC 3339 time may carry an offset.
std::int64_t time_flag(const std::string& text, const char* flag) {
  const auto t = spool::parse_filter_time(text);
  if (!t) {
    fail_with(client::kExitLocal, std::string(flag) + " `" + text +
                                      "` is not a date (YYYY-MM-DD) or an RFC 3339 time "
                                      "(YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM))");
  }
  return *t;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

compliance::ReportFilter to_filter(const ReportFlags& f) {
  compliance::ReportFilter filter;
  filter.from_ms = time_flag(f.from, "--from");
  filter.to_ms = time_flag(f.to, "--to");
  if (filter.to_ms <= filter.from_ms) fail_with(client::kExitLocal, "--to must be after --from");
  filter.as_of_ms = f.as_of.empty() ? wall_ms() : time_flag(f.as_of, "--as-of");
  filter.agency = f.agency;
  if (f.right != 0) filter.right = f.right;
  return filter;
}

// Folds every flow record received at or before as_of (what was known then), in seq order.
void run_offline(const ReportFlags& f, const compliance::ReportFilter& filter) {
  auto calendar =
      compliance::WorkingCalendar::load(read_file(f.calendar, "--calendar"), f.calendar);
  if (!calendar) {
    fail_with(client::kExitLocal, calendar.error().path + ": " + calendar.error().message);
  }
  auto rules = compliance::RuleBook::load(read_file(f.rules, "--rules"), f.rules);
  if (!rules) fail_with(client::kExitLocal, rules.error().path + ": " + rules.error().message);
  auto reader = spool::AuditReader::open(f.db);
  if (!reader) fail_with(client::kExitLocal, reader.error().message);

  compliance::ClockBook book(*rules, *calendar);
  spool::AuditFilter audit_filter;
  audit_filter.to_ms = filter.as_of_ms + 1;
  std::set<std::int64_t> mismatched;
  std::int64_t after = 0;
  for (;;) {
    auto page = (*reader)->query(audit_filter, after, spool::kMaxAuditPage);
    if (!page) fail_with(client::kExitLocal, page.error().message);
    for (const auto& row : page->rows) {
      if (!row.mismatched_columns.empty() && mismatched.insert(row.seq).second) {
        std::cerr << "accord compliance: WARNING record " << row.seq
                  << ": its index columns disagree with the record (the database was changed "
                     "after it was written; `accord audit verify --db` checks the whole log)\n";
      }
      auto record = compliance::flow_record_from_audit(row.record);
      if (!record) {
        fail_with(client::kExitLocal, "audit record " + std::to_string(row.seq) + " (" +
                                          record.error().path + "): " + record.error().message);
      }
      if (*record && (*record)->at_ms <= filter.as_of_ms) book.observe(**record);
    }
    if (!page->more) break;
    after = page->rows.back().seq;
  }
  compliance::Report report = compliance::build_report(book.clocks(filter.as_of_ms), filter);
  report.problems = book.problems();
  std::cout << compliance::render_report(report, *compliance::parse_report_format(f.format),
                                         f.clocks);
  std::cout.flush();
  if (!mismatched.empty()) {
    fail_with(kIndexMismatch, std::to_string(mismatched.size()) +
                                  " record(s) with tampered index columns; see the warnings "
                                  "above");
  }
}

void run_online(const ReportFlags& f) {
  std::string target = "/v1/admin/compliance/report?from=" + encode_component(f.from) +
                       "&to=" + encode_component(f.to);
  if (!f.as_of.empty()) target += "&as_of=" + encode_component(f.as_of);
  if (!f.agency.empty()) target += "&agency=" + encode_component(f.agency);
  if (f.right != 0) target += "&right=" + std::to_string(f.right);
  target += "&format=" + f.format;
  if (f.clocks) target += "&clocks=true";
  auto c = admin_client(f.connection);
  if (!c) fail_with(client::kExitLocal, c.error().message);
  auto r = (*c)->request(boost::beast::http::verb::get, target);
  if (!r) {
    fail_with(client::kExitFailed, "no answer from gateway " + f.connection.gateway + " (" +
                                       r.error().code + "): " + r.error().message);
  }
  if (r->status != 200) {
    fail_with(r->status / 100 == 2 ? client::kExitFailed : client::exit_code_for_status(r->status),
              client::error_line(r->status, r->body));
  }
  std::cout << r->body;
  std::cout.flush();
}

void run_report(const ReportFlags& f) {
  const compliance::ReportFilter filter = to_filter(f);
  if (f.clocks && f.format != "json") fail_with(client::kExitLocal, "--clocks needs --format json");
  if (f.db.empty()) {
    if (!f.rules.empty() || !f.calendar.empty()) {
      fail_with(client::kExitLocal,
                "--rules and --calendar go with --db (the gateway uses its own configuration)");
    }
    run_online(f);
    return;
  }
  if (f.rules.empty() || f.calendar.empty()) {
    fail_with(client::kExitLocal, "--db needs --rules FILE and --calendar FILE");
  }
  run_offline(f, filter);
}

}  // namespace

void add_compliance_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("compliance", "Victims' Code compliance: clocks, reports");
  group->require_subcommand(1);

  auto f = std::make_shared<ReportFlags>();
  CLI::App* report = group->add_subcommand(
      "report", "On time, late, missing and open clocks per agency and Code right");
  report->add_option("--from", f->from, "clocks started at or after this RFC 3339 time or date")
      ->required();
  report->add_option("--to", f->to, "clocks started before this RFC 3339 time or date")->required();
  report->add_option("--as-of", f->as_of,
                     "judge the clocks at this time, from the records received by then "
                     "(default: now)");
  report->add_option("--agency", f->agency, "only clocks of this informer agency id");
  report->add_option("--right", f->right, "only clocks of this Code right (2020 numbering)")
      ->check(CLI::Range(1, 12));
  report->add_option("--format", f->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  report->add_flag("--clocks", f->clocks,
                   "json only: list every clock counted (with case and subject references)");
  report->add_option("--db", f->db,
                     "fold this spool database (file or postgresql:// URI) instead of asking "
                     "the gateway");
  report->add_option("--rules", f->rules, "with --db: the rule sets (victims-code.yaml)");
  report->add_option("--calendar", f->calendar,
                     "with --db: the bank holidays (bank-holidays-england-and-wales.yaml)");
  add_admin_connection_options(report, f->connection, "auditor");
  report->footer(
      "Exit codes: 0 ok, 1 local problem (arguments, files, database), 2 refused by the\n"
      "gateway (4xx), 3 gateway error or unreachable, 4 records with tampered index columns.\n"
      "How each figure is computed: docs/compliance.md sections 4 and 5.");
  report->callback([f] { run_report(*f); });
}

}  // namespace accord::cli
