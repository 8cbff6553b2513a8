// accord agreements validate | list | explain | diff: file reading and printing only; the
// checks, decisions and reports live in accord_agreements (tested there).
//
// Exit codes: validate 0 clean (warnings allowed), 1 invalid, 2 files unreadable;
// list 0, 2; explain 0 allowed, 1 denied, 2 unreadable or invalid input;
// diff 0 no exposure change, 1 changes, 2 unreadable or invalid input.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "accord/agreements/agency.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/report.hpp"
#include "accord/agreements/validator.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "agreements_governance.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

namespace ag = accord::agreements;
namespace fs = std::filesystem;

constexpr int kExitUsage = 2;

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "accord agreements: " << message << "\n";
  throw CLI::RuntimeError(kExitUsage);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Files as given; directories contribute their *.yaml / *.yml files, sorted by name.
std::vector<ag::SourceText> read_sources(const std::vector<std::string>& paths) {
  std::vector<ag::SourceText> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        const auto ext = entry.path().extension();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
          files.push_back(entry.path().string());
        }
      }
      if (ec) fail("cannot list " + p + ": " + ec.message());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) out.push_back({f, read_file(f)});
    } else {
      out.push_back({p, read_file(p)});
    }
  }
  return out;
}

ag::Instant parse_now(const std::string& text) {
  if (text.empty()) {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  const auto t = ag::parse_instant(text);
  if (!t) fail("--now/--at `" + text + "` is not a date or RFC 3339 time");
  return *t;
}

envelope::Vocabulary load_vocabulary(const std::string& path) {
  auto v = envelope::Vocabulary::parse(read_file(path));
  if (!v.ok()) fail(path + ":" + v.error().path + ": " + v.error().message);
  return std::move(v.value());
}

ag::AgencyDirectory load_agencies(const std::string& path) {
  auto d = ag::AgencyDirectory::parse(read_file(path));
  if (!d.ok()) fail(path + ":" + d.error().path + ": " + d.error().message);
  return std::move(d.value());
}

// Loads agreements; load errors are printed and end the command with `code`.
std::vector<ag::Agreement> load_agreements(const std::vector<std::string>& paths, int code) {
  ag::LoadedSet set = ag::parse_all(read_sources(paths));
  for (const auto& d : set.diagnostics) std::cerr << d.to_string() << "\n";
  if (ag::has_errors(set.diagnostics)) throw CLI::RuntimeError(code);
  return std::move(set.agreements);
}

struct Options {
  std::vector<std::string> paths;
  std::string agencies = "config/agencies.yaml";
  std::string vocabulary = "config/vocabulary.yaml";
  std::string now;
  std::string from, to, message;
  std::string old_path, new_path;
  int notice_days = 30;
  std::string signatures, keys;  // list: governance from statement files and signing keys
};

void run_validate(const Options& o) {
  const auto vocabulary = load_vocabulary(o.vocabulary);
  const auto directory = load_agencies(o.agencies);
  ag::LoadedSet set = ag::parse_all(read_sources(o.paths));
  auto more = ag::validate(set.agreements, directory, vocabulary, parse_now(o.now));
  set.diagnostics.insert(set.diagnostics.end(), more.begin(), more.end());
  std::size_t errors = 0;
  for (const auto& d : set.diagnostics) {
    std::cout << d.to_string() << "\n";
    errors += d.severity == ag::Severity::error;
  }
  std::cout << set.agreements.size() << " agreements loaded, " << errors << " errors, "
            << set.diagnostics.size() - errors << " warnings\n";
  if (errors) throw CLI::RuntimeError(1);
}

// With --signatures/--keys each line also says what governance makes of it (file mode: the
// audit log's signatures and suspensions are the gateway's to add); refused statements follow.
void run_list(const Options& o) {
  const std::vector<ag::SourceText> sources = read_sources(o.paths);
  ag::LoadedSet set = ag::parse_all(sources);
  for (const auto& d : set.diagnostics) std::cerr << d.to_string() << "\n";
  if (ag::has_errors(set.diagnostics)) throw CLI::RuntimeError(kExitUsage);
  const ag::Instant now = parse_now(o.now);
  if (o.signatures.empty() != o.keys.empty()) fail("--signatures and --keys go together");
  if (o.keys.empty()) {
    std::cout << ag::format_list(set.agreements, now, std::chrono::days{o.notice_days},
                                 unchecked_notes(set.agreements));
    return;
  }
  auto listing = governance_listing(set.agreements, sources, o.signatures, o.keys, now);
  if (!listing.ok()) fail(listing.error().code + ": " + listing.error().message);
  std::cout << ag::format_list(set.agreements, now, std::chrono::days{o.notice_days},
                               listing->notes);
  for (const std::string& w : listing->warnings) std::cout << w << "\n";
}

void run_explain(const Options& o) {
  const auto vocabulary = load_vocabulary(o.vocabulary);
  auto decoded = envelope::decode(read_file(o.message), vocabulary);
  if (!decoded.ok()) {
    fail(o.message + ": " + decoded.error().code + " at " + decoded.error().path + ": " +
         decoded.error().message);
  }
  const ag::AgreementSet set(load_agreements(o.paths, kExitUsage));
  const ag::Decision d = ag::decide(decoded.value(), o.from, o.to, set, parse_now(o.now));
  std::cout << ag::format_explanation(decoded.value(), o.from, o.to, d);
  if (!d.allowed) throw CLI::RuntimeError(1);
}

void run_diff(const Options& o) {
  const auto before = load_agreements({o.old_path}, kExitUsage);
  const auto after = load_agreements({o.new_path}, kExitUsage);
  const auto changes = ag::exposure_diff(before, after, parse_now(o.now));
  std::cout << ag::format_exposure_diff(changes);
  if (!changes.empty()) throw CLI::RuntimeError(1);
}

}  // namespace

