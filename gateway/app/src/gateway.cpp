#include "accord/app/gateway.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <mutex>

#include "access_log.hpp"
#include "accord/api/message_status_json.hpp"
#include "accord/app/fd_limit.hpp"
#include "accord/app/storage_health.hpp"
#include "accord/spool/pg_spool.hpp"
#include "certificate_refusals.hpp"
#include "compliance_tracker.hpp"
#include "flow_counters.hpp"
#include "gateway_metrics.hpp"
#include "gateway_spool.hpp"
#include "governance_log.hpp"
#include "pipeline_submitter.hpp"
#include "status_notifier.hpp"

namespace accord::app {

Gateway::Gateway(GatewayConfig config)
    : config_(std::move(config)),
      env_(config_.env ? *config_.env : env::system_env()),
      clock_([env = &env_] { return env->now_ms(); }),
      io_(config_.threads) {}

Gateway::~Gateway() {
  stop();
}

Result<std::shared_ptr<const LoadedPolicy>> Gateway::load_inputs(bool check_only) {
  const auto& cfg = config_;
  // Before anything is opened: too few descriptors is a reason not to start at all.
  if (auto status = ensure_descriptor_limit(cfg); !status.ok()) return status.error();
  // A console directory that is not one would answer every console request 404: say so now.
  if (cfg.admin_enabled && cfg.console.enabled && !cfg.console.dir.empty() &&
      !std::filesystem::is_directory(cfg.console.dir)) {
    return make_error("invalid_config",
                      "admin_listen.console_dir " + cfg.console.dir + " is not a directory",
                      cfg.source);
  }
  auto vocabulary = parse_file(cfg.vocabulary_path, &envelope::Vocabulary::parse);
  if (!vocabulary.ok()) return vocabulary.error();
  vocabulary_ = std::move(vocabulary.value());
  if (cfg.compliance.enabled) {
    auto rules = load_compliance_rules(cfg.compliance, vocabulary_);
    if (!rules.ok()) return rules.error();
    compliance_rules_ = std::move(rules.value());
  }
  // The pseudonym secret is made only on a gateway's first start (no spool, no manifest): if
  // it goes missing later, a new one would silently change every recipient's pseudonyms.
  // With PostgreSQL, "first" is the deployment's: nothing has run on the database yet.
  auto first_start = first_start_of_storage(cfg);
  if (!first_start.ok()) return first_start.error();
  SecretMode mode = SecretMode::must_exist;
  if (first_start.value()) {
    mode = check_only ? SecretMode::ephemeral_if_missing : SecretMode::create_if_missing;
  }
  auto policy = load_policy(cfg, vocabulary_, clock_(), mode);
  if (!policy.ok()) return policy;
  if (auto s = check_oversight_feed(cfg.compliance, *policy.value()->agencies, cfg.source);
      !s.ok()) {
    return s.error();
  }
  if (auto s = check_status_callbacks(cfg, *policy.value()->agencies); !s.ok()) return s.error();
  return policy;
}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayConfig config,
                                                 adapters::Registry registry) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config)));
  Gateway* self = gateway.get();
  const auto& cfg = self->config_;
  auto policy = self->load_inputs(/*check_only=*/false);
  if (!policy.ok()) return policy.error();
  // The data directory: the spool's (sqlite), which holds the keys by default; with
  // postgresql the signing key's.
  const std::string local_file =
      cfg.storage_backend == StorageBackend::sqlite ? cfg.storage.path : cfg.signing_key_path;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(local_file).parent_path(), ec);
  if (ec) {
    return make_error("io",
                      "cannot create the data directory for " + local_file + ": " + ec.message(),
                      local_file);
  }
  auto signer =
      crypto::GatewaySigner::load_or_create(cfg.signing_key_path, self->clock_(), self->env_);
  if (!signer.ok()) {
    Error error = signer.error();
    error.message = "gateway signing key: " + error.message;
    return error;
  }
  self->signer_.emplace(std::move(signer.value()));
  spdlog::info("gateway signing key {} ({})", self->signer_->public_key().kid,
               cfg.signing_key_path);

  // The audit log lives in the spool's transactions; checkpoints are signed with the key that
  // signs every delivered copy, so one published key verifies both.
  auto spool = open_gateway_spool(cfg, {&*self->signer_, self->clock_, &self->env_});
  if (!spool.ok()) return spool.error();
  self->spool_ = std::move(spool.value());
  spdlog::info("spool: {} ({})", backend_name(cfg.storage_backend), storage_location_for_log(cfg));
  self->storage_health_ = std::make_unique<StorageHealth>();
  self->health_spool_ =
      std::make_unique<HealthReportingSpool>(*self->spool_, *self->storage_health_, self->clock_);
  self->delivery_ = std::make_unique<delivery::Manager>(self->io_, *self->health_spool_, self->env_,
                                                        cfg.delivery);
  self->waking_spool_ =
      std::make_unique<delivery::WakingSpool>(*self->health_spool_, *self->delivery_);
  self->admin_pool_.emplace(2);

  // Governance is decided against what the log says (signatures recorded, versions archived,
  // suspensions): the set loaded before the spool was open is evaluated again with it.
  self->governance_log_ = std::make_unique<GovernanceLog>(audit_location(cfg));
  if (auto folded = self->governance_log_->catch_up(); !folded.ok()) {
    Error error = folded.error();
    error.message = "reading the agreements' lifecycle from the audit log: " + error.message;
    return error;
  }
  policy = load_policy(cfg, self->vocabulary_, self->clock_(), SecretMode::must_exist,
                       {self->governance_log_.get(), {}});
  if (!policy.ok()) return policy.error();

  self->pipeline_ =
      std::make_unique<pipeline::Pipeline>(self->vocabulary_, cfg.decode, *self->waking_spool_,
                                           *self->signer_, cfg.field_key_epoch_seconds);
  self->pipeline_->set_policy(policy.value()->policy);
  self->pipeline_->set_status_callbacks(cfg.status_callbacks);
  // Through the waking spool: an emitted notice wakes its recipient's delivery worker.
  self->status_notifier_ = std::make_unique<StatusNotifier>(
      *self->waking_spool_, *self->signer_, self->clock_,
      [](const spool::MessageStatus& status) { return api::message_status_json(status); });
  self->started_at_ms_ = self->clock_();
  self->flow_counters_ = std::make_unique<FlowCounters>();
  self->pipeline_->set_decision_observer(
      [counters = self->flow_counters_.get()](const std::string& sender,
                                              const std::vector<pipeline::DecidedFlow>& flows) {
        counters->add(sender, flows);
      });
  self->agencies_ = policy.value()->agencies;
  self->signers_ = policy.value()->governance.signers;
  self->loaded_ = std::move(policy.value());
  spdlog::info("agreements {} ({} agreements)", self->loaded_->content_hash,
               self->loaded_->agreements);
  api::ApiOptions api_options = cfg.api;
  api_options.gateway_key_json = crypto::gateway_public_key_json(self->signer_->public_key());
  api_options.known_agency = [self](std::string_view agency) {
    std::lock_guard lock(self->agencies_mutex_);
    return self->agencies_ && self->agencies_->contains(agency);
  };
  api_options.signers = [self] {
    std::lock_guard lock(self->agencies_mutex_);
    return self->signers_;
  };
  api_options.storage_unavailable = [self] {
    return self->storage_health_->unavailable(self->clock_());
  };
  self->api_ = std::make_unique<api::ApiHandler>(*self->pipeline_, *self->waking_spool_,
                                                 self->metrics_, self->clock_, api_options);
  const auto refused = certificate_refusal_recorder(
      self->clock_, [self](std::vector<audit::Event> events) { self->record(std::move(events)); });
  server::ServerOptions agency_options = cfg.server;
  agency_options.on_certificate_refused = refused;
  agency_options.large_body_routes = {{"/v1/messages:batch", cfg.max_batch_body_bytes,
                                       "batch_too_large", "limits.max_batch_body_bytes"}};
  if (cfg.log_access) agency_options.on_access = access_log("agency");
  self->server_ = server::make_http_server(self->io_, agency_options, *self->api_, self->metrics_);
  if (cfg.admin_enabled) {
    self->admin_ = std::make_unique<api::AdminHandler>(self->admin_hooks(), self->metrics_);
    server::ServerOptions admin_options = cfg.server;
    admin_options.on_certificate_refused = refused;
    admin_options.address = cfg.admin_address;
    admin_options.port = cfg.admin_port;
    admin_options.on_access = cfg.log_access ? access_log("admin") : nullptr;
    self->admin_server_ =
        server::make_http_server(self->io_, admin_options, *self->admin_, self->metrics_);
  }
  if (cfg.health_enabled) {
    server::HealthOptions health;
    health.address = cfg.health_address;
    health.port = cfg.health_port;
    // The same verdict as /healthz: not ready while the spool answers storage_unavailable.
    health.unavailable = [self] { return self->storage_health_->unavailable(self->clock_()); };
    if (cfg.log_access) health.on_access = access_log("health");
    self->health_server_ = server::make_health_server(self->io_, std::move(health));
  }
  if (auto s = self->build_adapters(std::move(registry)); !s.ok()) return s.error();
  if (self->compliance_rules_) {
    // Feed summaries go through the same submitter as the inbound adapters' envelopes.
    self->compliance_ = std::make_unique<ComplianceTracker>(cfg.compliance, audit_location(cfg),
                                                            self->compliance_rules_, self->clock_,
                                                            *self->submitter_);
    self->metrics_.add_collector([self] { return self->compliance_->metric_families(); });
  }
  // Computed at each scrape: seconds until each active agreement's valid_until and
  // review_by, the delivery workers' counters, the ports' counters.
  self->metrics_.add_collector([self] {
    std::vector<AgreementDates> dates;
    {
      std::lock_guard lock(self->reload_mutex_);
      if (self->loaded_) dates = self->loaded_->dates;
    }
    return agreement_families(dates, self->clock_(), self->config_.agreement_notice_days);
  });
  self->metrics_.add_collector([self] { return delivery_families(self->delivery_->stats()); });
  self->metrics_.add_collector([self] { return flow_families(self->flow_counters_->snapshot()); });
  self->metrics_.add_collector([self] {
    return retention_families(self->retention_purged_total_.load(),
                              self->extracts_deleted_total_.load());
  });
  self->metrics_.add_collector([self] {
    const bool ready = !self->storage_health_->unavailable(self->clock_()).has_value();
    return storage_families(backend_name(self->config_.storage_backend), ready,
                            self->storage_health_->unavailable_answers());
  });
  self->metrics_.add_collector([self] {
    std::vector<adapters::PortMetric> values;
    for (const auto& port : self->ports_) {
      auto more = port->metrics();
      values.insert(values.end(), more.begin(), more.end());
    }
    return port_families(values);
  });
  return gateway;
}

