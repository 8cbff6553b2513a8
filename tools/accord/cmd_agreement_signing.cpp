// accord agreements sign | suspend: a party's signed statement about the exact bytes of one
// version of an agreement file (docs/agreements.md, "Signing keys and signed statements").
// Run by the signer, with their own secret signing key; the statement file it writes goes to
// the gateway's `signatures` directory (or through POST /v1/admin/agreements/signatures).
//
// Exit codes (as every `accord agreements` command): 0 written, 2 refused; the message names
// the code: io_error, invalid_agreement, insecure_permissions, bad_key_file, not_a_party,
// invalid_reason, file_exists.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "accord/agreements/loader.hpp"
#include "accord/core/time_format.hpp"
#include "accord/crypto/key_dir.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/env/env.hpp"
#include "accord/governance/signing.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

namespace ag = accord::agreements;
namespace gov = accord::governance;
namespace fs = std::filesystem;

constexpr int kExitRefused = 2;

struct StatementFlags {
  std::vector<std::string> files;
  std::string key;
  std::string out;
  std::string reason;
  bool force = false;
  // For scripts (scripts/sign-agreements.sh): write only what is missing, silently skipping a
  // file that is not `status: active`, one the key's agency is not a party to, and one whose
  // statement is already there and verifies for this text under this key.
  bool if_needed = false;
};

[[noreturn]] void refuse(gov::StatementKind kind, const std::string& code,
                         const std::string& message) {
  std::cerr << "accord agreements " << (kind == gov::StatementKind::signature ? "sign" : "suspend")
            << ": " << code << ": " << message << "\n";
  throw CLI::RuntimeError(kExitRefused);
}

// The one agreement FILE holds, loaded as the gateway loads it (its diagnostics printed).
ag::Agreement load_agreement(gov::StatementKind kind, const std::string& file,
                             const std::string& text) {
  ag::LoadedSet set = ag::parse_all({{file, text}});
  for (const auto& d : set.diagnostics) std::cerr << d.to_string() << "\n";
  if (ag::has_errors(set.diagnostics) || set.agreements.size() != 1) {
    refuse(kind, "invalid_agreement",
           file +
               " does not load (errors above; `accord agreements validate` checks it): only "
               "a file the gateway can load can be signed");
  }
  return std::move(set.agreements.front());
}

gov::SigningSecret load_secret(gov::StatementKind kind, const std::string& path) {
  auto text = crypto::read_private_file(path);
  if (!text) refuse(kind, text.error().code, text.error().message);
  auto secret = gov::parse_secret_key(*text, path);
  sodium_memzero(text->data(), text->size());
  if (!secret) refuse(kind, secret.error().code, secret.error().message);
  return std::move(*secret);
}

// True when `path` holds a statement of `kind` that verifies for `version` under `own`.
bool holds_valid_statement(const std::string& path, gov::StatementKind kind,
                           const gov::VersionRef& version, const gov::SignerRegistry& own) {
  auto text = crypto::read_text_file(path);
  if (!text) return false;
  auto existing = gov::parse_statement(*text, path);
  return existing && existing->kind == kind && gov::verify(*existing, version, own).ok;
}

