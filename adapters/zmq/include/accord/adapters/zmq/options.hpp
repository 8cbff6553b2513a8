// Configuration of the ZeroMQ adapter port (docs/adapter-protocol.md, "Configuration").
// Parsed strictly from the `zmq:` mapping of the gateway config: unknown keys, wrong types,
// duplicate agencies or keys, and malformed Z85 keys are errors with Error::path "line:col"
// (code invalid_config). Relative paths resolve against `base_dir`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::adapters {

// One external adapter: ONE CURVE key pair, bound to ONE agency. The key is the adapter's
// identity, as an agency's certificate is on the HTTPS side.
struct ZmqAdapterBinding {
  std::string agency;
  std::string public_key;  // Z85, 40 characters
};

struct ZmqPortOptions {
  std::string endpoint = "tcp://127.0.0.1:5600";  // "tcp://host:*" binds an ephemeral port
  std::string secret_key_path;                    // the gateway's CURVE secret key (Z85)
  std::int64_t heartbeat_ms = 5000;               // peer gone after 3 silent intervals
  std::int64_t ack_timeout_ms = 30000;            // DELIVER without ACK/NACK: retry_later
  std::size_t max_in_flight = 64;                 // per agency: DELIVERs awaiting ACK
  std::size_t max_submit_in_flight = 256;         // per connection: SUBMITs awaiting reply
  std::size_t max_frame_bytes = 1024 * 1024;      // larger frames drop the connection
  std::vector<ZmqAdapterBinding> adapters;
};

// `node` is the value of the `zmq:` key (a mapping).
Result<ZmqPortOptions> parse_zmq_port(const YAML::Node& node, const std::string& base_dir);

}  // namespace accord::adapters
