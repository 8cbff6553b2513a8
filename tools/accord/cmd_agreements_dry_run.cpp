// accord agreements dry-run PROPOSED_DIR: what a proposed agreement set would have shared with
// whom on the recorded traffic of a recent window, against what was shared
// (docs/agreements.md, "Dry run"). With --db it reads the audit log itself (a SQLite spool file
// or a postgresql:// URI, read-only); otherwise it asks the gateway's admin API
// (POST /v1/admin/agreements/dry-run), which validates against its own agency directory and
// vocabulary and records the read. The dry run itself is accord_governance's (tested there).
//
// Exit codes: 0 no exposure change, 1 changes, 2 bad input or refused (the proposed set does
// not validate, an unreadable file or database, a 4xx), 3 gateway error or unreachable.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "accord/agreements/agency.hpp"
#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/validator.hpp"
#include "accord/client/gateway_api.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/governance/dry_run.hpp"
#include "accord/spool/audit_reader.hpp"
#include "admin_connection.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

namespace ag = accord::agreements;
namespace fs = std::filesystem;

constexpr int kExitChanges = 1;
constexpr int kExitBadInput = 2;
constexpr std::int64_t kProgressEvery = 100'000;  // records between progress lines

struct DryRunFlags {
  std::string proposed;
  std::string since = "30d";
  std::string at;
  bool json = false;
  std::string db;
  std::string agencies = "config/agencies.yaml";
  std::string vocabulary = "config/vocabulary.yaml";
  AdminConnectionFlags connection;
};

[[noreturn]] void fail_with(int code, const std::string& message) {
  std::cerr << "accord agreements dry-run: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(kExitBadInput, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The proposed set: every *.yaml / *.yml of the directory (or the one file), sorted by name.
std::vector<ag::SourceText> read_proposed(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {{path, read_file(path)}};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      files.push_back(entry.path().string());
    }
  }
  if (ec) fail_with(kExitBadInput, "cannot list " + path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<ag::SourceText> out;
  for (const auto& f : files) out.push_back({f, read_file(f)});
  return out;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ag::Instant at_flag(const std::string& text, std::int64_t now_ms) {
  if (text.empty()) return ag::Instant{std::chrono::seconds(now_ms / 1000)};
  const auto t = ag::parse_instant(text);
  if (!t) fail_with(kExitBadInput, "--at `" + text + "` is not a date or RFC 3339 time");
  return *t;
}

void print(const governance::DryRunResult& result, bool json) {
  std::cout << (json ? governance::render_json(result) + "\n" : governance::render_text(result));
  std::cout.flush();
  if (!result.changes.empty()) throw CLI::RuntimeError(kExitChanges);
}

// Loads and validates the proposed set like a reload does; errors end the run (exit 2).
std::vector<ag::Agreement> load_proposed(const DryRunFlags& f, ag::Instant at) {
  auto vocabulary = envelope::Vocabulary::parse(read_file(f.vocabulary));
  if (!vocabulary) {
    fail_with(kExitBadInput,
              f.vocabulary + ":" + vocabulary.error().path + ": " + vocabulary.error().message);
  }
  auto directory = ag::AgencyDirectory::parse(read_file(f.agencies));
  if (!directory) {
    fail_with(kExitBadInput,
              f.agencies + ":" + directory.error().path + ": " + directory.error().message);
  }
  ag::LoadedSet set = ag::parse_all(read_proposed(f.proposed));
  auto more = ag::validate(set.agreements, *directory, *vocabulary, at);
  set.diagnostics.insert(set.diagnostics.end(), more.begin(), more.end());
  for (const auto& d : set.diagnostics) std::cerr << d.to_string() << "\n";
  if (ag::has_errors(set.diagnostics)) {
    fail_with(kExitBadInput, "the proposed set is invalid; nothing was compared");
  }
  return std::move(set.agreements);
}

void run_offline(const DryRunFlags& f) {
  const std::int64_t now_ms = wall_ms();
  const auto since = governance::parse_since(f.since, now_ms);
  if (!since) fail_with(kExitBadInput, "--since `" + f.since + "` is not Nd, Nh or a time");
  const ag::Instant at = at_flag(f.at, now_ms);
  const ag::AgreementSet proposed(load_proposed(f, at));

  auto reader = spool::AuditReader::open(f.db);
  if (!reader) fail_with(kExitBadInput, reader.error().message);
  spool::AuditFilter filter;
  filter.kind = "decision.";  // decision.inputs, .accepted, .refused (and .shadow, skipped)
  filter.from_ms = *since;
  governance::PastTraffic traffic;
  std::int64_t after = 0, read = 0;
  for (;;) {
    auto page = (*reader)->query(filter, after, spool::kMaxAuditPage);
    if (!page) fail_with(kExitBadInput, page.error().message);
    for (const auto& row : page->rows) {
      if (!row.mismatched_columns.empty()) {
        std::cerr << "accord agreements dry-run: WARNING record " << row.seq
                  << ": its index columns disagree with the record (`accord audit verify --db` "
                     "checks the whole log)\n";
      }
      if (auto s = traffic.add_record(row.record); !s.ok()) {
        fail_with(kExitBadInput, "audit record " + std::to_string(row.seq) + " (" + s.error().path +
                                     "): " + s.error().message);
      }
      if (++read % kProgressEvery == 0) {
        std::cerr << "accord agreements dry-run: " << read << " records read\n";
      }
    }
    if (!page->more) break;
    after = page->rows.back().seq;
  }
  print(governance::dry_run(traffic, proposed, at), f.json);
}

void run_online(const DryRunFlags& f) {
  nlohmann::json files = nlohmann::json::array();
  for (auto& source : read_proposed(f.proposed)) {
    files.push_back(
        {{"file", fs::path(source.file).filename().string()}, {"text", std::move(source.text)}});
  }
  nlohmann::json body = {{"agreements", std::move(files)}, {"since", f.since}};
  if (!f.at.empty()) body["at"] = f.at;
  auto c = admin_client(f.connection);
  if (!c) fail_with(kExitBadInput, c.error().message);
  auto r = (*c)->request(boost::beast::http::verb::post, "/v1/admin/agreements/dry-run",
                         body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!r) {
    fail_with(client::kExitFailed, "no answer from gateway " + f.connection.gateway + " (" +
                                       r.error().code + "): " + r.error().message);
  }
  if (r->status != 200) {
    // The gateway's diagnostics (file:line:col) of a proposed set it refused, one a line.
    const auto answer = nlohmann::json::parse(r->body, nullptr, false);
    if (answer.is_object() && answer.contains("diagnostics") && answer["diagnostics"].is_array()) {
      for (const auto& d : answer["diagnostics"]) {
        if (d.is_string()) std::cerr << d.get<std::string>() << "\n";
      }
    }
    fail_with(r->status / 100 == 4 ? kExitBadInput : client::kExitFailed,
              client::error_line(r->status, r->body));
  }
  auto result = governance::parse_json(r->body);
  if (!result) fail_with(client::kExitFailed, result.error().message);
  print(*result, f.json);
}

}  // namespace

