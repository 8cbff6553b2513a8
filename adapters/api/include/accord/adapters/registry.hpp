// A named-factory registry (Envoy style): main() registers the built-in adapters
// explicitly, the gateway creates the ones the config names. No static-initialiser magic:
// what is registered is what main() says.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/core/result.hpp"

namespace accord::adapters {

using OutboundFactory =
    std::function<Result<std::unique_ptr<OutboundAdapter>>(const AdapterContext&)>;
using InboundFactory =
    std::function<Result<std::unique_ptr<InboundAdapter>>(const AdapterContext&)>;

class Registry {
 public:
  // A second registration under the same name is a programming error: returns an Error.
  Status add_outbound(const std::string& type, OutboundFactory factory);
  Status add_inbound(const std::string& type, InboundFactory factory);

  // Errors: unknown_adapter (names the registered types), or the factory's own error.
  Result<std::unique_ptr<OutboundAdapter>> make_outbound(const std::string& type,
                                                         const AdapterContext& context) const;
  Result<std::unique_ptr<InboundAdapter>> make_inbound(const std::string& type,
                                                       const AdapterContext& context) const;

  std::vector<std::string> outbound_types() const;
  std::vector<std::string> inbound_types() const;

 private:
  std::map<std::string, OutboundFactory> outbound_;
  std::map<std::string, InboundFactory> inbound_;
};

}  // namespace accord::adapters