void Gateway::offload(std::function<void()> work) {
  boost::asio::post(*admin_pool_, std::move(work));
}

void Gateway::record(std::vector<audit::Event> events) {
  health_spool_->record(std::move(events), [](Status s) {
    if (!s.ok()) spdlog::error("audit record not written: {}", s.error().message);
  });
}

Status Gateway::build_adapters(adapters::Registry registry, bool check_only) {
  const auto& cfg = config_;
  // Counted like the HTTP API's submissions (accord_messages_*_total). --check has set a
  // refusing submitter already.
  if (!submitter_) {
    submitter_ = std::make_unique<PipelineSubmitter>(
        *pipeline_, clock_, [api = api_.get()](const pipeline::SubmitOutcome& outcome) {
          api->count_submission(outcome);
        });
  }
  // Ports first: making one registers the adapter types of the agencies it serves.
  const auto ports = registry.ports();
  for (const auto& [name, make_port] : ports) {
    adapters::PortContext context{cfg.base_dir, cfg.source, &io_, submitter_.get(),
                                  clock_,       check_only, &env_};
    auto port = make_port(context, registry);
    if (!port.ok()) return port.error();
    if (port.value()) ports_.push_back(std::move(port.value()));
  }
  if (!cfg.adapters || cfg.adapters.IsNull()) return Status::Ok();
  for (const auto& entry : cfg.adapters) {
    const auto agency = entry.first.as<std::string>();
    adapters::AdapterContext context;
    context.agency = agency;
    context.base_dir = cfg.base_dir;
    context.io = &io_;
    context.submitter = submitter_.get();
    context.tls = {cfg.server.tls.ca, cfg.server.tls.cert, cfg.server.tls.key};
    context.now_ms = clock_;
    context.env = &env_;
    auto located = [&](Error e) {
      e.message = "adapter for " + agency + ": " + e.message;
      e.path = cfg.source + ":" + e.path;
      return e;
    };
    if (const auto out = entry.second["outbound"]) {
      context.settings = out;
      auto adapter = registry.make_outbound(out["type"].as<std::string>(), context);
      if (!adapter.ok()) return located(adapter.error());
      // --check: built to validate its settings; no spool, so nothing delivers.
      if (!check_only) delivery_->add(agency, std::move(adapter.value()));
      outbound_types_[agency] = out["type"].as<std::string>();
    }
    if (const auto in = entry.second["inbound"]) {
      for (const auto& item : in) {
        context.settings = static_cast<const YAML::Node&>(item);
        auto adapter = registry.make_inbound(item["type"].as<std::string>(), context);
        if (!adapter.ok()) return located(adapter.error());
        inbound_.push_back(std::move(adapter.value()));
      }
    }
  }
  return Status::Ok();
}

