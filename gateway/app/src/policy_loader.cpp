// Loads agencies + agreements + the pseudonym secret into an AgreementPolicy. Runs at start
// and on reload, never while a message waits; an invalid set is refused as a whole.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "accord/agreements/agency.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/validator.hpp"
#include "accord/app/gateway.hpp"
#include "accord/app/governance_inputs.hpp"
#include "accord/crypto/bytes.hpp"
#include "accord/crypto/key_dir.hpp"
#include "accord/crypto/key_registry.hpp"
#include "accord/governance/signed_by_json.hpp"
#include "accord/pipeline/agreement_policy.hpp"
#include "governance_log.hpp"

namespace accord::app {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kPseudonymMasterBytes = 32;

// Reads the pseudonym master secret. Creates it (exactly 0600, fsync'd with its directory)
// only when `secret_mode` allows it: the first start of a gateway. A secret that
// goes missing later is an error, never silently replaced: a new one would change every
// recipient's pseudonyms.
Result<std::vector<unsigned char>> load_or_create_secret(const std::string& path,
                                                         SecretMode secret_mode, env::Env& env) {
  std::vector<unsigned char> secret(kPseudonymMasterBytes);
  if (!env.file_exists(path)) {
    if (secret_mode == SecretMode::ephemeral_if_missing) {
      env.random_bytes(secret);
      return secret;
    }
    if (secret_mode != SecretMode::create_if_missing) {
      return make_error("pseudonym_secret_missing",
                        "the pseudonym secret " + path +
                            " is missing: restore it from backup (a new secret would change "
                            "every recipient's pseudonyms, so none is made once the gateway has "
                            "run)",
                        path);
    }
    env.random_bytes(secret);
    std::error_code ec;
    const fs::path dir = fs::path(path).parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
    const std::string_view bytes(reinterpret_cast<const char*>(secret.data()), secret.size());
    // Written aside and renamed: a crash mid-write leaves no half secret at `path`.
    if (auto written = env.replace_file(path, bytes, 0600); !written.ok()) {
      // `io`, the configuration's code for a file it cannot make (docs/operations.md).
      return make_error("io", "cannot create the pseudonym secret: " + written.error().message,
                        path);
    }
    spdlog::info("created a new pseudonym secret at {}", path);
    return secret;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return make_error("insecure_key_file",
                      path + " is readable by group or others; run chmod 600 " + path, path);
  }
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  if (text->size() != kPseudonymMasterBytes) {
    return make_error("invalid_key_file",
                      path + " must hold exactly 32 bytes; it holds " +
                          std::to_string(text->size()) + " (restore it from backup)",
                      path);
  }
  std::copy(text->begin(), text->end(), secret.begin());
  return secret;
}

// "sha256:<hex>" over every input file's name and content, in a fixed order: the identity
// of an agreement set in logs (old -> new on reload) and in the admin API.
std::string set_hash(const std::string& agencies_text,
                     const std::vector<agreements::SourceText>& sources,
                     const crypto::KeyRegistry& keys,
                     const std::vector<std::pair<std::string, std::string>>& governance_files) {
  std::string all;
  // Signing keys and statements: a new signature changes what is in force.
  for (const auto& [path, text] : governance_files) {
    all += fs::path(path).filename().string() + '\0' + std::to_string(text.size()) + '\0' + text +
           '\0';
  }
  for (const auto& key : keys.all()) {
    all += key.agency + '\0' + key.kid + '\0' + key.created + '\0';
    all.append(reinterpret_cast<const char*>(key.public_key.data()), key.public_key.size());
    all += '\0';
  }
  all += "agencies.yaml";
  all += '\0';
  all += agencies_text;
  for (const auto& source : sources) {
    all += '\0';
    all += fs::path(source.file).filename().string();
    all += '\0';
    all += std::to_string(source.text.size());
    all += '\0';
    all += source.text;
  }
  return "sha256:" + pipeline::content_hash(all);
}

std::string describe(const agreements::AgreementSet& set, const std::string& hash,
                     const governance::Evaluation& evaluation, std::int64_t now_ms) {
  using nlohmann::json;
  const agreements::Instant now{std::chrono::seconds(now_ms / 1000)};
  json list = json::array();
  for (const auto& a : set.agreements()) {
    const auto governed =
        std::find_if(evaluation.versions.begin(), evaluation.versions.end(),
                     [&](const auto& g) { return g.agreement == a.id && g.version == a.version; });
    json governance = json::object();
    if (governed != evaluation.versions.end()) {
      governance = {{"content_hash", governed->content_hash},
                    {"governance", std::string(governance::to_string(governed->state))},
                    {"signed_by", json(governed->signatures)},
                    {"missing", governed->missing},
                    {"suspended_by", json(governed->suspended_by)}};
      if (!governed->reason.empty()) governance["held_reason"] = governed->reason;
    }
    list.push_back({{"id", a.id},
                    {"version", a.version},
                    {"title", a.title},
                    {"status", std::string(agreements::to_string(a.status))},
                    {"mode", std::string(agreements::to_string(a.mode))},
                    {"in_force", a.in_force(now)},
                    {"provider", a.provider},
                    {"recipients", a.recipients},
                    {"valid_from", agreements::format_instant(a.valid_from)},
                    {"valid_until", agreements::format_instant(a.valid_until)},
                    {"review_by", agreements::format_date(a.review_by)},
                    {"review_due", a.review_by <= now},
                    {"file", fs::path(a.file).filename().string()}});
    list.back().update(governance);
  }
  return json{{"hash", hash},
              {"loaded_at", agreements::format_instant(now)},
              {"agreements", std::move(list)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

// Every agreement file (*.yaml, *.yml) of `dir`, sorted by path.
Result<std::vector<agreements::SourceText>> read_agreement_sources(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error("io", "agreements directory " + dir + " does not exist", dir);
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<agreements::SourceText> sources;
  for (const auto& file : files) {
    auto text = read_file(file);
    if (!text.ok()) return text.error();
    sources.push_back({file, std::move(text.value())});
  }
  return sources;
}

}  // namespace

Status check_proposal(const GatewayConfig& config, const envelope::Vocabulary& vocabulary,
                      std::int64_t now_ms, const std::string& file, const std::string& text) {
  auto directory = parse_file(config.agencies_path, &agreements::AgencyDirectory::parse);
  if (!directory.ok()) return directory.error();
  auto sources = read_agreement_sources(config.agreements_path);
  if (!sources.ok()) return sources.error();
  const std::string path = (fs::path(config.agreements_path) / file).string();
  std::erase_if(sources.value(), [&](const auto& s) { return s.file == path; });
  sources->push_back({path, text});
  auto loaded = agreements::parse_all(sources.value());
  const agreements::Instant now{std::chrono::seconds(now_ms / 1000)};
  auto diagnostics = loaded.diagnostics;
  auto set_findings = agreements::validate(loaded.agreements, directory.value(), vocabulary, now);
  diagnostics.insert(diagnostics.end(), set_findings.begin(), set_findings.end());
  std::string errors;
  for (const auto& d : diagnostics) {
    if (d.severity != agreements::Severity::warning) {
      errors += (errors.empty() ? "" : "\n") + d.to_string();
    }
  }
  if (errors.empty()) return Status::Ok();
  return make_error("invalid_agreements",
                    file + " does not load with the agreements in force:\n" + errors, file);
}

Result<std::shared_ptr<const LoadedPolicy>> load_policy(const GatewayConfig& config,
                                                        const envelope::Vocabulary& vocabulary,
                                                        std::int64_t now_ms, SecretMode secret_mode,
                                                        const GovernanceContext& context) {
  auto agencies_text = read_file(config.agencies_path);
  if (!agencies_text.ok()) return agencies_text.error();
  auto directory =
      parse_text(config.agencies_path, agencies_text.value(), &agreements::AgencyDirectory::parse);
  if (!directory.ok()) return directory.error();

  auto read_sources = read_agreement_sources(config.agreements_path);
  if (!read_sources.ok()) return read_sources.error();
  const std::vector<agreements::SourceText>& sources = read_sources.value();

  auto loaded = agreements::parse_all(sources);
  const agreements::Instant now{std::chrono::seconds(now_ms / 1000)};
  auto diagnostics = loaded.diagnostics;
  auto set_findings = agreements::validate(loaded.agreements, directory.value(), vocabulary, now);
  diagnostics.insert(diagnostics.end(), set_findings.begin(), set_findings.end());
  // Advance notice of ends and reviews: warnings in the log, never errors.
  auto notice =
      agreements::notices(loaded.agreements, now, std::chrono::days{config.agreement_notice_days});
  diagnostics.insert(diagnostics.end(), notice.begin(), notice.end());
  std::string errors;
  for (const auto& d : diagnostics) {
    if (d.severity == agreements::Severity::warning) {
      spdlog::warn("agreements: {}", d.to_string());
    } else {
      errors += (errors.empty() ? "" : "\n") + d.to_string();
    }
  }
  if (!errors.empty()) {
    return make_error("invalid_agreements",
                      "the agreement set is invalid (run `accord agreements validate " +
                          config.agreements_path + "`):\n" + errors,
                      config.agreements_path);
  }

  auto secret = load_or_create_secret(config.pseudonym_key_path, secret_mode,
                                      config.env ? *config.env : env::system_env());
  if (!secret.ok()) return secret.error();

  // Agencies' public keys: registered by the operator copying their *.pub.json into the
  // keys directory. Each registration is logged (the audit log will record it too).
  auto keys = std::make_shared<crypto::KeyRegistry>();
  if (!config.keys_path.empty()) {
    auto loaded_keys = crypto::KeyRegistry::load_dir(config.keys_path);
    if (!loaded_keys.ok()) {
      Error error = loaded_keys.error();
      error.message = "agency keys: " + error.message;
      return error;
    }
    *keys = std::move(loaded_keys.value());
    for (const auto& key : keys->all()) {
      const bool current = keys->current(key.agency) == &key;
      spdlog::info("agency key {} for {} registered from {}{}", key.kid, key.agency, key.source,
                   current ? " (current)" : "");
    }
  }
  // Who may sign: the agencies' signing keys, registered in the same directory. A bad one
  // refuses the reload like a bad encryption key.
  std::vector<std::pair<std::string, std::string>> governance_files;
  auto signers = std::make_shared<governance::SignerRegistry>();
  if (!config.keys_path.empty()) {
    auto files = crypto::read_dir_files(config.keys_path, ".sign.pub.json");
    if (!files.ok()) return files.error();
    auto parsed = governance::SignerRegistry::parse(files.value());
    if (!parsed.ok()) {
      Error error = parsed.error();
      error.message = "agreement signing keys: " + error.message;
      return error;
    }
    *signers = std::move(parsed.value());
    for (const auto& key : signers->all()) {
      spdlog::info("signing key {} for {} registered from {}", key.kid, key.agency, key.source);
    }
    governance_files = std::move(files.value());
  }
  auto statements = read_statement_files(config.signatures_path);
  if (!statements.ok()) return statements.error();
  if (context.via_api) {
    for (auto& statement : statements->statements) {
      if (statement.sig == context.via_api->sig) statement.source = "api";
    }
  }
  governance_files.insert(governance_files.end(), statements->texts.begin(),
                          statements->texts.end());

  auto result = std::make_shared<LoadedPolicy>();
  GovernanceState& governance = result->governance;
  for (const auto& a : loaded.agreements) {
    governance::VersionInput input;
    input.ref.agreement = a.id;
    input.ref.version = a.version;
    for (const auto& party : a.parties) input.ref.parties.push_back(party.agency);
    const auto source = std::find_if(sources.begin(), sources.end(),
                                     [&](const auto& s) { return s.file == a.file; });
    if (source != sources.end()) input.text = source->text;
    input.ref.content_hash = governance::content_hash(input.text);
    input.file = fs::path(a.file).filename().string();
    input.declared = a.status;
    input.mode = a.mode;
    input.valid_until = a.valid_until;
    governance.versions.push_back(std::move(input));
  }
  static const governance::Ledger kEmptyLog;
  governance.statements = std::move(statements->statements);
  governance.evaluation =
      governance::evaluate(governance.versions, governance.statements, *signers,
                           context.log ? context.log->ledger() : kEmptyLog, now);
  governance.events = governance.evaluation.events;
  for (const auto& malformed : statements->malformed) {
    spdlog::warn("agreements: {} is not a statement: {}", malformed.source, malformed.message);
    if (context.log && context.log->malformed_recorded(malformed.source)) continue;
    governance.events.push_back(malformed_event(malformed));
  }
  governance.held = held_versions(governance.evaluation);
  governance.signers = std::move(signers);
  governance::apply(loaded.agreements, governance.evaluation);

  result->content_hash = set_hash(agencies_text.value(), sources, *keys, governance_files);
  for (const auto& key : keys->all()) result->keys.emplace_back(key.agency, key.kid);
  result->agreements = loaded.agreements.size();
  for (const auto& a : loaded.agreements) {
    if (a.status != agreements::Status::active) continue;
    result->dates.push_back({a.id + "@" + std::to_string(a.version),
                             a.valid_until.time_since_epoch().count(),
                             a.review_by.time_since_epoch().count()});
  }
  result->agencies =
      std::make_shared<const agreements::AgencyDirectory>(std::move(directory.value()));
  auto set = std::make_shared<const agreements::AgreementSet>(std::move(loaded.agreements));
  result->description = describe(*set, result->content_hash, governance.evaluation, now_ms);
  result->agreement_set = set;
  result->policy = std::make_shared<pipeline::AgreementPolicy>(
      std::move(set), std::move(secret.value()), std::move(keys));
  return std::shared_ptr<const LoadedPolicy>(std::move(result));
}

}  // namespace accord::app
