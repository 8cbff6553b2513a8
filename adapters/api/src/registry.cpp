#include "accord/adapters/registry.hpp"

namespace accord::adapters {
namespace {

template <typename Map>
std::vector<std::string> names(const Map& map) {
  std::vector<std::string> out;
  out.reserve(map.size());
  for (const auto& [name, factory] : map) out.push_back(name);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out.empty() ? "(none)" : out;
}

template <typename Map, typename Factory>
Status add(Map& map, const std::string& type, Factory factory, const char* direction) {
  if (type.empty() || !factory) {
    return make_error("invalid_argument",
                      std::string(direction) + " adapter: empty type or factory");
  }
  if (!map.emplace(type, std::move(factory)).second) {
    return make_error("invalid_argument",
                      std::string(direction) + " adapter '" + type + "' is registered twice");
  }
  return Status::Ok();
}

template <typename Map>
auto make(const Map& map, const std::string& type, const AdapterContext& context,
          const char* direction) -> decltype(map.begin()->second(context)) {
  const auto it = map.find(type);
  if (it == map.end()) {
    return make_error("unknown_adapter", "agency " + context.agency + ": no " + direction +
                                             " adapter of type '" + type +
                                             "'; known: " + joined(names(map)));
  }
  return it->second(context);
}

}  // namespace

Status Registry::add_outbound(const std::string& type, OutboundFactory factory) {
  return add(outbound_, type, std::move(factory), "outbound");
}

Status Registry::add_inbound(const std::string& type, InboundFactory factory) {
  return add(inbound_, type, std::move(factory), "inbound");
}

Status Registry::add_port(const std::string& name, PortFactory factory) {
  return add(ports_, name, std::move(factory), "port");
}

Result<std::unique_ptr<OutboundAdapter>> Registry::make_outbound(
    const std::string& type, const AdapterContext& context) const {
  return make(outbound_, type, context, "outbound");
}

Result<std::unique_ptr<InboundAdapter>> Registry::make_inbound(
    const std::string& type, const AdapterContext& context) const {
  return make(inbound_, type, context, "inbound");
}

std::vector<std::string> Registry::outbound_types() const {
  return names(outbound_);
}

std::vector<std::string> Registry::inbound_types() const {
  return names(inbound_);
}

}  // namespace accord::adapters
