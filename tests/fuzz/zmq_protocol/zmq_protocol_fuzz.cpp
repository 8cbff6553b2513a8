// libFuzzer target for the ZeroMQ adapter protocol parser (adapters/zmq/src/protocol.cpp,
// docs/adapter-protocol.md): parse_adapter_message must never crash or throw on any frames,
// refuse only with its three codes, and every message it accepts must respect the limits it
// promises and parse the same when rebuilt in canonical form. The gateway's replies built
// from accepted values (SUBMIT_REPLY echoes the request id; any bytes in the reply text)
// must not throw either.
//
// Input: the first byte is the frame separator, the rest are the frames it separates
// ("|ACCORD-ZMQ/1|PING" is two frames). Any byte can be in a frame: pick another separator.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "accord/adapters/zmq/protocol.hpp"

namespace zp = accord::adapters::zmqproto;

namespace {

zp::Frames split(std::string_view input) {
  zp::Frames frames;
  if (input.empty()) return frames;
  const char separator = input.front();
  input.remove_prefix(1);
  while (true) {
    const auto at = input.find(separator);
    frames.emplace_back(input.substr(0, at));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + 1);
  }
  return frames;
}

bool printable_token(const std::string& text) {
  if (text.empty() || text.size() > zp::kMaxTokenBytes) return false;
  for (const unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool free_text(const std::string& text) {
  if (text.size() > zp::kMaxTextBytes) return false;
  for (const unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The same message as the adapter library would send it.
zp::Frames canonical(const zp::AdapterMessage& message) {
  const std::string v(zp::kVersion);
  return std::visit(
      [&](const auto& m) -> zp::Frames {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, zp::Hello>) {
          const std::string caps = m.inbound && m.outbound ? "inbound,outbound"
                                   : m.inbound             ? "inbound"
                                                           : "outbound";
          return {v, "HELLO", m.agency, caps};
        } else if constexpr (std::is_same_v<T, zp::Submit>) {
          return {v, "SUBMIT", m.request_id, m.envelope};
        } else if constexpr (std::is_same_v<T, zp::Ack>) {
          return {v, "ACK", std::to_string(m.delivery_id)};
        } else if constexpr (std::is_same_v<T, zp::Nack>) {
          return {v, "NACK", std::to_string(m.delivery_id), m.permanent ? "permanent" : "retry",
                  m.reason};
        } else if constexpr (std::is_same_v<T, zp::Ping>) {
          return {v, "PING"};
        } else if constexpr (std::is_same_v<T, zp::Pong>) {
          return {v, "PONG"};
        } else {
          return {v, "BYE", m.reason};
        }
      },
      message);
}

bool same(const zp::AdapterMessage& a, const zp::AdapterMessage& b) {
  return canonical(a) == canonical(b);
}

// The limits each accepted message promises (protocol.hpp, docs/adapter-protocol.md).
bool within_limits(const zp::AdapterMessage& message) {
  return std::visit(
      [](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, zp::Hello>) {
          return printable_token(m.agency) && (m.inbound || m.outbound);
        } else if constexpr (std::is_same_v<T, zp::Submit>) {
          return printable_token(m.request_id) && !m.envelope.empty();
        } else if constexpr (std::is_same_v<T, zp::Ack>) {
          return m.delivery_id > 0;
        } else if constexpr (std::is_same_v<T, zp::Nack>) {
          return m.delivery_id > 0 && free_text(m.reason);
        } else if constexpr (std::is_same_v<T, zp::Bye>) {
          return free_text(m.reason);
        } else {
          return true;
        }
      },
      message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const zp::Frames frames = split({reinterpret_cast<const char*>(data), size});
  const auto parsed = zp::parse_adapter_message(frames);
  if (!parsed.ok()) {
    const auto& code = parsed.error().code;
    if (code != "malformed" && code != "unsupported_version" && code != "unknown_kind") {
      std::abort();
    }
    if (parsed.error().message.empty()) std::abort();
    // The gateway answers with ERROR carrying the code and message: must build.
    if (zp::error(code, parsed.error().message).size() != 4) std::abort();
    return 0;
  }
  const auto& message = parsed.value();
  if (!within_limits(message)) std::abort();
  const auto again = zp::parse_adapter_message(canonical(message));
  if (!again.ok() || !same(again.value(), message)) std::abort();
  if (const auto* submit = std::get_if<zp::Submit>(&message)) {
    // Any bytes may come back in a reply's text (a refusal quoting the envelope).
    accord::adapters::SubmitReply reply;
    reply.code = "invalid_json";
    reply.message = submit->envelope;
    reply.path = submit->envelope;
    reply.recipients = {submit->envelope};
    if (zp::submit_reply(submit->request_id, reply).size() != 8) std::abort();
  }
  return 0;
}