void add_agreement_dry_run_command(CLI::App& group) {
  auto f = std::make_shared<DryRunFlags>();
  CLI::App* cmd = group.add_subcommand(
      "dry-run",
      "What a proposed agreement set would change on recent traffic: which recipients would "
      "gain or lose which fields, in which form, for how many past messages");
  cmd->add_option("proposed", f->proposed, "the proposed set: a directory of agreement files")
      ->required();
  cmd->add_option("--since", f->since, "the window: Nd, Nh or a date / RFC 3339 time")
      ->capture_default_str();
  cmd->add_option("--at", f->at, "decide the proposed set as in force at this time (default: now)");
  cmd->add_flag("--json", f->json, "print the JSON answer instead of the text report");
  cmd->add_option("--db", f->db,
                  "read this spool's audit log (file or postgresql:// URI) instead of asking "
                  "the gateway");
  cmd->add_option("--agencies", f->agencies, "with --db: the agency directory")
      ->capture_default_str();
  cmd->add_option("--vocabulary", f->vocabulary, "with --db: the event vocabulary")
      ->capture_default_str();
  add_admin_connection_options(cmd, f->connection, "admin or auditor");
  cmd->footer(
      "Exit codes: 0 no exposure change, 1 changes, 2 bad input or refused, 3 gateway error or\n"
      "unreachable. What is compared and the report's lines: docs/agreements.md, \"Dry run\".");
  cmd->callback([f] {
    if (f->db.empty()) {
      run_online(*f);
    } else {
      run_offline(*f);
    }
  });
}

}  // namespace accord::cli
