#include "accord/app/gateway.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>

#include "accord/app/fd_limit.hpp"
#include "accord/core/error_codes.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "pipeline_submitter.hpp"

namespace accord::app {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Gateway::Gateway(GatewayConfig config)
    : config_(std::move(config)),
      clock_(config_.clock ? config_.clock : std::function<std::int64_t()>(&now_ms)),
      io_(config_.threads) {}

Gateway::~Gateway() {
  stop();
}

bool Gateway::first_start(const GatewayConfig& config) {
  std::error_code ec;
  return !std::filesystem::exists(config.storage.path, ec) &&
         !std::filesystem::exists(spool::spool_manifest_path(config.storage.path), ec);
}

namespace {

// Stands in for the pipeline while --check builds the adapters: nothing is submitted then.
class RefusingSubmitter final : public adapters::Submitter {
 public:
  void submit(const std::string&, std::string, Done done) override {
    adapters::SubmitReply reply;
    reply.code = "shutting_down";
    reply.message = "accord-gateway --check submits nothing";
    reply.retryable = is_retryable(reply.code);
    done(std::move(reply));
  }
};

}  // namespace

Result<std::shared_ptr<const LoadedPolicy>> Gateway::load_inputs(bool check_only) {
  const auto& cfg = config_;
  // Before anything is opened: too few descriptors is a reason not to start at all.
  if (auto status = ensure_descriptor_limit(cfg); !status.ok()) return status.error();
  auto vocabulary = parse_file(cfg.vocabulary_path, &envelope::Vocabulary::parse);
  if (!vocabulary.ok()) return vocabulary.error();
  vocabulary_ = std::move(vocabulary.value());
  // The pseudonym secret is made only on a gateway's first start (no spool, no manifest): if
  // it goes missing later, a new one would silently change every recipient's pseudonyms.
  SecretMode mode = SecretMode::must_exist;
  if (first_start(cfg)) {
    mode = check_only ? SecretMode::ephemeral_if_missing : SecretMode::create_if_missing;
  }
  return load_policy(cfg, vocabulary_, clock_(), mode);
}

Status Gateway::check(GatewayConfig config, adapters::Registry registry) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config)));
  const auto& cfg = gateway->config_;
  auto policy = gateway->load_inputs(/*check_only=*/true);
  if (!policy.ok()) return policy.error();
  std::error_code ec;
  if (std::filesystem::exists(cfg.signing_key_path, ec)) {
    // Loads only: the file exists, so nothing is created.
    auto signer = crypto::GatewaySigner::load_or_create(cfg.signing_key_path, now_ms());
    if (!signer.ok()) {
      Error error = signer.error();
      error.message = "gateway signing key: " + error.message;
      return error;
    }
  }
  if (auto s = spool::check_sqlite_spool(cfg.storage); !s.ok()) return s;
  gateway->submitter_ = std::make_unique<RefusingSubmitter>();
  if (auto s = gateway->build_adapters(std::move(registry), /*check_only=*/true); !s.ok()) {
    return s;
  }
  for (const auto& adapter : gateway->inbound_) {
    if (auto s = adapter->check(); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayConfig config,
                                                 adapters::Registry registry) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config)));
  const auto& cfg = gateway->config_;
  auto policy = gateway->load_inputs(/*check_only=*/false);
  if (!policy.ok()) return policy.error();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(cfg.storage.path).parent_path(), ec);
  if (ec) {
    return make_error(
        "io", "cannot create the data directory for " + cfg.storage.path + ": " + ec.message(),
        cfg.storage.path);
  }
  auto signer = crypto::GatewaySigner::load_or_create(cfg.signing_key_path, gateway->clock_());
  if (!signer.ok()) {
    Error error = signer.error();
    error.message = "gateway signing key: " + error.message;
    return error;
  }
  gateway->signer_.emplace(std::move(signer.value()));
  spdlog::info("gateway signing key {} ({})", gateway->signer_->public_key().kid,
               cfg.signing_key_path);

  // The audit log lives in the spool's transactions; checkpoints are signed with the key that
  // signs every delivered copy, so one published key verifies both.
  spool::SqliteSpoolOptions storage = cfg.storage;
  const crypto::GatewaySigner* signer_ptr = &*gateway->signer_;
  storage.audit.sign = [signer_ptr](std::string_view bytes) { return signer_ptr->sign(bytes); };
  storage.audit.now_ms = gateway->clock_;
  auto spool = spool::open_sqlite_spool(storage);
  if (!spool.ok()) return spool.error();
  gateway->spool_ = std::move(spool.value());

  gateway->pipeline_ = std::make_unique<pipeline::Pipeline>(gateway->vocabulary_, cfg.decode,
                                                            *gateway->spool_, *gateway->signer_);
  gateway->pipeline_->set_policy(policy.value()->policy);
  gateway->agencies_ = policy.value()->agencies;
  gateway->loaded_ = std::move(policy.value());
  spdlog::info("agreements {} ({} agreements)", gateway->loaded_->content_hash,
               gateway->loaded_->agreements);
  api::ApiOptions api_options = cfg.api;
  api_options.gateway_key_json = crypto::gateway_public_key_json(gateway->signer_->public_key());
  Gateway* self = gateway.get();
  api_options.known_agency = [self](std::string_view agency) {
    std::lock_guard lock(self->agencies_mutex_);
    return self->agencies_ && self->agencies_->contains(agency);
  };
  gateway->api_ = std::make_unique<api::ApiHandler>(
      *gateway->pipeline_, *gateway->spool_, gateway->metrics_, gateway->clock_, api_options);
  server::ServerOptions agency_options = cfg.server;
  // At most kRefusalsPerSecond records a second: anyone can open TLS connections, and a flood
  // of bad certificates must not become a flood of durable writes. The excess is counted and
  // the count recorded with the next refusal that is let through.
  struct RefusalBudget {
    std::mutex mu;
    std::int64_t second = 0;
    int used = 0;
    std::int64_t suppressed = 0;
  };
  constexpr int kRefusalsPerSecond = 20;
  auto budget = std::make_shared<RefusalBudget>();
  auto refused = [self, budget](std::string_view reason, const std::string& remote,
                                const server::PresentedCertificate& presented) {
    audit::Event event;
    event.kind = audit::kind::kCertificateRefused;
    event.at_ms = self->clock_();
    event.code = std::string(reason);
    event.details = {{"remote", remote}, {"subject", presented.subject}};
    // URIs contain no spaces (RFC 3986), so one space-separated string is unambiguous.
    std::string uris;
    for (const auto& uri : presented.san_uris) uris += (uris.empty() ? "" : " ") + uri;
    if (!uris.empty()) event.details.emplace_back("san_uris", uris);
    {
      std::lock_guard lock(budget->mu);
      if (budget->second != event.at_ms / 1000) {
        budget->second = event.at_ms / 1000;
        budget->used = 0;
      }
      if (++budget->used > kRefusalsPerSecond) {
        ++budget->suppressed;
        return;
      }
      if (budget->suppressed > 0) {
        event.details.emplace_back("suppressed_before", std::to_string(budget->suppressed));
        budget->suppressed = 0;
      }
    }
    self->record({std::move(event)});
  };
  agency_options.on_certificate_refused = refused;
  gateway->server_ =
      server::make_http_server(gateway->io_, agency_options, *gateway->api_, gateway->metrics_);
  if (cfg.admin_enabled) {
    api::AdminHooks hooks;
    hooks.audit_db_path = cfg.storage.path;
    hooks.audit_checkpoint = [self](std::function<void(Status)> done) {
      self->spool_->checkpoint(self->clock_(), std::move(done));
    };
    hooks.list_dead_letters = [self](std::string recipient, std::size_t limit, auto done) {
      self->spool_->list_dead_letters(std::move(recipient), limit, std::move(done));
    };
    hooks.redrive = [self](spool::RedriveRequest request, auto done) {
      request.now_ms = self->clock_();
      self->spool_->redrive(std::move(request), std::move(done));
    };
    hooks.reload = [self] { return self->reload(); };
    hooks.record_audit = [self](std::vector<audit::Event> events,
                                std::function<void(Status)> done) {
      self->spool_->record(std::move(events), std::move(done));
    };
    hooks.now_ms = [self] { return self->clock_(); };
    gateway->admin_pool_.emplace(2);
    hooks.offload = [pool = &*gateway->admin_pool_](std::function<void()> work) {
      boost::asio::post(*pool, std::move(work));
    };
    hooks.describe_agreements = [self] {
      std::lock_guard lock(self->reload_mutex_);
      return self->loaded_->description;
    };
    gateway->admin_ = std::make_unique<api::AdminHandler>(std::move(hooks), gateway->metrics_);
    server::ServerOptions admin_options = cfg.server;
    admin_options.on_certificate_refused = refused;
    admin_options.address = cfg.admin_address;
    admin_options.port = cfg.admin_port;
    gateway->admin_server_ =
        server::make_http_server(gateway->io_, admin_options, *gateway->admin_, gateway->metrics_);
  }
  // Seconds until each active agreement's valid_until and review_by, as of the scrape.
  gateway->metrics_.add_collector([self] { return self->agreement_gauges(); });
  if (auto s = gateway->build_adapters(std::move(registry)); !s.ok()) return s.error();
  return gateway;
}

