// The admin listener's hooks into the gateway: audit reads and checkpoints, dead letters,
// reloads. Blocking work runs on the admin executor (Gateway::offload), never on the io
// threads or the spool's completion thread.
#include <spdlog/spdlog.h>

#include "accord/agreements/loader.hpp"
#include "accord/agreements/validator.hpp"
#include "accord/app/gateway.hpp"
#include "accord/app/storage_health.hpp"
#include "compliance_tracker.hpp"
#include "flow_counters.hpp"
#include "gateway_spool.hpp"

namespace accord::app {
namespace {

// Every version of a loaded set with its text and what governance decided for it.
std::vector<api::AgreementVersion> loaded_versions(const LoadedPolicy& loaded) {
  std::vector<api::AgreementVersion> out;
  if (!loaded.agreement_set) return out;
  const auto& inputs = loaded.governance.versions;
  const auto& governed = loaded.governance.evaluation.versions;
  for (const auto& a : loaded.agreement_set->agreements()) {
    api::AgreementVersion v;
    v.agreement = a;
    for (const auto& input : inputs) {
      if (input.ref.agreement == a.id && input.ref.version == a.version) {
        v.text = input.text;
        v.content_hash = input.ref.content_hash;
      }
    }
    for (const auto& g : governed) {
      if (g.agreement != a.id || g.version != a.version) continue;
      v.governance = std::string(governance::to_string(g.state));
      v.signed_by = g.signatures;
      v.missing = g.missing;
      v.held_reason = g.reason;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

api::AdminHooks Gateway::admin_hooks() {
  api::AdminHooks hooks;
  // The SQLite file, or the PostgreSQL URI: AuditReader::open takes either.
  hooks.audit_db_path = audit_location(config_);
  hooks.console = config_.console;
  if (!config_.console.enabled) {
    spdlog::info("admin_listen.console is false: the web console is off");
  } else if (!config_.console.dir.empty()) {
    spdlog::warn("admin_listen.console_dir: the web console is served from {} (development only)",
                 config_.console.dir);
  }
  if (signer_) hooks.audit_key = signer_->public_key();
  hooks.storage_unavailable = [this] { return storage_health_->unavailable(clock_()); };
  hooks.audit_checkpoint = [this](std::function<void(Status)> done) {
    // The answer reads the new checkpoint from the database: not on the spool's thread.
    waking_spool_->checkpoint(clock_(), [this, done = std::move(done)](Status s) mutable {
      offload([done = std::move(done), s = std::move(s)]() mutable { done(std::move(s)); });
    });
  };
  hooks.list_dead_letters = [this](std::string recipient, std::size_t limit, auto done) {
    waking_spool_->list_dead_letters(std::move(recipient), limit, std::move(done));
  };
  // Through the waking spool: a redriven copy is pushed at once, not at the idle poll.
  hooks.redrive = [this](spool::RedriveRequest request, auto done) {
    request.now_ms = clock_();
    waking_spool_->redrive(std::move(request), std::move(done));
  };
  hooks.retention_purge = [this](std::string actor, auto done) {
    // The agreements are read under the reload lock: not on an io thread.
    offload([this, actor = std::move(actor), done = std::move(done)]() mutable {
      purge_retention(std::move(actor), std::move(done));
    });
  };
  hooks.reload = [this] { return reload_now(); };  // offloaded by the handler
  hooks.record_audit = [this](std::vector<audit::Event> events, std::function<void(Status)> done) {
    waking_spool_->record(std::move(events), std::move(done));
  };
  hooks.now_ms = [this] { return clock_(); };
  hooks.offload = [this](std::function<void()> work) { offload(std::move(work)); };
  // The tracker is made after the admin handler (it submits through the adapters'
  // submitter): looked up at each call.
  {
    hooks.compliance_report =
        [this](const api::ComplianceQuery& query) -> Result<api::ComplianceAnswer> {
      if (!compliance_) {
        return make_error("compliance_unconfigured",
                          "the configuration has no compliance: section");
      }
      compliance::ReportFilter filter;
      // Unbounded from the log's start; to: every clock started by the as-of instant.
      filter.as_of_ms = query.as_of_ms.value_or(clock_());
      filter.from_ms = query.from_ms.value_or(0);
      filter.to_ms = query.to_ms.value_or(filter.as_of_ms + 1);
      filter.agency = query.agency;
      filter.right = query.right;
      auto report = compliance_->report(filter);
      if (!report.ok()) return report.error();
      api::ComplianceAnswer answer;
      const auto format = compliance::parse_report_format(query.format);
      answer.body = compliance::render_report(*report, *format, query.clocks);
      answer.content_type = *format == compliance::ReportFormat::csv     ? "text/csv"
                            : *format == compliance::ReportFormat::table ? "text/plain"
                                                                         : "application/json";
      answer.clocks = static_cast<std::int64_t>(report->clocks.size());
      return answer;
    };
    hooks.compliance_feed = [this](const std::string& month) -> Result<api::FeedAnswer> {
      if (!compliance_ || !config_.compliance.oversight_feed.enabled) {
        return make_error("compliance_unconfigured",
                          "the configuration has no compliance.oversight_feed");
      }
      const auto parsed = parse_month(month);
      if (!parsed) return make_error("invalid_query", "month is YYYY-MM", "month");
      auto sent = compliance_->send_feed(*parsed);
      if (!sent.ok()) return sent.error();
      return api::FeedAnswer{sent->month, sent->message_id, sent->already_sent,
                             std::move(sent->recipients)};
    };
  }
  hooks.submit_statement = [this](bool suspension, std::string_view body) {
    return submit_statement(
        suspension ? governance::StatementKind::suspension : governance::StatementKind::signature,
        body);
  };
  hooks.propose_agreement = [this](const std::string& file, const std::string& text) {
    return propose_agreement(file, text);
  };
  // The dry run validates a proposed set as a reload would: today's directory and vocabulary.
  hooks.validate_agreements = [this](const std::vector<agreements::SourceText>& sources,
                                     agreements::Instant at) {
    std::shared_ptr<const agreements::AgencyDirectory> directory;
    {
      std::lock_guard lock(agencies_mutex_);
      directory = agencies_;
    }
    api::ProposedAgreements out;
    auto loaded = agreements::parse_all(sources);
    out.diagnostics = std::move(loaded.diagnostics);
    auto findings = agreements::validate(loaded.agreements, *directory, vocabulary_, at);
    out.diagnostics.insert(out.diagnostics.end(), findings.begin(), findings.end());
    out.agreements = std::move(loaded.agreements);
    return out;
  };
  hooks.agreement_version = [this](const std::string& id,
                                   int version) -> std::optional<api::AgreementVersion> {
    std::lock_guard lock(reload_mutex_);
    for (auto& v : loaded_versions(*loaded_)) {
      if (v.agreement.id == id && v.agreement.version == version) return std::move(v);
    }
    return std::nullopt;
  };
  hooks.flows = [this] {
    api::FlowsSnapshot snapshot;
    snapshot.since_ms = started_at_ms_;
    {
      std::lock_guard lock(agencies_mutex_);
      for (const auto& [id, agency] : agencies_->all()) {
        snapshot.agencies.push_back({agency.id, agency.name, agency.kind});
      }
    }
    {
      std::lock_guard lock(reload_mutex_);
      snapshot.agreements = loaded_versions(*loaded_);
    }
    snapshot.counts = flow_counters_->snapshot();
    return snapshot;
  };
  hooks.deliveries = [this]() -> Result<std::vector<api::RecipientDeliveries>> {
    auto queues = health_spool_->queue_health(clock_());
    if (!queues.ok()) return queues.error();
    const auto workers = delivery_->stats();
    std::map<std::string, api::RecipientDeliveries> by_recipient;
    for (const auto& [recipient, type] : outbound_types_) by_recipient[recipient].adapter = type;
    for (const auto& [recipient, queue] : *queues) by_recipient[recipient].queue = queue;
    std::vector<api::RecipientDeliveries> out;
    for (auto& [recipient, d] : by_recipient) {
      d.recipient = recipient;
      if (d.adapter.empty()) d.adapter = "mailbox";
      if (auto w = workers.find(recipient); w != workers.end()) {
        d.pushes = true;
        d.circuit_open = w->second.circuit_open;
        d.in_flight = w->second.in_flight;
        d.delivered_total = w->second.delivered;
        d.retried_total = w->second.retried;
        d.dead_lettered_total = w->second.dead_lettered;
      }
      out.push_back(std::move(d));
    }
    return out;
  };
  hooks.describe_agreements = [this] {
    std::lock_guard lock(reload_mutex_);
    return loaded_->description;
  };
  return hooks;
}

}  // namespace accord::app
