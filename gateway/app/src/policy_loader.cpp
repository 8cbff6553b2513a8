// Loads agencies + agreements + the pseudonym secret into an AgreementPolicy. Runs at start
// and on reload, never while a message waits; an invalid set is refused as a whole.
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "accord/agreements/agency.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/validator.hpp"
#include "accord/app/gateway.hpp"
#include "accord/pipeline/agreement_policy.hpp"

namespace accord::app {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kPseudonymMasterBytes = 32;

// Reads the pseudonym master secret, creating it (0600) on first start.
Result<std::vector<unsigned char>> load_or_create_secret(const std::string& path) {
  std::vector<unsigned char> secret(kPseudonymMasterBytes);
  if (!fs::exists(path)) {
    if (sodium_init() < 0) return make_error("crypto", "libsodium failed to initialise");
    randombytes_buf(secret.data(), secret.size());
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      ::chmod(tmp.c_str(), 0600);
      out.write(reinterpret_cast<const char*>(secret.data()),
                static_cast<std::streamsize>(secret.size()));
      if (!out.flush()) return make_error("io", "cannot write " + tmp, tmp);
    }
    fs::rename(tmp, path, ec);
    if (ec) return make_error("io", "cannot create " + path + ": " + ec.message(), path);
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

}  // namespace

Result<std::shared_ptr<const pipeline::Policy>> load_policy(const GatewayConfig& config,
                                                            const envelope::Vocabulary& vocabulary,
                                                            std::int64_t now_ms) {
  auto agencies_text = read_file(config.agencies_path);
  if (!agencies_text.ok()) return agencies_text.error();
  auto directory = agreements::AgencyDirectory::parse(agencies_text.value());
  if (!directory.ok()) {
    Error error = directory.error();
    error.path = config.agencies_path + ":" + error.path;
    return error;
  }

  std::error_code ec;
  if (!fs::is_directory(config.agreements_path, ec)) {
    return make_error("io", "agreements directory " + config.agreements_path + " does not exist",
                      config.agreements_path);
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(config.agreements_path, ec)) {
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

  auto loaded = agreements::parse_all(sources);
  const agreements::Instant now{std::chrono::seconds(now_ms / 1000)};
  auto diagnostics = loaded.diagnostics;
  auto set_findings = agreements::validate(loaded.agreements, directory.value(), vocabulary, now);
  diagnostics.insert(diagnostics.end(), set_findings.begin(), set_findings.end());
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

  auto secret = load_or_create_secret(config.pseudonym_key_path);
  if (!secret.ok()) return secret.error();
  spdlog::info("loaded {} agreements from {}", loaded.agreements.size(), config.agreements_path);
  auto set = std::make_shared<const agreements::AgreementSet>(std::move(loaded.agreements));
  return std::shared_ptr<const pipeline::Policy>(
      std::make_shared<pipeline::AgreementPolicy>(std::move(set), std::move(secret.value())));
}

}  // namespace accord::app