std::vector<prometheus::MetricFamily> Gateway::agreement_gauges() {
  std::vector<AgreementDates> dates;
  {
    std::lock_guard lock(reload_mutex_);
    if (loaded_) dates = loaded_->dates;
  }
  const double now = static_cast<double>(clock_()) / 1000.0;
  prometheus::MetricFamily expiry{"accord_agreement_expiry_seconds",
                                  "Seconds until an active agreement's valid_until (negative "
                                  "once it has ended and no longer grants)",
                                  prometheus::MetricType::Gauge,
                                  {}};
  prometheus::MetricFamily review{"accord_agreement_review_seconds",
                                  "Seconds until an active agreement's review_by (negative "
                                  "once overdue)",
                                  prometheus::MetricType::Gauge,
                                  {}};
  for (const auto& d : dates) {
    prometheus::ClientMetric m;
    m.label = {{"agreement", d.agreement}};
    m.gauge.value = static_cast<double>(d.valid_until_s) - now;
    expiry.metric.push_back(m);
    m.gauge.value = static_cast<double>(d.review_by_s) - now;
    review.metric.push_back(std::move(m));
  }
  prometheus::MetricFamily notice{"accord_agreement_notice_seconds",
                                  "The configured advance notice (agreement_notice_days) in "
                                  "seconds: alert when a gauge above falls below it",
                                  prometheus::MetricType::Gauge,
                                  {}};
  prometheus::ClientMetric n;
  n.gauge.value = static_cast<double>(config_.agreement_notice_days) * 86400.0;
  notice.metric.push_back(std::move(n));
  return {std::move(expiry), std::move(review), std::move(notice)};
}

