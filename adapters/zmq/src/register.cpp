#include <string>

#include "accord/adapters/zmq/port.hpp"

namespace accord::adapters {
namespace {

Error error_at(const YAML::Node& node, const std::string& message) {
  const auto mark = node.Mark();
  return make_error("invalid_config", message,
                    std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1));
}

}  // namespace

Status register_zmq(Registry& registry, ZmqPort& port) {
  return registry.add_outbound(
      "zmq", [&port](const AdapterContext& context) -> Result<std::unique_ptr<OutboundAdapter>> {
        const YAML::Node& settings = context.settings;
        if (!settings.IsMap())
          return error_at(settings, "a zmq adapter's settings must be a mapping");
        for (const auto& entry : settings) {
          const auto key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
          // The peer, its key and its limits live under the top-level `zmq:` section, so that
          // one key pair is bound to one agency in one place.
          if (key != "type") {
            return error_at(entry.first, "unknown key '" + key +
                                             "' in a zmq adapter (only `type`; keys and limits "
                                             "are set under zmq:)");
          }
        }
        if (!port.serves(context.agency)) {
          return error_at(
              settings, "agency " + context.agency + " has type zmq but no key under zmq.adapters");
        }
        return port.outbound_for(context.agency);
      });
}

}  // namespace accord::adapters
