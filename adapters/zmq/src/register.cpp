#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>

#include "accord/adapters/zmq/port.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

// An agency's `{type: zmq}` settings: no other keys, and a key bound to it under zmq.adapters.
Status check_settings(const AdapterContext& context,
                      const std::function<bool(const std::string&)>& serves) {
  const YAML::Node& settings = context.settings;
  // The peer, its key and its limits live under the top-level `zmq:` section, so that
  // one key pair is bound to one agency in one place.
  const yaml::Handlers handlers = {{"type", [](const YAML::Node&) { return Status::Ok(); }}};
  if (auto status = yaml::read_mapping(
          settings, "a zmq adapter (keys and limits are set under zmq:)", handlers);
      !status.ok()) {
    return status;
  }
  if (!serves(context.agency)) {
    return yaml::error_at(
        settings, "agency " + context.agency + " has type zmq but no key under zmq.adapters");
  }
  return Status::Ok();
}

// accord-gateway --check before the port's first start: the settings are valid, but the
// port is not made (it would create its secret key), so nothing here ever delivers.
class UncheckedOutbound final : public OutboundAdapter {
 public:
  std::string_view kind() const override { return "zmq"; }
  void deliver(OutboundMessage, Done done) override {
    done({DeliveryStatus::retry_later, "the ZeroMQ port is not running"});
  }
};

// The port as the gateway runs it: its counters become accord_zmq_* on /metrics.
class RunningPort final : public Port {
 public:
  explicit RunningPort(std::unique_ptr<ZmqPort> port) : port_(std::move(port)) {}
  Status start() override {
    auto status = port_->start();
    if (status.ok()) {
      spdlog::info("adapter port {} (ZeroMQ CURVE, server key {})", port_->endpoint(),
                   port_->public_key());
    }
    return status;
  }
  void stop() override { port_->stop(); }
  std::vector<PortMetric> metrics() const override { return zmq_port_metrics(port_->stats()); }

 private:
  std::unique_ptr<ZmqPort> port_;
};

}  // namespace

std::vector<PortMetric> zmq_port_metrics(const ZmqPortStats& s) {
  auto counter = [](std::string name, std::string help, std::uint64_t value) {
    return PortMetric{std::move(name), std::move(help), false, static_cast<double>(value)};
  };
  return {
      counter("accord_zmq_handshakes_refused_total",
              "CURVE handshakes refused by the ZAP handler (unknown key, not CURVE)",
              s.handshakes_refused),
      counter("accord_zmq_hellos_refused_total",
              "HELLOs answered REFUSE (agency mismatch, bad capabilities)", s.hellos_refused),
      counter("accord_zmq_malformed_total", "Frames the protocol does not allow (ERROR sent)",
              s.malformed),
      counter("accord_zmq_submits_total", "SUBMITs handed to the pipeline", s.submits),
      counter("accord_zmq_submits_overloaded_total",
              "SUBMITs refused overloaded (max_submit_in_flight per connection)",
              s.submits_overloaded),
      counter("accord_zmq_delivers_total", "DELIVERs sent to adapters", s.delivers),
      counter("accord_zmq_acks_total", "ACKs received", s.acks),
      counter("accord_zmq_nacks_total", "NACKs received", s.nacks),
      counter("accord_zmq_ack_timeouts_total", "DELIVERs unanswered within ack_timeout_ms",
              s.ack_timeouts),
      counter("accord_zmq_peers_expired_total", "Peers dropped after missed heartbeats",
              s.peers_expired),
      counter("accord_zmq_peers_replaced_total",
              "Peers replaced by a newer connection of the same agency", s.peers_replaced),
      PortMetric{"accord_zmq_peers_connected", "Adapters connected and welcomed now", true,
                 static_cast<double>(s.peers_connected)},
  };
}

Status register_zmq(Registry& registry, ZmqPort& port) {
  return registry.add_outbound(
      "zmq", [&port](const AdapterContext& context) -> Result<std::unique_ptr<OutboundAdapter>> {
        auto serves = [&port](const std::string& agency) { return port.serves(agency); };
        if (auto s = check_settings(context, serves); !s.ok()) return s.error();
        return port.outbound_for(context.agency);
      });
}

Status register_zmq_port(Registry& registry, YAML::Node section) {
  return registry.add_port(
      "zmq",
      [section](const PortContext& context, Registry& adapters) -> Result<std::unique_ptr<Port>> {
        auto options = parse_zmq_port(section, context.base_dir);
        if (!options.ok()) {
          Error e = options.error();
          e.path = context.source + ":" + e.path;
          return e;
        }
        std::error_code ec;
        if (context.check_only && !std::filesystem::exists(options->secret_key_path, ec)) {
          // The port would create its secret key on a first start; the settings are valid.
          auto bindings = options->adapters;
          auto serves = [bindings](const std::string& agency) {
            return std::any_of(bindings.begin(), bindings.end(),
                               [&](const auto& b) { return b.agency == agency; });
          };
          auto added = adapters.add_outbound(
              "zmq",
              [serves](const AdapterContext& ctx) -> Result<std::unique_ptr<OutboundAdapter>> {
                if (auto s = check_settings(ctx, serves); !s.ok()) return s.error();
                return std::unique_ptr<OutboundAdapter>(std::make_unique<UncheckedOutbound>());
              });
          if (!added.ok()) return added.error();
          return std::unique_ptr<Port>();
        }
        auto port = ZmqPort::create(std::move(options.value()), *context.io, context.submitter,
                                    context.now_ms, context.env ? *context.env : env::system_env());
        if (!port.ok()) return port.error();
        if (auto s = register_zmq(adapters, *port.value()); !s.ok()) return s.error();
        return std::unique_ptr<Port>(std::make_unique<RunningPort>(std::move(port.value())));
      });
}

}  // namespace accord::adapters