void Gateway::record_start() {
  const std::int64_t at = clock_();
  audit::Event started;
  started.kind = audit::kind::kGatewayStarted;
  started.at_ms = at;
  started.details = {{"signing_kid", signer_->public_key().kid}, {"config", config_.source}};
  audit::Event loaded;
  loaded.kind = audit::kind::kAgreementsLoaded;
  loaded.at_ms = at;
  std::vector<std::pair<std::string, std::string>> keys;
  std::lock_guard lock(reload_mutex_);
  loaded.details = {{"new_hash", loaded_->content_hash},
                    {"agreements", std::to_string(loaded_->agreements)}};
  keys = loaded_->keys;
  // The lifecycle's records come before the load they describe.
  std::vector<audit::Event> events{std::move(started)};
  for (auto& record : governance_records(*loaded_, at)) events.push_back(std::move(record));
  events.push_back(std::move(loaded));
  for (const auto& [agency, kid] : keys) {
    audit::Event key;
    key.kind = audit::kind::kKeyRegistered;
    key.at_ms = at;
    key.details = {{"agency", agency}, {"kid", kid}};
    events.push_back(std::move(key));
  }
  // Durable before the gateway serves what they allow.
  if (auto written = record_and_wait(std::move(events)); !written.ok()) {
    spdlog::error("start records not written: {}", written.error().message);
  }
  for (const auto& line : loaded_->governance.held) spdlog::warn("agreement held: {}", line);
}

