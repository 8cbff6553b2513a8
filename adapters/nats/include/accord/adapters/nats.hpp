// The NATS JetStream outbound adapter: each delivered copy is published, byte for byte, to a
// subject per recipient on a JetStream-enabled NATS server over TLS, and counts as delivered
// only when the stream answers with its PubAck (docs/adapters.md "nats (outbound)").
// Outcomes: PubAck (also a duplicate one) delivered, channel_ref "<stream>:<seq>"; a message
// larger than the server or stream accepts permanent_failure; everything else (not connected,
// no stream bound to the subject, no PubAck in time, any other JetStream error) retry_later.
//
// Threading: libnats calls block, so publishes run on the adapter's own threads (one per
// max_in_flight); deliver() only queues and never blocks the io_context. The connection is
// made on the first deliver(), never by the factory (accord-gateway --check builds adapters
// and must touch nothing), and libnats reconnects by itself after a loss.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "accord/adapters/adapter.hpp"
#include "accord/adapters/registry.hpp"
#include "accord/core/result.hpp"

namespace accord::adapters {

struct NatsSettings {
  std::string url;            // "tls://host:port" as libnats takes it (port defaulted to 4222)
  std::string host;           // from the URL, without brackets for IPv6
  std::string server_name;    // the name the server's certificate must carry (default: host)
  std::string subject;        // default "accord.deliver.<recipient id>"
  std::string stream;         // sent as Nats-Expected-Stream when not empty
  std::string ca, cert, key;  // PEM files (or inline PEM); default: the gateway's own
  std::chrono::milliseconds timeout{5000};         // connect, and publish to PubAck
  std::chrono::milliseconds reconnect_wait{2000};  // between reconnect attempts
  std::size_t max_in_flight = 4;
};

// Parses the adapter's YAML mapping strictly for the agency `recipient`. Errors:
// invalid_config with path "line:col" for unknown keys, wrong types, a URL that is not
// tls://host[:port], a subject that is not a publishable NATS subject, a bad stream name,
// missing TLS material.
Result<NatsSettings> parse_nats_settings(const YAML::Node& settings, const std::string& recipient,
                                         const std::string& base_dir, const TlsMaterial& tls);

// Builds the adapter: parses settings and loads the TLS material into libnats' options.
// Errors: invalid_config, tls_config (a file that cannot be read or a key that does not
// match). Connects nowhere.
Result<std::unique_ptr<OutboundAdapter>> make_nats_adapter(const AdapterContext& context);

// The Nats-Msg-Id of a copy: "<sender>/<message id>/<recipient>", the same on every attempt,
// so JetStream's duplicate window drops a redelivery the stream already holds.
std::string nats_msg_id(const OutboundMessage& message);

// Registers type "nats" (outbound only).
Status register_nats(Registry& registry);

}  // namespace accord::adapters
