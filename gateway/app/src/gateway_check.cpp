// accord-gateway --check: the gateway built as create() builds it, without side effects.
#include <filesystem>

#include "accord/app/gateway.hpp"
#include "accord/core/error_codes.hpp"
#include "gateway_spool.hpp"

namespace accord::app {

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

Status Gateway::check(GatewayConfig config, adapters::Registry registry) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config)));
  const auto& cfg = gateway->config_;
  auto policy = gateway->load_inputs(/*check_only=*/true);
  if (!policy.ok()) return policy.error();
  // The listener's files: a start reads them only once the keys and the spool exist.
  if (auto s = server::check_tls_files(cfg.server.tls); !s.ok()) return s;
  std::error_code ec;
  std::string gateway_kid;  // "" while the key does not exist yet (a first start makes it)
  if (std::filesystem::exists(cfg.signing_key_path, ec)) {
    // Loads only: the file exists, so nothing is created.
    auto signer = crypto::GatewaySigner::load_or_create(cfg.signing_key_path, gateway->clock_(),
                                                        gateway->env_);
    if (!signer.ok()) {
      Error error = signer.error();
      error.message = "gateway signing key: " + error.message;
      return error;
    }
    gateway_kid = signer->public_key().kid;
  }
  if (auto s = check_gateway_spool(cfg, gateway_kid); !s.ok()) return s;
  gateway->submitter_ = std::make_unique<RefusingSubmitter>();
  if (auto s = gateway->build_adapters(std::move(registry), /*check_only=*/true); !s.ok()) {
    return s;
  }
  for (const auto& adapter : gateway->inbound_) {
    if (auto s = adapter->check(); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace accord::app