Status Gateway::start() {
  // Recorded here rather than in create(): `accord-gateway --check` builds a gateway too.
  record_start();
  if (auto status = server_->start(); !status.ok()) return status;
  if (admin_server_) {
    if (auto status = admin_server_->start(); !status.ok()) return status;
  }
  if (health_server_) {
    if (auto status = health_server_->start(); !status.ok()) return status;
  }
  work_.emplace(io_.get_executor());
  for (int i = 0; i < config_.threads; ++i) {
    threads_.emplace_back([this] {
      // A handler that throws is a bug; log it and keep the thread serving.
      for (;;) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          spdlog::critical("unexpected exception on an io thread: {}", e.what());
        }
      }
    });
  }
  for (auto& port : ports_) {
    if (auto status = port->start(); !status.ok()) return status;
  }
  for (auto& adapter : inbound_) {
    if (auto status = adapter->start(); !status.ok()) return status;
  }
  delivery_->start();
  if (compliance_) {
    compliance_timer_.emplace(io_);
    schedule_compliance_refresh(std::chrono::milliseconds(0));  // the first fold at once
  }
  {
    std::lock_guard lock(purge_timer_mutex_);
    purge_timer_.emplace(io_);
  }
  schedule_purge();
  {
    std::lock_guard lock(governance_timer_mutex_);
    governance_timer_.emplace(io_);
  }
  schedule_governance_check();
  {
    std::lock_guard lock(status_timer_mutex_);
    status_timer_.emplace(io_);
  }
  schedule_status_notices();
  return Status::Ok();
}

