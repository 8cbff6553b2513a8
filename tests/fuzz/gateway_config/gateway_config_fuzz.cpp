// libFuzzer target for the gateway configuration and the adapters' settings: any bytes must
// be accepted or refused with invalid_config, a message and a "file:line:col" path (never a
// crash, an exception or a file touched: parsing reads nothing from disk); every adapter
// setting of an accepted file must be accepted or refused the same way by its factory's
// parser.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accord/adapters/filedrop.hpp"
#include "accord/adapters/smtp.hpp"
#include "accord/adapters/webhook.hpp"
#include "accord/adapters/zmq/options.hpp"
#include "accord/app/config.hpp"

namespace {

// The documented refusal of the config and of every adapter factory (docs/operations.md,
// docs/adapters.md): invalid_config with a message.
template <typename T>
void check(const accord::Result<T>& result) {
  if (result.ok()) return;
  if (result.error().code != "invalid_config" || result.error().message.empty()) std::abort();
}

void check_adapter(const YAML::Node& settings, const std::string& base_dir, bool inbound) {
  // A missing key gives an invalid node, which throws when asked its type: test it first.
  const YAML::Node type = settings["type"];
  if (!type || !type.IsScalar()) return;
  const std::string& name = type.Scalar();
  if (name == "webhook" && !inbound) {
    check(accord::adapters::parse_webhook_settings(settings, base_dir, {}));
  } else if (name == "smtp" && !inbound) {
    check(
        accord::adapters::parse_smtp_settings(settings, base_dir, {"/nonexistent/ca.pem", "", ""}));
  } else if (name == "filedrop") {
    if (inbound) {
      check(accord::adapters::parse_filedrop_inbound_settings(settings, base_dir));
    } else {
      check(accord::adapters::parse_filedrop_outbound_settings(settings, base_dir));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string base_dir = "/nonexistent/accord-fuzz";
  const auto config = accord::app::parse_config(text, base_dir, "gateway.yaml");
  check(config);
  if (!config.ok()) {
    if (config.error().path.rfind("gateway.yaml", 0) != 0) std::abort();
    return 0;
  }
  const auto& adapters = config.value().adapters;
  if (adapters.IsMap()) {
    for (const auto& agency : adapters) {
      const YAML::Node& sides = agency.second;
      if (!sides.IsMap()) continue;
      if (const YAML::Node outbound = sides["outbound"]; outbound && outbound.IsMap()) {
        check_adapter(outbound, base_dir, false);
      }
      if (const YAML::Node inbound = sides["inbound"]; inbound && inbound.IsSequence()) {
        for (const YAML::Node& item : inbound) {
          if (item.IsMap()) check_adapter(item, base_dir, true);
        }
      }
    }
  }
  if (config.value().zmq && !config.value().zmq.IsNull()) {
    check(accord::adapters::parse_zmq_port(config.value().zmq, base_dir));
  }
  return 0;
}
