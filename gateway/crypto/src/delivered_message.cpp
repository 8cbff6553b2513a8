#include "accord/crypto/delivered_message.hpp"

#include <nlohmann/json.hpp>

#include "accord/core/time_format.hpp"
#include "accord/envelope/codec.hpp"

namespace accord::crypto {
namespace {

using nlohmann::json;

Result<std::string> text(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return make_error("bad_message", std::string("\"") + name + "\" missing or not text", name);
  }
  return it->get<std::string>();
}

}  // namespace

std::string delivered_item(const DeliveryHeader& header, std::string_view document) {
  const json meta = {{"delivery_id", std::to_string(header.delivery_id)},
                     {"sender", header.sender},
                     {"recipient", header.recipient},
                     {"message_id", header.message_id},
                     {"type", header.type},
                     {"case_urn", header.case_urn},
                     {"received_at", format_time_ms(header.received_at_ms)},
                     {"attempts", header.attempts},
                     {"lease_expires_at", format_time_ms(header.lease_expires_at_ms)}};
  std::string item = meta.dump(-1, ' ', false, json::error_handler_t::replace);
  // The document is an object the pipeline wrote: its members follow the header's.
  if (document.size() > 2 && document.front() == '{') {
    item.back() = ',';
    item.append(document.substr(1));
  }
  return item;
}

Result<DeliveredMessage> parse_inbox_item(std::string_view item_json,
                                          std::string_view default_recipient) {
  const json j = json::parse(item_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error("bad_message", "the message is not a JSON object (one inbox item)");
  }
  DeliveredMessage m;
  for (auto [field, name] :
       {std::pair{&m.info.sender, "sender"}, std::pair{&m.info.message_id, "message_id"},
        std::pair{&m.info.received_at, "received_at"}}) {
    auto value = text(j, name);
    if (!value) return value.error();
    *field = std::move(*value);
  }
  if (j.contains("recipient")) {
    auto r = text(j, "recipient");
    if (!r) return r.error();
    if (!default_recipient.empty() && *r != default_recipient) {
      return make_error("bad_message",
                        "the message was delivered to " + *r + " but the keys given are " +
                            std::string(default_recipient) + "'s",
                        "recipient");
    }
    m.info.recipient = *r;
  } else {
    m.info.recipient = std::string(default_recipient);
  }
  if (m.info.recipient.empty()) {
    return make_error("bad_message", "no recipient: the item has none and no key names one",
                      "recipient");
  }
  auto env = j.find("envelope");
  if (env == j.end() || !env->is_object()) {
    return make_error("bad_message", "\"envelope\" missing or not an object", "envelope");
  }
  auto decoded = decode_delivered(env->dump());
  if (!decoded) {
    Error e = decoded.error();
    e.path = e.path.empty() ? "envelope" : "envelope." + e.path;
    return e;
  }
  m.envelope = std::move(*decoded);
  if (m.envelope.id != m.info.message_id) {
    return make_error(
        "bad_message",
        "message_id " + m.info.message_id + " differs from the envelope's id " + m.envelope.id,
        "message_id");
  }
  if (auto sig = j.find("signature"); sig != j.end()) {
    if (!sig->is_object()) return make_error("bad_message", "\"signature\" is not an object");
    DeliverySignature s;
    for (auto [field, name] :
         {std::pair{&s.alg, "alg"}, std::pair{&s.kid, "kid"}, std::pair{&s.sig, "sig"}}) {
      auto value = text(*sig, name);
      if (!value) {
        Error e = value.error();
        e.path = "signature." + e.path;
        return e;
      }
      *field = std::move(*value);
    }
    m.signature = std::move(s);
  }
  return m;
}

std::string make_inbox_item(const DeliveryInfo& info, std::string_view delivery_id,
                            const envelope::Envelope& delivered,
                            const DeliverySignature& signature) {
  json meta = json::object();
  meta["delivery_id"] = delivery_id;
  meta["sender"] = info.sender;
  meta["recipient"] = info.recipient;
  meta["message_id"] = info.message_id;
  meta["type"] = delivered.type;
  meta["case_urn"] = delivered.case_ref.urn;
  meta["received_at"] = info.received_at;
  meta["attempts"] = 1;
  std::string item = meta.dump();
  item.pop_back();
  item += ",\"envelope\":" + envelope::encode(delivered) + ",\"signature\":" + signature.to_json() +
          "}";
  return item;
}

Result<OpenedEnvelope> verify_and_open(const DeliveredMessage& message,
                                       std::span<const AgencySecretKey> keys,
                                       const GatewayPublicKey* gateway_key) {
  if (gateway_key != nullptr) {
    if (!message.signature) {
      return make_error("unsigned", "the message carries no gateway signature", "signature");
    }
    Status s = verify_delivery(message.info, message.envelope, *message.signature, *gateway_key);
    if (!s) return s.error();
  }
  return open_fields(message.envelope, keys, message.info.sender, message.info.recipient);
}

}  // namespace accord::crypto
