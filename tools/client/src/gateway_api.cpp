#include "accord/client/gateway_api.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <nlohmann/json.hpp>

namespace accord::client {
namespace {

using nlohmann::json;

constexpr std::size_t kExcerpt = 200;

template <typename Json>
std::string string_field(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->template get<std::string>() : it->dump();
}

}  // namespace

std::string one_line(std::string_view text) {
  std::string out(text.substr(0, std::min(text.size(), kExcerpt)));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > kExcerpt) out += "...";
  return out;
}

Result<GatewayAddress> parse_gateway(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return make_error("invalid_argument",
                      "--gateway '" + std::string(text) + "' " + why + " (want HOST:PORT)",
                      "--gateway");
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("has an unterminated [IPv6] host or no port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("has no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("needs [brackets] around IPv6");
  }
  if (host.empty()) return bad("has no host");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return bad("has an invalid port");
  }
  return GatewayAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

Result<Credentials> resolve_credentials(const CredentialFlags& flags) {
  Credentials c{flags.cert, flags.key, flags.ca};
  if (!flags.as_agency.empty()) {
    const std::string base = flags.pki_dir + "/agency-" + flags.as_agency;
    if (c.cert.empty()) c.cert = base + ".pem";
    if (c.key.empty()) c.key = base + ".key";
    if (c.ca.empty()) c.ca = flags.pki_dir + "/ca.pem";
  }
  if (c.cert.empty()) {
    return make_error("no_credentials",
                      "no client certificate: pass --cert or --as AGENCY (or set ACCORD_CERT)",
                      "--cert");
  }
  if (c.key.empty()) {
    return make_error("no_credentials",
                      "no private key for " + c.cert + ": pass --key (or set ACCORD_KEY)", "--key");
  }
  if (c.ca.empty()) {
    return make_error("no_credentials",
                      "no CA certificate to verify the gateway: pass --ca or --as AGENCY (or set "
                      "ACCORD_CA)",
                      "--ca");
  }
  return c;
}

Result<std::string> inbox_target(std::optional<int> max, std::optional<int> lease_seconds) {
  std::string target = "/v1/inbox";
  char sep = '?';
  struct Param {
    const char* name;
    const char* flag;
    std::optional<int> value;
  };
  for (const Param& p :
       {Param{"max", "--max", max}, Param{"lease_seconds", "--lease-seconds", lease_seconds}}) {
    if (!p.value) continue;
    if (*p.value <= 0) {
      return make_error("invalid_argument", std::string(p.flag) + " must be a positive number",
                        p.flag);
    }
    target += sep;
    target += p.name;
    target += '=';
    target += std::to_string(*p.value);
    sep = '&';
  }
  return target;
}

Result<std::string> ack_target(std::string_view delivery_id) {
  const bool safe = !delivery_id.empty() && delivery_id.size() <= 128 && delivery_id != "." &&
                    delivery_id != ".." &&
                    std::all_of(delivery_id.begin(), delivery_id.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                    });
  if (!safe) {
    return make_error(
        "invalid_argument",
        "'" + one_line(delivery_id) + "' is not a delivery id (copy it from `accord inbox`)",
        "delivery_id");
  }
  return "/v1/inbox/" + std::string(delivery_id) + "/ack";
}

