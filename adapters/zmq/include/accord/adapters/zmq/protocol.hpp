// The ZeroMQ adapter protocol, sans I/O (docs/adapter-protocol.md is the specification).
// Every message is a multipart message whose first frame is the version "ACCORD-ZMQ/1" and
// whose second frame is the kind; the remaining frames depend on the kind. This file turns
// the frames an adapter sends into values (or an error code) and builds the frames the
// gateway sends. It never throws and never aborts on any input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/core/result.hpp"

namespace accord::adapters::zmqproto {

inline constexpr std::string_view kVersion = "ACCORD-ZMQ/1";
inline constexpr std::size_t kMaxFrames = 16;       // more frames: malformed
inline constexpr std::size_t kMaxTokenBytes = 128;  // agency ids, request ids
inline constexpr std::size_t kMaxTextBytes = 1024;  // NACK reasons, BYE reasons

using Frames = std::vector<std::string>;

// Adapter → gateway.
struct Hello {
  std::string agency;  // the agency the adapter claims; must match its key's binding
  bool inbound = false;
  bool outbound = false;
};
struct Submit {
  std::string request_id;
  std::string envelope;  // JSON, not inspected here
};
struct Ack {
  std::int64_t delivery_id = 0;
};
struct Nack {
  std::int64_t delivery_id = 0;
  bool permanent = false;
  std::string reason;
};
struct Ping {};
struct Pong {};
struct Bye {
  std::string reason;
};
using AdapterMessage = std::variant<Hello, Submit, Ack, Nack, Ping, Pong, Bye>;

// Error codes (sent back in an ERROR message): unsupported_version, unknown_kind, malformed.
Result<AdapterMessage> parse_adapter_message(const Frames& frames);

// Gateway → adapter.
Frames welcome(const std::string& agency, std::int64_t heartbeat_ms, std::size_t max_in_flight,
               std::size_t max_submit_in_flight, std::size_t max_frame_bytes);
Frames refuse(std::string_view code, std::string_view message);
Frames submit_reply(const std::string& request_id, const SubmitReply& reply);
Frames deliver(const OutboundMessage& message);
Frames ping();
Frames pong();
Frames bye(std::string_view reason);
Frames error(std::string_view code, std::string_view message);

}  // namespace accord::adapters::zmqproto
