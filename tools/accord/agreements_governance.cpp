// Reading the statement and key directories for `accord agreements list`; the rules are
// governance::evaluate's (tested in tests/unit/governance).
#include "agreements_governance.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "accord/crypto/key_dir.hpp"
#include "accord/governance/lifecycle.hpp"
#include "accord/governance/signing.hpp"

namespace accord::cli {
namespace {

namespace fs = std::filesystem;
namespace gov = accord::governance;

// (file name, text) of the files in `dir` ending in `suffix` (crypto::read_dir_files, the
// gateway's listing rule), named by file name as the gateway's statement sources are.
Result<std::vector<std::pair<std::string, std::string>>> read_dir(const std::string& dir,
                                                                  std::string_view suffix) {
  auto files = crypto::read_dir_files(dir, suffix);
  if (!files.ok()) return files.error();
  for (auto& [name, text] : files.value()) name = fs::path(name).filename().string();
  return std::move(files.value());
}

}  // namespace

Result<GovernanceListing> governance_listing(const std::vector<agreements::Agreement>& agreements,
                                             const std::vector<agreements::SourceText>& sources,
                                             const std::string& signatures_dir,
                                             const std::string& keys_dir, agreements::Instant now) {
  auto key_files = read_dir(keys_dir, gov::kSigningPublicSuffix);
  if (!key_files.ok()) return key_files.error();
  auto signers = gov::SignerRegistry::parse(key_files.value());
  if (!signers.ok()) {
    const Error& e = signers.error();
    return make_error(e.code, keys_dir + ": " + e.message, e.path);
  }
  auto signature_files = read_dir(signatures_dir, ".sig.json");
  if (!signature_files.ok()) return signature_files.error();
  auto suspension_files = read_dir(signatures_dir, ".suspend.json");
  if (!suspension_files.ok()) return suspension_files.error();
  std::vector<std::pair<std::string, std::string>> statement_files = signature_files.value();
  statement_files.insert(statement_files.end(), suspension_files->begin(), suspension_files->end());

  GovernanceListing out;
  std::vector<gov::Statement> statements;
  for (const auto& [name, text] : statement_files) {
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