std::string ack_batch_body(const std::vector<std::string>& delivery_ids) {
  return json{{"delivery_ids", delivery_ids}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::vector<AckResult>> parse_ack_batch(std::string_view body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("results") || !parsed["results"].is_array()) {
    return make_error("bad_response", "the batch ack answer has no \"results\" array", "results");
  }
  std::vector<AckResult> out;
  for (const auto& r : parsed["results"]) {
    const std::string where = "results[" + std::to_string(out.size()) + "]";
    if (!r.is_object()) return make_error("bad_response", "a result is not an object", where);
    AckResult result{string_field(r, "delivery_id"), string_field(r, "status"),
                     string_field(r, "code"), string_field(r, "message")};
    const bool refused = result.status == "refused";
    if (result.delivery_id.empty() || (refused && result.code.empty()) ||
        (result.status != "acked" && result.status != "already_acked" &&
         result.status != "not_found" && !refused)) {
      return make_error("bad_response", "a result has no delivery_id or an unknown status", where);
    }
    out.push_back(std::move(result));
  }
  return out;
}

int exit_code_for_status(unsigned http_status) {
  if (http_status >= 200 && http_status < 300) return kExitOk;
  if (http_status >= 400 && http_status < 500) return kExitRefused;
  return kExitFailed;
}

std::string error_line(unsigned http_status, std::string_view body) {
  const std::string kind = http_status >= 400 && http_status < 500 ? "refused" : "failed";
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& e = parsed["error"];
    std::string line = kind + " (" + std::to_string(http_status) + " " +
                       one_line(string_field(e, "code")) +
                       "): " + one_line(string_field(e, "message"));
    const std::string path = string_field(e, "path");
    if (!path.empty()) line += " [at " + one_line(path) + "]";
    // not_permitted lists each candidate recipient and why: the sender needs that to act.
    if (e.contains("details") && e["details"].is_array()) {
      for (const auto& d : e["details"]) {
        if (!d.is_object()) continue;
        line += "\n  - " + one_line(string_field(d, "recipient")) + ": " +
                one_line(string_field(d, "code")) + ": " + one_line(string_field(d, "reason"));
      }
    }
    return line;
  }
  std::string line = kind + " (" + std::to_string(http_status) + ")";
  if (!body.empty()) line += ": " + one_line(body);
  return line;
}

Result<std::vector<InboxMessage>> parse_inbox(std::string_view body) {
  // Ordered, so --json prints each message's keys in the gateway's order.
  const nlohmann::ordered_json parsed =
      nlohmann::ordered_json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("messages") || !parsed["messages"].is_array()) {
    return make_error("bad_response", "the inbox answer has no \"messages\" array", "messages");
  }
  std::vector<InboxMessage> out;
  std::size_t index = 0;
  for (const auto& m : parsed["messages"]) {
    const std::string where = "messages[" + std::to_string(index++) + "]";
    if (!m.is_object()) return make_error("bad_response", "a message is not an object", where);
    InboxMessage msg;
    msg.delivery_id = string_field(m, "delivery_id");
    if (msg.delivery_id.empty()) {
      return make_error("bad_response", "a message has no delivery_id", where + ".delivery_id");
    }
    msg.sender = string_field(m, "sender");
    msg.message_id = string_field(m, "message_id");
    msg.type = string_field(m, "type");
    msg.case_urn = string_field(m, "case_urn");
    msg.received_at = string_field(m, "received_at");
    if (const auto it = m.find("attempts"); it != m.end() && it->is_number_integer()) {
      msg.attempts = it->get<int>();
    }
    msg.json = m.dump();
    out.push_back(std::move(msg));
  }
  return out;
}

std::string format_inbox_table(const std::vector<InboxMessage>& messages) {
  if (messages.empty()) return "no messages\n";
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"DELIVERY", "SENDER", "TYPE", "CASE", "RECEIVED"});
  for (const auto& m : messages) {
    rows.push_back({one_line(m.delivery_id), one_line(m.sender), one_line(m.type),
                    one_line(m.case_urn), one_line(m.received_at)});
  }
  std::array<std::size_t, 5> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

Result<std::string> format_ack(std::string_view body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return make_error("bad_response", "the ack answer is not JSON");
  const std::string id = string_field(parsed, "delivery_id");
  const std::string status = string_field(parsed, "status");
  if (id.empty() || (status != "acked" && status != "already_acked")) {
    return make_error("bad_response", "the ack answer has no delivery_id/status", "status");
  }
  return one_line(id) + (status == "acked" ? " acked" : " already acked");
}

}  // namespace accord::client
