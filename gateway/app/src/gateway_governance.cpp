// The lifecycle of agreement versions in the running gateway (docs/agreements.md, "Co-signed
// activation and the lifecycle"; docs/operations.md, "Governing agreements"): the audit
// records of each evaluation, the minute check, and the admin API's signatures, suspensions
// and proposals. Every entry point runs on the admin executor or a test's thread.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <regex>

#include "accord/app/gateway.hpp"
#include "accord/app/governance_inputs.hpp"
#include "governance_log.hpp"

namespace accord::app {
namespace fs = std::filesystem;

namespace {

constexpr std::chrono::seconds kGovernanceCheckEvery{60};

agreements::Instant instant_of(std::int64_t ms) {
  return agreements::Instant{std::chrono::seconds(ms / 1000)};
}

// The refusal record of a statement sent to the admin API.
governance::LifecycleEvent api_refusal(const governance::Statement& statement, std::string code,
                                       std::string reason) {
  governance::LifecycleEvent event;
  event.kind = std::string(governance::kind::kSignatureRefused);
  event.agreement = statement.agreement + "@" + std::to_string(statement.version);
  event.code = std::move(code);
  event.reason = std::move(reason);
  event.details = {{"statement", std::string(governance::to_string(statement.kind))},
                   {"content_hash", statement.content_hash},
                   {"agency", statement.agency},
                   {"kid", statement.kid},
                   {"source", "api"}};
  return event;
}

// Where a version stands after a reload, for the API's answer.
api::GovernanceAnswer answer_for(const LoadedPolicy& loaded, const std::string& agreement,
                                 int version) {
  api::GovernanceAnswer answer;
  answer.agreement = agreement + "@" + std::to_string(version);
  for (const auto& governed : loaded.governance.evaluation.versions) {
    if (governed.agreement != agreement || governed.version != version) continue;
    answer.governance = std::string(governance::to_string(governed.state));
    answer.missing = governed.missing;
  }
  return answer;
}

}  // namespace

std::vector<audit::Event> Gateway::governance_records(const LoadedPolicy& loaded,
                                                      std::int64_t at_ms) {
  std::vector<audit::Event> records;
  for (const auto& event : loaded.governance.events) {
    records.push_back(to_audit_event(event, at_ms));
  }
  return records;
}

Status Gateway::record_and_wait(std::vector<audit::Event> events) {
  if (events.empty()) return Status::Ok();
  std::promise<Status> written;
  auto done = written.get_future();
  health_spool_->record(std::move(events), [&written](Status s) { written.set_value(s); });
  return done.get();
}

Status Gateway::check_governance() {
  bool state_changed = false;
  {
    std::lock_guard lock(reload_mutex_);
    if (!loaded_) return Status::Ok();
    if (auto folded = governance_log_->catch_up(); !folded.ok()) return folded.error();
    const auto& held = loaded_->governance;
    const std::int64_t now_ms = clock_();
    auto evaluation = governance::evaluate(held.versions, held.statements, *held.signers,
                                           governance_log_->ledger(), instant_of(now_ms));
    for (std::size_t i = 0; i < evaluation.versions.size(); ++i) {
      const auto& now = evaluation.versions[i];
      const auto& then = held.evaluation.versions.at(i);
      if (now.state != then.state || now.missing != then.missing) state_changed = true;
    }
    if (!state_changed) {
      std::vector<audit::Event> records;
      for (const auto& event : evaluation.events) {
        records.push_back(to_audit_event(event, now_ms));
      }
      return record_and_wait(std::move(records));
    }
  }
  // Another gateway on the same database recorded a signature or a suspension: take it up
  // as a reload does (which writes the records and swaps the set in).
  spdlog::info("agreements: the audit log changed a version's state; reloading");
  auto report = reload_policy();
  if (!report.ok()) return report.error();
  return Status::Ok();
}

void Gateway::schedule_governance_check() {
  std::lock_guard lock(governance_timer_mutex_);
  if (stopping_ || !governance_timer_) return;
  governance_timer_->expires_after(kGovernanceCheckEvery);
  governance_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    offload([this] {
      if (stopping_) return;
      if (auto checked = check_governance(); !checked.ok()) {
        spdlog::error("agreements: the lifecycle check failed: {}", checked.error().message);
      }
    });
    schedule_governance_check();
  });
}

