#include <string>

#include "accord/adapters/zmq/port.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
Status register_zmq(Registry& registry, ZmqPort& port) {
  return registry.add_outbound(
      "zmq", [&port](const AdapterContext& context) -> Result<std::unique_ptr<OutboundAdapter>> {
        const YAML::Node& settings = context.settings;
        // The peer, its key and its limits live under the top-level `zmq:` section, so that
        // one key pair is bound to one agency in one place.
        const yaml::Handlers handlers = {{"type", [](const YAML::Node&) { return Status::Ok(); }}};
        if (auto status = yaml::read_mapping(
                settings, "a zmq adapter (keys and limits are set under zmq:)", handlers);
            !status.ok()) {
          return status.error();
        }
        if (!port.serves(context.agency)) {
          return yaml::error_at(
              settings, "agency " + context.agency + " has type zmq but no key under zmq.adapters");
        }
        return port.outbound_for(context.agency);
      });
}

}  // namespace accord::adapters
