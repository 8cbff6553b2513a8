// Reloading the agreements and the listeners' TLS files (SIGHUP, POST
// /v1/admin/agreements/reload), on the admin executor.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "accord/app/gateway.hpp"
#include "compliance_tracker.hpp"
#include "governance_log.hpp"

namespace accord::app {

Result<api::ReloadReport> Gateway::reload_policy(std::optional<governance::Statement> via_api) {
  std::lock_guard lock(reload_mutex_);
  // What other gateways on the same database recorded counts too.
  if (auto folded = governance_log_->catch_up(); !folded.ok()) {
    spdlog::error("agreement reload refused, still serving {}: reading the audit log: {}",
                  loaded_->content_hash, folded.error().message);
    return folded.error();
  }
  auto loaded = load_policy(config_, vocabulary_, clock_(), SecretMode::must_exist,
                            {governance_log_.get(), std::move(via_api)});
  // The compliance rule sets and calendar are re-read with the agreements: a bad file refuses
  // the whole reload.
  std::shared_ptr<const ComplianceRules> compliance_rules;
  if (loaded.ok() && config_.compliance.enabled) {
    auto rules = load_compliance_rules(config_.compliance, vocabulary_);
    if (!rules.ok()) {
      loaded = rules.error();
    } else {
      compliance_rules = std::move(rules.value());
      if (auto s =
              check_oversight_feed(config_.compliance, *loaded.value()->agencies, config_.source);
          !s.ok()) {
        loaded = s.error();
      }
    }
  }
  if (!loaded.ok()) {
    spdlog::error("agreement reload refused, still serving {}: {}", loaded_->content_hash,
                  loaded.error().message);
    return loaded.error();
  }
  api::ReloadReport report{loaded_->content_hash, loaded.value()->content_hash,
                           loaded.value()->agreements};
  report.held = loaded.value()->governance.held;
  {
    const std::int64_t at = clock_();
    audit::Event event;
    event.kind = audit::kind::kAgreementsLoaded;
    event.at_ms = at;
    event.details = {{"old_hash", report.old_hash},
                     {"new_hash", report.new_hash},
                     {"agreements", std::to_string(report.agreements)}};
    // The lifecycle's records first, in the same transaction as the load they describe.
    std::vector<audit::Event> events = governance_records(*loaded.value(), at);
    events.push_back(std::move(event));
    for (const auto& key : loaded.value()->keys) {
      if (std::find(loaded_->keys.begin(), loaded_->keys.end(), key) != loaded_->keys.end())
        continue;
      audit::Event registered;
      registered.kind = audit::kind::kKeyRegistered;
      registered.at_ms = at;
      registered.details = {{"agency", key.first}, {"kid", key.second}};
      events.push_back(std::move(registered));
    }
    // Durable before the set they describe serves: an activation is never unrecorded.
    if (auto written = record_and_wait(std::move(events)); !written.ok()) {
      spdlog::error("agreement reload refused, still serving {}: its audit records: {}",
                    loaded_->content_hash, written.error().message);
      return written.error();
    }
  }
  pipeline_->set_policy(loaded.value()->policy);
  {
    std::lock_guard agencies(agencies_mutex_);
    agencies_ = loaded.value()->agencies;
    signers_ = loaded.value()->governance.signers;
  }
  loaded_ = std::move(loaded.value());
  if (compliance_rules) {
    compliance_rules_ = compliance_rules;
    if (compliance_) compliance_->set_rules(std::move(compliance_rules));
  }
  spdlog::info("agreements reloaded: {} -> {} ({} agreements{})", report.old_hash, report.new_hash,
               report.agreements, report.changed() ? "" : ", unchanged");
  for (const auto& line : report.held) spdlog::warn("agreement held: {}", line);
  return report;
}

Result<api::ReloadReport> Gateway::reload_now() {
  bool tls_reloaded = false;
  std::int64_t next_update = 0;
  for (auto* server : {server_.get(), admin_server_.get()}) {
    if (server == nullptr || server->port() == 0) continue;  // not listening (yet)
    auto crl = server->reload_tls();
    if (!crl.ok()) return crl.error();
    tls_reloaded = true;
    next_update = crl->next_update;
  }
  auto report = reload_policy();
  if (!report.ok()) return report;
  report->tls_reloaded = tls_reloaded;
  report->crl_next_update = next_update;
  return report;
}

Result<api::ReloadReport> Gateway::reload() {
  if (stopping_) return make_error("shutting_down", "the gateway is stopping");
  // SIGHUP arrives on main's signal thread: the reload runs where the admin listener's do,
  // one at a time (reload_mutex_), off the io threads.
  std::promise<Result<api::ReloadReport>> done;
  auto report = done.get_future();
  offload([this, &done] { done.set_value(reload_now()); });
  return report.get();
}

}  // namespace accord::app
