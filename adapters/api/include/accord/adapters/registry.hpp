// A named-factory registry (Envoy style): main() registers the built-in adapters
// explicitly, the gateway creates the ones the config names. No static-initialiser magic:
// what is registered is what main() says.
#pragma once

#include <cstdint>
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

class Registry;

// One value for /metrics, named like the gateway's own (accord_<port>_..., counters end in
// _total).
struct PortMetric {
  std::string name;
  std::string help;
  bool gauge = false;  // else a counter
  double value = 0;
};

// A shared endpoint that several agencies' adapters go through (the ZeroMQ port). The
// gateway makes each registered port once, before it builds the agencies' adapters, starts
// it after its listeners and stops it after delivery has stopped.
class Port {
 public:
  virtual ~Port() = default;
  virtual Status start() = 0;
  virtual void stop() = 0;  // idempotent
  virtual std::vector<PortMetric> metrics() const { return {}; }
};

struct PortContext {
  std::string base_dir;  // relative paths in its settings resolve against it
  std::string source;    // the configuration file, to locate errors ("<source>:line:col")
  boost::asio::io_context* io = nullptr;
  Submitter* submitter = nullptr;
  std::function<std::int64_t()> now_ms;
  // accord-gateway --check: validate, create nothing (no key file, no socket).
  bool check_only = false;
  env::Env* env = nullptr;  // clocks, files and randomness; nullptr: system_env()
};

// Makes the port and registers on `registry` the adapter types the agencies it serves name.
// May return nullptr (nothing to start, e.g. under check_only).
using PortFactory =
    std::function<Result<std::unique_ptr<Port>>(const PortContext&, Registry& registry)>;

class Registry {
 public:
  // A second registration under the same name is a programming error: returns an Error.
  Status add_outbound(const std::string& type, OutboundFactory factory);
  Status add_inbound(const std::string& type, InboundFactory factory);
  // main() adds a port only when the configuration has one (its section is the factory's).
  Status add_port(const std::string& name, PortFactory factory);
  const std::map<std::string, PortFactory>& ports() const { return ports_; }

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
  std::map<std::string, PortFactory> ports_;
};

}  // namespace accord::adapters
