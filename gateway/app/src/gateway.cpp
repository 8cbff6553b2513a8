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

  auto vocabulary_text = read_file(cfg.vocabulary_path);
  if (!vocabulary_text.ok()) return vocabulary_text.error();
  auto vocabulary = envelope::Vocabulary::parse(vocabulary_text.value());
  if (!vocabulary.ok()) {
    Error error = vocabulary.error();
    error.path = cfg.vocabulary_path + ":" + error.path;
    return error;
  }
  gateway->vocabulary_ = std::move(vocabulary.value());

  auto policy = load_policy(cfg, gateway->vocabulary_, now_ms());
  if (!policy.ok()) return policy.error();

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

  gateway->pipeline_ =
      std::make_unique<pipeline::Pipeline>(gateway->vocabulary_, cfg.decode, *gateway->spool_);
  gateway->pipeline_->set_policy(std::move(policy.value()));
  gateway->api_ = std::make_unique<api::ApiHandler>(*gateway->pipeline_, *gateway->spool_,
                                                    gateway->metrics_, &now_ms, cfg.api);
  gateway->server_ =
      server::make_http_server(gateway->io_, cfg.server, *gateway->api_, gateway->metrics_);
  return gateway;
}

Status Gateway::start() {
  if (auto status = server_->start(); !status.ok()) return status;
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

Status Gateway::reload_policy() {
  auto policy = load_policy(config_, vocabulary_, now_ms());
  if (!policy.ok()) return policy.error();
  pipeline_->set_policy(std::move(policy.value()));
  return Status::Ok();
}

void Gateway::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
  }
  if (server_ && !threads_.empty()) {
    std::promise<void> drained;
    auto done = drained.get_future();
    boost::asio::post(io_, [&] { server_->drain([&] { drained.set_value(); }); });
    done.wait();
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
