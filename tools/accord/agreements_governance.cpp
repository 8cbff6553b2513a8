// Reading the statement and key directories for `accord agreements list`; the rules are
// governance::evaluate's (tested in tests/unit/governance).
#include "agreements_governance.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "accord/governance/lifecycle.hpp"
#include "accord/governance/signing.hpp"

namespace accord::cli {
namespace {

namespace fs = std::filesystem;
namespace gov = accord::governance;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// (file name, text) of the regular files in `dir` whose names end in one of `suffixes`, sorted.
Result<std::vector<std::pair<std::string, std::string>>> read_dir(
    const std::string& dir, const std::vector<std::string_view>& suffixes) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    if (std::any_of(suffixes.begin(), suffixes.end(),
                    [&](std::string_view s) { return ends_with(name, s); })) {
      names.push_back(name);
    }
  }
  if (ec) return make_error("unreadable", "cannot list " + dir + ": " + ec.message(), dir);
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : names) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    if (!in) return make_error("unreadable", "cannot read " + dir + "/" + name, name);
    std::ostringstream text;
    text << in.rdbuf();
    out.emplace_back(name, text.str());
  }
  return out;
}

}  // namespace

Result<GovernanceListing> governance_listing(const std::vector<agreements::Agreement>& agreements,
                                             const std::vector<agreements::SourceText>& sources,
                                             const std::string& signatures_dir,
                                             const std::string& keys_dir, agreements::Instant now) {
  auto key_files = read_dir(keys_dir, {".sign.pub.json"});
  if (!key_files.ok()) return key_files.error();
  auto signers = gov::SignerRegistry::parse(key_files.value());
  if (!signers.ok()) {
    const Error& e = signers.error();
    return make_error(e.code, keys_dir + ": " + e.message, e.path);
  }
  auto statement_files = read_dir(signatures_dir, {".sig.json", ".suspend.json"});
  if (!statement_files.ok()) return statement_files.error();

  GovernanceListing out;
  std::vector<gov::Statement> statements;
  for (const auto& [name, text] : statement_files.value()) {
    auto statement = gov::parse_statement(text, name);
    if (statement.ok()) {
      statements.push_back(std::move(statement.value()));
    } else {
      out.warnings.push_back("warning: " + name + ": " + statement.error().code + ": " +
                             statement.error().message);
    }
  }
  std::map<std::string, const std::string*> text_of;
  for (const auto& s : sources) text_of[s.file] = &s.text;
  std::vector<gov::VersionInput> inputs;
  for (const auto& a : agreements) {
    const auto it = text_of.find(a.file);
    inputs.push_back(gov::version_input(a, fs::path(a.file).filename().string(),
                                        it == text_of.end() ? std::string() : *it->second));
  }
  const gov::Evaluation evaluation =
      gov::evaluate(inputs, statements, signers.value(), gov::Ledger{}, now);
  for (const gov::Governed& g : evaluation.versions) out.notes.push_back(gov::describe(g));
  for (const gov::LifecycleEvent& e : evaluation.events) {
    if (e.kind != gov::kind::kSignatureRefused) continue;
    std::string source;
    for (const auto& [key, value] : e.details) {
      if (key == "source") source = value;
    }
    out.warnings.push_back("warning: " + source + ": " + e.agreement + " refused (" + e.code +
                           "): " + e.reason);
  }
  return out;
}

std::vector<std::string> unchecked_notes(const std::vector<agreements::Agreement>& agreements) {
  std::vector<std::string> notes;
  for (const auto& a : agreements) {
    const bool governed =
        a.status == agreements::Status::active && a.mode == agreements::Mode::enforce;
    notes.push_back(governed ? "(signatures not checked)" : "");
  }
  return notes;
}

}  // namespace accord::cli