void write_statement(const StatementFlags& f, const std::string& file,
                     const gov::SigningSecret& secret, const gov::SignerRegistry& own,
                     gov::StatementKind kind) {
  auto text = crypto::read_text_file(file);
  if (!text) refuse(kind, text.error().code, text.error().message);
  const ag::Agreement agreement = load_agreement(kind, file, *text);
  if (f.if_needed && agreement.status != ag::Status::active) return;

  gov::VersionRef version{agreement.id, agreement.version, gov::content_hash(*text), {}};
  for (const auto& party : agreement.parties) version.parties.push_back(party.agency);
  if (std::find(version.parties.begin(), version.parties.end(), secret.key.agency) ==
      version.parties.end()) {
    if (f.if_needed) return;
    refuse(kind, "not_a_party",
           secret.key.agency + " (the agency of " + f.key + ") is not a party to " + agreement.id +
               " v" + std::to_string(agreement.version));
  }
  if (kind == gov::StatementKind::signature && agreement.status != ag::Status::active) {
    std::cerr << "accord agreements sign: note: " << file
              << " does not say `status: active`; changing it later changes the text, and "
                 "this signature will not count for the new text\n";
  }

  gov::Statement statement;
  statement.kind = kind;
  statement.agreement = agreement.id;
  statement.version = agreement.version;
  statement.content_hash = version.content_hash;
  statement.signed_at = format_time_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  statement.reason = f.reason;
  statement = gov::sign(std::move(statement), secret);
  // What the gateway will check, checked here first against the signer's own public key.
  if (!gov::verify(statement, version, own).ok) {
    refuse(kind, "bad_key_file", f.key + ": the statement does not verify");
  }

  std::string dir = f.out;
  if (dir.empty()) dir = fs::path(file).parent_path().string();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) refuse(kind, "io_error", dir + ": " + ec.message());
  const std::string path = dir + "/" + gov::statement_file_name(statement);
  const bool exists = fs::exists(path, ec);
  if (f.if_needed && exists && holds_valid_statement(path, kind, version, own)) return;
  env::Env& env = env::system_env();
  const std::string json = gov::to_json(statement);
  // --if-needed replaces a statement that no longer verifies (an edited file, another key).
  const Status written = f.force || (f.if_needed && exists) ? env.replace_file(path, json, 0644)
                                                            : env.write_new_file(path, json, 0644);
  if (!written) {
    if (written.error().code == "file_exists") {
      refuse(kind, "file_exists", path + " already exists; --force replaces it");
    }
    refuse(kind, written.error().code, path + ": " + written.error().message);
  }
  std::cout << (kind == gov::StatementKind::signature ? "signed " : "suspended ") << agreement.id
            << " v" << agreement.version << " (" << statement.content_hash << ") for "
            << statement.agency << " with " << statement.kid << ": " << path << "\n";
}

void write_statements(const StatementFlags& f, gov::StatementKind kind) {
  if (kind == gov::StatementKind::suspension) {
    const std::string problem = gov::text_problem(f.reason, gov::kMaxReasonBytes);
    if (!problem.empty()) refuse(kind, "invalid_reason", "--reason " + problem);
  }
  gov::SigningSecret secret = load_secret(kind, f.key);
  auto own = gov::SignerRegistry::parse(
      {{gov::public_file_name(secret.key), gov::public_key_json(secret.key)}});
  if (!own) refuse(kind, own.error().code, own.error().message);
  try {
    for (const auto& file : f.files) write_statement(f, file, secret, *own, kind);
  } catch (...) {
    sodium_memzero(secret.secret_key.data(), secret.secret_key.size());
    throw;
  }
  sodium_memzero(secret.secret_key.data(), secret.secret_key.size());
}

void add_statement_command(CLI::App* group, gov::StatementKind kind) {
  auto flags = std::make_shared<StatementFlags>();
  const bool suspension = kind == gov::StatementKind::suspension;
  CLI::App* cmd = group->add_subcommand(
      suspension ? "suspend" : "sign",
      suspension ? "Suspend one version of an agreement for your agency (one party's suspension "
                   "takes effect at once): writes <id>.v<version>.<agency>.suspend.json"
                 : "Sign the exact bytes of one version of an agreement for your agency (it "
                   "grants once every party has): writes <id>.v<version>.<agency>.sig.json");
  cmd->add_option("files", flags->files,
                  "agreement files (YAML), exactly as the gateway has them; one statement each")
      ->required();
  cmd->add_option("--key", flags->key,
                  "your secret signing key file (*.sign.secret.json, mode 0600; "
                  "`accord keys gen --purpose signing`)")
      ->required();
  if (suspension) {
    cmd->add_option("--reason", flags->reason,
                    "why (at most 500 bytes, one line, no case data): signed and audited")
        ->required();
  }
  cmd->add_option("--out", flags->out, "directory for the statement (default: the file's)");
  cmd->add_flag("--force", flags->force, "replace a statement file of the same name");
  cmd->add_flag("--if-needed", flags->if_needed,
                "for scripts: skip, silently, files not `status: active`, files your agency is "
                "not a party to and files whose statement is there and verifies; replace one "
                "that no longer verifies");
  cmd->callback([flags, kind] { write_statements(*flags, kind); });
}

}  // namespace

void add_agreement_signing_commands(CLI::App& app) {
  CLI::App* group = app.get_subcommand("agreements");
  add_statement_command(group, gov::StatementKind::signature);
  add_statement_command(group, gov::StatementKind::suspension);
}

}  // namespace accord::cli
