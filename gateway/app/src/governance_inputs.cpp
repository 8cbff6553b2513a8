#include "accord/app/governance_inputs.hpp"

#include <algorithm>
#include <filesystem>

#include "accord/app/config.hpp"
#include "accord/crypto/key_dir.hpp"

namespace accord::app {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kSignatureSuffix = ".sig.json";
constexpr std::string_view kSuspensionSuffix = ".suspend.json";
}  // namespace

Result<StatementFiles> read_statement_files(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error("io", "signatures directory " + dir + " does not exist", dir);
  }
  StatementFiles out;
  for (const auto suffix : {kSignatureSuffix, kSuspensionSuffix}) {
    auto files = crypto::read_dir_files(dir, suffix);
    if (!files.ok()) return files.error();
    for (auto& [path, text] : files.value()) {
      // Records name the file, not where this gateway keeps it.
      const std::string name = fs::path(path).filename().string();
      auto parsed = governance::parse_statement(text, name);
      if (parsed.ok()) {
        out.statements.push_back(std::move(parsed.value()));
      } else {
        out.malformed.push_back({name, suffix == kSignatureSuffix ? "signature" : "suspension",
                                 parsed.error().message});
      }
      out.texts.emplace_back(name, std::move(text));
    }
  }
  std::sort(out.statements.begin(), out.statements.end(),
            [](const auto& a, const auto& b) { return a.source < b.source; });
  std::sort(out.texts.begin(), out.texts.end());
  return out;
}

governance::LifecycleEvent malformed_event(const MalformedStatement& malformed) {
  governance::LifecycleEvent event;
  event.kind = std::string(governance::kind::kSignatureRefused);
  // The file name says which version it was meant for ("<id>.v<n>.<agency>.sig.json"); the
  // text could not say it.
  const auto dot_v = malformed.source.find(".v");
  if (dot_v != std::string::npos) {
    const auto digits_end = malformed.source.find('.', dot_v + 2);
    const std::string digits = malformed.source.substr(dot_v + 2, digits_end - dot_v - 2);
    if (!digits.empty() && digits.size() < 9 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      event.agreement = malformed.source.substr(0, dot_v) + "@" + digits;
    }
  }
  event.code = "malformed_statement";
  event.reason = malformed.source + " is not a statement: " + malformed.message;
  event.details = {{"statement", malformed.statement},
                   {"content_hash", ""},
                   {"agency", ""},
                   {"kid", ""},
                   {"source", malformed.source}};
  return event;
}

audit::Event to_audit_event(const governance::LifecycleEvent& event, std::int64_t at_ms) {
  audit::Event record;
  record.kind = event.kind;
  record.at_ms = at_ms;
  record.agreement = event.agreement;
  record.code = event.code;
  record.reason = event.reason;
  record.details = event.details;
  return record;
}

std::vector<std::string> held_versions(const governance::Evaluation& evaluation) {
  std::vector<std::string> lines;
  for (const auto& version : evaluation.versions) {
    if (version.reason.empty()) continue;
    lines.push_back(version.agreement + " v" + std::to_string(version.version) + ": " +
                    version.reason);
  }
  return lines;
}

}  // namespace accord::app