void Gateway::record(std::vector<audit::Event> events) {
  spool_->record(std::move(events), [](Status s) {
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
  bool skip_zmq_adapters = false;
  if (cfg.zmq && !cfg.zmq.IsNull()) {
    auto options = adapters::parse_zmq_port(cfg.zmq, cfg.base_dir);
    if (!options.ok()) {
      Error e = options.error();
      e.path = cfg.source + ":" + e.path;
      return e;
    }
    // --check: the port would create its secret key on a first start; the settings are valid.
    std::error_code ec;
    skip_zmq_adapters = check_only && !std::filesystem::exists(options->secret_key_path, ec);
  }
  if (cfg.zmq && !cfg.zmq.IsNull() && !skip_zmq_adapters) {
    auto options = adapters::parse_zmq_port(cfg.zmq, cfg.base_dir);
    if (!options.ok()) return options.error();
    auto port =
        adapters::ZmqPort::create(std::move(options.value()), io_, submitter_.get(), clock_);
    if (!port.ok()) return port.error();
    zmq_ = std::move(port.value());
    if (auto s = adapters::register_zmq(registry, *zmq_); !s.ok()) return s;
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
    auto located = [&](Error e) {
      e.message = "adapter for " + agency + ": " + e.message;
      e.path = cfg.source + ":" + e.path;
      return e;
    };
    if (const auto out = entry.second["outbound"];
        out && !(skip_zmq_adapters && out["type"].as<std::string>() == "zmq")) {
      context.settings = out;
      auto adapter = registry.make_outbound(out["type"].as<std::string>(), context);
      if (!adapter.ok()) return located(adapter.error());
      outbound_.emplace(agency, std::move(adapter.value()));
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
  if (check_only) return Status::Ok();  // no spool, no workers
  for (auto& [agency, adapter] : outbound_) {
    if (!adapter->pushes()) continue;
    workers_.push_back(
        delivery::DeliveryWorker::create(io_, *spool_, agency, *adapter, cfg.delivery, clock_));
    spdlog::info("delivery to {} by {} adapter", agency, adapter->kind());
  }
  return Status::Ok();
}

std::map<std::string, delivery::WorkerStats> Gateway::delivery_stats() const {
  std::map<std::string, delivery::WorkerStats> out;
  for (const auto& worker : workers_) out[worker->recipient()] = worker->stats();
  return out;
}

Status Gateway::start() {
  // Recorded here rather than in create(): `accord-gateway --check` builds a gateway too.
  {
    const std::int64_t at = clock_();
    audit::Event started;
    started.kind = audit::kind::kGatewayStarted;
    started.at_ms = at;
    started.details = {{"signing_kid", signer_->public_key().kid}, {"config", config_.source}};
    audit::Event loaded;
    loaded.kind = audit::kind::kAgreementsLoaded;
    loaded.at_ms = at;
    std::vector<std::pair<std::string, std::string>> keys;
    {
      std::lock_guard lock(reload_mutex_);
      loaded.details = {{"new_hash", loaded_->content_hash},
                        {"agreements", std::to_string(loaded_->agreements)}};
      keys = loaded_->keys;
    }
    std::vector<audit::Event> events{std::move(started), std::move(loaded)};
    for (const auto& [agency, kid] : keys) {
      audit::Event key;
      key.kind = audit::kind::kKeyRegistered;
      key.at_ms = at;
      key.details = {{"agency", agency}, {"kid", kid}};
      events.push_back(std::move(key));
    }
    record(std::move(events));
  }
  if (auto status = server_->start(); !status.ok()) return status;
  if (admin_server_) {
    if (auto status = admin_server_->start(); !status.ok()) return status;
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
  if (zmq_) {
    if (auto status = zmq_->start(); !status.ok()) return status;
    spdlog::info("adapter port {} (ZeroMQ CURVE, server key {})", zmq_->endpoint(),
                 zmq_->public_key());
  }
  for (auto& adapter : inbound_) {
    if (auto status = adapter->start(); !status.ok()) return status;
  }
  for (auto& worker : workers_) worker->start();
  return Status::Ok();
}

std::uint16_t Gateway::port() const {
  return server_ ? server_->port() : 0;
}
std::uint16_t Gateway::admin_port() const {
  return admin_server_ ? admin_server_->port() : 0;
}

Result<api::ReloadReport> Gateway::reload_policy() {
  std::lock_guard lock(reload_mutex_);
  auto loaded = load_policy(config_, vocabulary_, clock_());
  if (!loaded.ok()) {
    spdlog::error("agreement reload refused, still serving {}: {}", loaded_->content_hash,
                  loaded.error().message);
    return loaded.error();
  }
  api::ReloadReport report{loaded_->content_hash, loaded.value()->content_hash,
                           loaded.value()->agreements};
  {
    audit::Event event;
    event.kind = audit::kind::kAgreementsLoaded;
    event.at_ms = clock_();
    event.details = {{"old_hash", report.old_hash},
                     {"new_hash", report.new_hash},
                     {"agreements", std::to_string(report.agreements)}};
    std::vector<audit::Event> events{std::move(event)};
    for (const auto& key : loaded.value()->keys) {
      if (std::find(loaded_->keys.begin(), loaded_->keys.end(), key) != loaded_->keys.end())
        continue;
      audit::Event registered;
      registered.kind = audit::kind::kKeyRegistered;
      registered.at_ms = events.front().at_ms;
      registered.details = {{"agency", key.first}, {"kid", key.second}};
      events.push_back(std::move(registered));
    }
    record(std::move(events));
  }
  pipeline_->set_policy(loaded.value()->policy);
  {
    std::lock_guard agencies(agencies_mutex_);
    agencies_ = loaded.value()->agencies;
  }
  loaded_ = std::move(loaded.value());
  spdlog::info("agreements reloaded: {} -> {} ({} agreements{})", report.old_hash, report.new_hash,
               report.agreements, report.changed() ? "" : ", unchanged");
  return report;
}

Result<api::ReloadReport> Gateway::reload() {
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

void Gateway::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
  }
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
  // Workers stop leasing BEFORE the adapters stop: then the hand-overs a stopping adapter
  // cancels (retry_later), and leases that arrive late, are handed back unused
  // (delivery.returned: no attempt burned, no retry_scheduled). Each worker reports stopped
  // once its outcomes are recorded.
  if (!threads_.empty()) {
    std::vector<std::promise<void>> stopped(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      workers_[i]->stop([promise = &stopped[i]] { promise->set_value(); });
    }
    for (auto& [agency, adapter] : outbound_) adapter->stop();
    for (auto& promise : stopped) promise.get_future().wait();
  }
  if (zmq_) zmq_->stop();
  // Every answered request is durable already; flush whatever the writer still holds.
  if (spool_) spool_->shutdown();
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  {
    std::lock_guard lock(stop_mutex_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
}

void Gateway::wait() {
  std::unique_lock lock(stop_mutex_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

}  // namespace accord::app
