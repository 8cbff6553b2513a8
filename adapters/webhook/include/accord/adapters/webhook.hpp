// The webhook outbound adapter: each delivered copy is one HTTPS POST to the recipient's
// receiver, with mutual TLS (the gateway's own certificate) and the headers of
// docs/adapters.md, on a kept-alive connection when one is idle. Outcomes: 2xx delivered; 4xx other
// than 408/429 permanent_failure; 408, 429, 5xx, timeouts, refused connects, TLS failures, a peer
// closing early and replies that are not HTTP retry_later.
//
// Threading: everything runs on the gateway's io_context (one strand per connection); deliver()
// never blocks and never calls `done` before it returns. The adapter may be destroyed with
// POSTs in flight: it stops them first (their `done` runs with retry_later).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/adapters/registry.hpp"
#include "accord/core/result.hpp"

namespace accord::adapters {

struct WebhookSettings {
  std::string host;         // from the URL, without brackets for IPv6
  std::string port;         // "443" unless the URL names one
  std::string target;       // path and query, "/" when the URL has none
  std::string host_header;  // the URL's authority as written (Host header)
  std::string server_name;  // SNI and the name the receiver's certificate must carry
  std::string ca;           // PEM file (or PEM text) that verifies the receiver
  std::chrono::milliseconds timeout{10000};  // the whole POST: resolve to last response byte
  std::size_t max_in_flight = 8;  // the window: POSTs at once, each on its own connection
  // Reuse a connection for the next POST once the receiver answered completely and did not
  // ask to close (at most max_in_flight are kept idle).
  bool keep_alive = true;
  // An idle connection older than this is closed instead of reused: receivers close idle
  // connections after a few seconds, and a POST would then race that close.
  std::chrono::milliseconds keep_alive_idle{4000};
  std::vector<std::pair<std::string, std::string>> headers;  // extra, in config order
};

// Parses the adapter's YAML mapping strictly. Errors: invalid_config with path "line:col"
// (1-based, from the YAML mark) for unknown keys, wrong types, a URL that is not https,
// a header that is malformed or would replace one the adapter sets itself.
Result<WebhookSettings> parse_webhook_settings(const YAML::Node& settings,
                                               const std::string& base_dir, const TlsMaterial& tls);

// Builds the adapter: parses settings and loads the TLS material (TlsMaterial and `ca` are
// PEM file paths; text starting with "-----BEGIN" is taken as inline PEM). Errors:
// invalid_config, tls_config (a file that cannot be read or a key that does not match),
// invalid_argument (no io_context).
Result<std::unique_ptr<OutboundAdapter>> make_webhook_adapter(const AdapterContext& context);

// Registers type "webhook" (outbound only).
Status register_webhook(Registry& registry);

}  // namespace accord::adapters
