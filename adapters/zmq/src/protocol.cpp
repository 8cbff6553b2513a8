#include "accord/adapters/zmq/protocol.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace accord::adapters::zmqproto {
namespace {

Error malformed(const std::string& message) {
  return make_error("malformed", message);
}

// Agency ids and request ids: 1..128 bytes of printable ASCII without spaces, so they are
// safe to log and to echo.
bool token(const std::string& text) {
  if (text.empty() || text.size() > kMaxTokenBytes) return false;
  for (const unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Free text from the adapter (NACK and BYE reasons): bounded, no control characters, so a
// reason cannot forge log lines.
bool free_text(const std::string& text) {
  if (text.size() > kMaxTextBytes) return false;
  for (const unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool delivery_id(const std::string& text, std::int64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out > 0;
}

Result<AdapterMessage> hello(const Frames& f) {
  if (f.size() != 4) return malformed("HELLO has 4 frames: version, kind, agency, capabilities");
  if (!token(f[2])) return malformed("HELLO agency must be 1..128 printable ASCII bytes");
  Hello out;
  out.agency = f[2];
  std::size_t start = 0;
  while (start <= f[3].size()) {
    const auto comma = f[3].find(',', start);
    const auto item =
        f[3].substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    bool* flag = item == "inbound" ? &out.inbound : item == "outbound" ? &out.outbound : nullptr;
    if (flag == nullptr || *flag) {
      return malformed("HELLO capabilities must be 'inbound', 'outbound' or 'inbound,outbound'");
    }
    *flag = true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return AdapterMessage{out};
}

Result<AdapterMessage> submit(const Frames& f) {
  if (f.size() != 4) return malformed("SUBMIT has 4 frames: version, kind, request id, envelope");
  if (!token(f[2])) return malformed("SUBMIT request id must be 1..128 printable ASCII bytes");
  if (f[3].empty()) return malformed("SUBMIT envelope frame is empty");
  return AdapterMessage{Submit{f[2], f[3]}};
}

Result<AdapterMessage> ack(const Frames& f) {
  Ack out;
  if (f.size() != 3) return malformed("ACK has 3 frames: version, kind, delivery id");
  if (!delivery_id(f[2], out.delivery_id)) return malformed("ACK delivery id must be a decimal");
  return AdapterMessage{out};
}

Result<AdapterMessage> nack(const Frames& f) {
  Nack out;
  if (f.size() != 5) {
    return malformed("NACK has 5 frames: version, kind, delivery id, permanent|retry, reason");
  }
  if (!delivery_id(f[2], out.delivery_id)) return malformed("NACK delivery id must be a decimal");
  if (f[3] != "permanent" && f[3] != "retry") return malformed("NACK mode must be permanent|retry");
  if (!free_text(f[4])) return malformed("NACK reason: at most 1024 bytes, no control characters");
  out.permanent = f[3] == "permanent";
  out.reason = f[4];
  return AdapterMessage{out};
}

Result<AdapterMessage> bye(const Frames& f) {
  if (f.size() != 3) return malformed("BYE has 3 frames: version, kind, reason");
  if (!free_text(f[2])) return malformed("BYE reason: at most 1024 bytes, no control characters");
  return AdapterMessage{Bye{f[2]}};
}

}  // namespace

Result<AdapterMessage> parse_adapter_message(const Frames& f) {
  if (f.size() > kMaxFrames) return malformed("more than 16 frames");
  if (f.size() < 2) return malformed("a message has at least 2 frames: version, kind");
  if (f[0] != kVersion) {
    return make_error("unsupported_version", "this gateway speaks " + std::string(kVersion));
  }
  const std::string& kind = f[1];
  if (kind == "HELLO") return hello(f);
  if (kind == "SUBMIT") return submit(f);
  if (kind == "ACK") return ack(f);
  if (kind == "NACK") return nack(f);
  if (kind == "BYE") return bye(f);
  if (kind == "PING" || kind == "PONG") {
    if (f.size() != 2) return malformed(kind + " has 2 frames: version, kind");
    return kind == "PING" ? AdapterMessage{Ping{}} : AdapterMessage{Pong{}};
  }
  return make_error("unknown_kind",
                    "unknown message kind (HELLO, SUBMIT, ACK, NACK, PING, PONG, BYE)");
}

Frames welcome(const std::string& agency, std::int64_t heartbeat_ms, std::size_t max_in_flight,
               std::size_t max_submit_in_flight, std::size_t max_frame_bytes) {
  return {std::string(kVersion),
          "WELCOME",
          agency,
          std::to_string(heartbeat_ms),
          std::to_string(max_in_flight),
          std::to_string(max_submit_in_flight),
          std::to_string(max_frame_bytes)};
}

Frames refuse(std::string_view code, std::string_view message) {
  return {std::string(kVersion), "REFUSE", std::string(code), std::string(message)};
}

Frames submit_reply(const std::string& request_id, const SubmitReply& reply) {
  const char* status = reply.status == SubmitReply::Status::accepted    ? "accepted"
                       : reply.status == SubmitReply::Status::duplicate ? "duplicate"
                                                                        : "refused";
  nlohmann::json details = {{"path", reply.path}, {"recipients", reply.recipients}};
  // Replace, not throw: a message with broken UTF-8 must still produce a reply.
  return {std::string(kVersion),
          "SUBMIT_REPLY",
          request_id,
          status,
          reply.code,
          reply.message,
          reply.retryable ? "true" : "false",
          details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Frames deliver(const OutboundMessage& m) {
  return {std::string(kVersion),
          "DELIVER",
          std::to_string(m.delivery_id),
          m.message_id,
          m.sender,
          m.event_type,
          m.case_urn,
          std::to_string(m.attempt),
          std::to_string(m.received_at_ms),
          m.document};
}

Frames ping() {
  return {std::string(kVersion), "PING"};
}
Frames pong() {
  return {std::string(kVersion), "PONG"};
}
Frames bye(std::string_view reason) {
  return {std::string(kVersion), "BYE", std::string(reason)};
}
Frames error(std::string_view code, std::string_view message) {
  return {std::string(kVersion), "ERROR", std::string(code), std::string(message)};
}

}  // namespace accord::adapters::zmqproto