Result<api::GovernanceAnswer> Gateway::submit_statement(governance::StatementKind expected,
                                                        std::string_view body) {
  const std::int64_t at = clock_();
  const std::string expected_name(governance::to_string(expected));
  auto refuse = [&](const governance::LifecycleEvent& event, Error error) {
    if (auto written = record_and_wait({to_audit_event(event, at)}); !written.ok()) {
      spdlog::error("refusal of a statement not audited: {}", written.error().message);
    }
    spdlog::warn("agreements: {} statement refused ({}): {}", expected_name, error.code,
                 error.message);
    return error;
  };
  auto parsed = governance::parse_statement(body, "api");
  if (!parsed.ok()) {
    return refuse(
        malformed_event({"api", expected_name, parsed.error().message}),
        make_error("malformed_statement",
                   "the body is not a " + expected_name + " statement: " + parsed.error().message,
                   parsed.error().path));
  }
  const governance::Statement statement = std::move(parsed.value());
  if (statement.kind != expected) {
    const std::string route = statement.kind == governance::StatementKind::suspension
                                  ? "/v1/admin/agreements/suspensions"
                                  : "/v1/admin/agreements/signatures";
    const std::string message = "the body is a " +
                                std::string(governance::to_string(statement.kind)) +
                                " statement: send it to " + route;
    return refuse(api_refusal(statement, "malformed_statement", message),
                  make_error("malformed_statement", message, "format"));
  }
  {
    std::lock_guard lock(reload_mutex_);
    const GovernanceState& held = loaded_->governance;
    const governance::VersionInput* named = nullptr;
    const governance::VersionInput* latest = nullptr;
    for (const auto& version : held.versions) {
      if (version.ref.agreement != statement.agreement) continue;
      if (version.ref.version == statement.version) named = &version;
      if (latest == nullptr || version.ref.version > latest->ref.version) latest = &version;
    }
    if (latest == nullptr) {
      const std::string message = "no version of agreement " + statement.agreement +
                                  " is loaded: propose it (or fix the id) before signing";
      return refuse(api_refusal(statement, "unknown_agreement", message),
                    make_error("unknown_agreement", message, "agreement"));
    }
    // A statement naming a version that is not loaded is judged against the newest one: the
    // verdict then says other_version (an old version's signature replayed, say).
    const auto verdict =
        governance::verify(statement, (named ? *named : *latest).ref, *held.signers);
    if (!verdict.ok) {
      return refuse(api_refusal(statement, verdict.code, verdict.reason),
                    make_error(verdict.code, verdict.reason));
    }
    // The signatures directory is where statements live: the log records it, a reload (this
    // one, and every later one) reads it.
    const std::string path =
        (fs::path(config_.signatures_path) / governance::statement_file_name(statement)).string();
    if (auto written = env_.replace_file(path, governance::to_json(statement), 0644);
        !written.ok()) {
      return make_error("signatures_read_only",
                        "the statement is valid but cannot be written to " +
                            config_.signatures_path + ": " + written.error().message,
                        config_.signatures_path);
    }
    spdlog::info("agreements: {} of {}@{} by {} ({}) accepted, written to {}", expected_name,
                 statement.agreement, statement.version, statement.agency, statement.kid, path);
  }
  auto report = reload_policy(statement);
  if (!report.ok()) return report.error();
  std::lock_guard lock(reload_mutex_);
  return answer_for(*loaded_, statement.agreement, statement.version);
}

Result<api::GovernanceAnswer> Gateway::propose_agreement(const std::string& file,
                                                         const std::string& text) {
  static const std::regex kFileName("[a-z0-9.-]+\\.yaml");
  if (!std::regex_match(file, kFileName)) {
    return make_error("invalid_request",
                      "file must be a name of lower-case letters, digits, '.' and '-' ending in "
                      ".yaml (no directory)",
                      "file");
  }
  {
    std::lock_guard lock(reload_mutex_);
    const std::string path = (fs::path(config_.agreements_path) / file).string();
    if (env_.file_exists(path)) {
      auto existing = read_file(path);
      if (!existing.ok()) return existing.error();
      if (existing.value() != text) {
        return make_error("file_exists",
                          file +
                              " exists with other text: a new version is a new file (raise "
                              "`version` and name the file after it)",
                          "file");
      }
    }
    if (auto checked = check_proposal(config_, vocabulary_, clock_(), file, text); !checked.ok()) {
      return checked.error();
    }
    if (auto written = env_.replace_file(path, text, 0644); !written.ok()) {
      return make_error("agreements_read_only",
                        "the proposal is valid but cannot be written to " +
                            config_.agreements_path + ": " + written.error().message,
                        config_.agreements_path);
    }
    spdlog::info("agreements: {} proposed over the admin API", path);
  }
  auto report = reload_policy();
  if (!report.ok()) return report.error();
  std::lock_guard lock(reload_mutex_);
  for (const auto& version : loaded_->governance.versions) {
    if (version.file == file) {
      return answer_for(*loaded_, version.ref.agreement, version.ref.version);
    }
  }
  return make_error("internal", file + " was written but did not load", "file");
}

}  // namespace accord::app