void Gateway::schedule_compliance_refresh(std::chrono::milliseconds delay) {
  compliance_timer_->expires_after(delay);
  compliance_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // The fold reads the database and the feed waits for the pipeline: never on an io thread.
    offload([this] {
      if (stopping_) return;
      (void)compliance_->refresh_now();  // failures are logged and counted there
      if (stopping_) return;
      boost::asio::post(io_, [this] {
        if (!stopping_) {
          schedule_compliance_refresh(std::chrono::seconds(config_.compliance.refresh_seconds));
        }
      });
    });
  });
}

Status Gateway::refresh_compliance() {
  if (!compliance_) {
    return make_error("compliance_unconfigured", "the configuration has no compliance: section");
  }
  return compliance_->refresh_now();
}

std::uint16_t Gateway::port() const {
  return server_ ? server_->port() : 0;
}
std::uint16_t Gateway::admin_port() const {
  return admin_server_ ? admin_server_->port() : 0;
}
std::uint16_t Gateway::health_port() const {
  return health_server_ ? health_server_->port() : 0;
}

void Gateway::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
  }
  stopping_ = true;
  {
    // Under the lock schedule_purge() re-arms with: no tick is armed after this.
    std::lock_guard lock(purge_timer_mutex_);
    if (purge_timer_) purge_timer_->cancel();
  }
  {
    std::lock_guard lock(governance_timer_mutex_);
    if (governance_timer_) governance_timer_->cancel();
  }
  {
    std::lock_guard lock(status_timer_mutex_);
    if (status_timer_) status_timer_->cancel();
  }
  // Not ready from the first moment of a stop: probes fail while the listeners drain.
  if (health_server_) health_server_->stop();
  // Inbound first: nothing new enters while the rest winds down.
  for (auto& adapter : inbound_) adapter->stop();
  if (server_ && !threads_.empty()) {
    for (auto* server : {server_.get(), admin_server_.get()}) {
      if (!server) continue;
      std::promise<void> drained;
      auto done = drained.get_future();
      boost::asio::post(io_, [&] { server->drain([&] { drained.set_value(); }); });
      done.wait();
    }
  }
  // The listeners are drained, so no reload or audit query is left to start; finish those
  // still running.
  if (admin_pool_) admin_pool_->join();
  // Delivery stops in the manager's order (stop leasing, let in-flight finish for a bounded
  // time, cancel the rest and hand their leases back, stop the adapters); only then the ports,
  // whose outbound adapters it has stopped already.
  if (delivery_) delivery_->stop();
  for (auto& port : ports_) port->stop();
  // Every answered request is durable already; flush whatever the writer still holds.
  if (spool_) spool_->shutdown();
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  std::lock_guard lock(stop_mutex_);
  stopped_ = true;
}

}  // namespace accord::app