void add_agreement_commands(CLI::App& app) {
  auto opts = std::make_shared<Options>();
  CLI::App* group = app.add_subcommand(
      "agreements", "Validate, list, explain and diff information-sharing agreements");
  group->require_subcommand(1);

  CLI::App* validate = group->add_subcommand(
      "validate", "Check agreement files (files or directories); exit 0 clean, 1 invalid, 2 I/O");
  validate->add_option("paths", opts->paths, "agreement files or directories")->required();
  validate->add_option("--agencies", opts->agencies, "agency directory")->capture_default_str();
  validate->add_option("--vocabulary", opts->vocabulary, "event vocabulary")->capture_default_str();
  validate->add_option("--now", opts->now, "check as of this time (default: now)");
  validate->callback([opts] { run_validate(*opts); });

  CLI::App* list = group->add_subcommand("list", "Status, validity and review dates");
  list->add_option("paths", opts->paths, "agreement files or directories")
      ->default_val(std::vector<std::string>{"config/agreements"});
  list->add_option("--now", opts->now, "as of this time (default: now)");
  list->add_option("--notice", opts->notice_days,
                   "flag validity ends and reviews due within this many days")
      ->check(CLI::Range(0, 3650))
      ->capture_default_str();
  list->add_option("--signatures", opts->signatures,
                   "statement directory (*.sig.json, *.suspend.json): show governance");
  list->add_option("--keys", opts->keys, "key directory with the *.sign.pub.json signing keys");
  list->callback([opts] { run_list(*opts); });

  CLI::App* explain = group->add_subcommand(
      "explain", "What --to would receive of MESSAGE.json from --from, field by field, and why");
  explain->add_option("--from", opts->from, "sending agency id")->required();
  explain->add_option("--to", opts->to, "receiving agency id")->required();
  explain->add_option("message", opts->message, "envelope JSON file")->required();
  explain->add_option("--agreements", opts->paths, "agreement files or directories")
      ->default_val(std::vector<std::string>{"config/agreements"});
  explain->add_option("--vocabulary", opts->vocabulary, "event vocabulary")->capture_default_str();
  explain->add_option("--now", opts->now, "decide as of this time (default: now)");
  explain->callback([opts] { run_explain(*opts); });

  CLI::App* diff = group->add_subcommand(
      "diff", "Exposure diff: which agencies newly receive or lose which events and fields");
  diff->add_option("old", opts->old_path, "old agreement file or directory")->required();
  diff->add_option("new", opts->new_path, "new agreement file or directory")->required();
  diff->add_option("--at", opts->now, "compare agreements in force at this time (default: now)");
  diff->callback([opts] { run_diff(*opts); });

  add_agreement_dry_run_command(*group);
}

}  // namespace accord::cli
