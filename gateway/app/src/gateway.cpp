#include "accord/app/gateway.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <filesystem>
#include <future>

#include "accord/spool/sqlite_spool.hpp"

namespace accord::app {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Gateway::Gateway(GatewayConfig config) : config_(std::move(config)), io_(config_.threads) {}

Gateway::~Gateway() {
  stop();
}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayConfig config) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config)));
  const auto& cfg = gateway->config_;

  auto vocabulary = parse_file(cfg.vocabulary_path, &envelope::Vocabulary::parse);
  if (!vocabulary.ok()) return vocabulary.error();
  gateway->vocabulary_ = std::move(vocabulary.value());

  auto policy = load_policy(cfg, gateway->vocabulary_, now_ms());
  if (!policy.ok()) return policy.error();
  auto signer = crypto::GatewaySigner::load_or_create(cfg.signing_key_path, now_ms());
  if (!signer.ok()) {
    Error error = signer.error();
    error.message = "gateway signing key: " + error.message;
    return error;
  }
  gateway->signer_.emplace(std::move(signer.value()));
  spdlog::info("gateway signing key {} ({})", gateway->signer_->public_key().kid,
               cfg.signing_key_path);

  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(cfg.storage.path).parent_path(), ec);
  if (ec) {
    return make_error(
        "io", "cannot create the data directory for " + cfg.storage.path + ": " + ec.message(),
        cfg.storage.path);
  }
  auto spool = spool::open_sqlite_spool(cfg.storage);
  if (!spool.ok()) return spool.error();
  gateway->spool_ = std::move(spool.value());

  gateway->pipeline_ = std::make_unique<pipeline::Pipeline>(gateway->vocabulary_, cfg.decode,
                                                            *gateway->spool_, *gateway->signer_);
  gateway->pipeline_->set_policy(policy.value()->policy);
  gateway->loaded_ = std::move(policy.value());
  spdlog::info("agreements {} ({} agreements)", gateway->loaded_->content_hash,
               gateway->loaded_->agreements);
  api::ApiOptions api_options = cfg.api;
  api_options.gateway_key_json = crypto::gateway_public_key_json(gateway->signer_->public_key());
  gateway->api_ = std::make_unique<api::ApiHandler>(*gateway->pipeline_, *gateway->spool_,
                                                    gateway->metrics_, &now_ms, api_options);
  gateway->server_ =
      server::make_http_server(gateway->io_, cfg.server, *gateway->api_, gateway->metrics_);
  if (cfg.admin_enabled) {
    Gateway* self = gateway.get();
    api::AdminHooks hooks;
    hooks.reload = [self] { return self->reload_policy(); };
    hooks.describe_agreements = [self] {
      std::lock_guard lock(self->reload_mutex_);
      return self->loaded_->description;
    };
    gateway->admin_ = std::make_unique<api::AdminHandler>(std::move(hooks), gateway->metrics_);
    server::ServerOptions admin_options = cfg.server;
    admin_options.address = cfg.admin_address;
    admin_options.port = cfg.admin_port;
    gateway->admin_server_ =
        server::make_http_server(gateway->io_, admin_options, *gateway->admin_, gateway->metrics_);
  }
  return gateway;
}

Status Gateway::start() {
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
  auto loaded = load_policy(config_, vocabulary_, now_ms());
  if (!loaded.ok()) {
    spdlog::error("agreement reload refused, still serving {}: {}", loaded_->content_hash,
                  loaded.error().message);
    return loaded.error();
  }
  api::ReloadReport report{loaded_->content_hash, loaded.value()->content_hash,
                           loaded.value()->agreements};
  pipeline_->set_policy(loaded.value()->policy);
  loaded_ = std::move(loaded.value());
  spdlog::info("agreements reloaded: {} -> {} ({} agreements{})", report.old_hash, report.new_hash,
               report.agreements, report.changed() ? "" : ", unchanged");
  return report;
}

void Gateway::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
  }
  if (server_ && !threads_.empty()) {
    for (auto* server : {server_.get(), admin_server_.get()}) {
      if (!server) continue;
      std::promise<void> drained;
      auto done = drained.get_future();
      boost::asio::post(io_, [&] { server->drain([&] { drained.set_value(); }); });
      done.wait();
    }
  }
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
