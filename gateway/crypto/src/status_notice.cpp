#include "accord/crypto/status_notice.hpp"

#include <nlohmann/json.hpp>

namespace accord::crypto {
namespace {

using nlohmann::json;

Error bad(const std::string& message, const std::string& path) {
  return make_error("bad_message", message, path);
}

Result<std::string> text(const json& j, const char* name, const std::string& prefix = "") {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return bad("\"" + prefix + name + "\" missing or not text", prefix + name);
  }
  return it->get<std::string>();
}

}  // namespace

std::string status_notice_message_id(std::int64_t notice_id) {
  return "status-" + std::to_string(notice_id);
}

std::string status_notice_document(std::string_view status, const NoticeFacts& notice,
                                   const DeliverySignature& signature) {
  json facts = json::object();
  facts["outcome"] = notice.outcome;
  if (!notice.recipient.empty()) facts["recipient"] = notice.recipient;
  if (notice.delivery_id != 0) facts["delivery_id"] = std::to_string(notice.delivery_id);
  // Written by hand so the members keep the documented order.
  std::string out = "{\"status\":";
  out += json(status).dump(-1, ' ', false, json::error_handler_t::replace);
  out += ",\"notice\":";
  out += facts.dump();
  out += ",\"signature\":";
  out += signature.to_json();
  out += "}";
  return out;
}

bool is_status_notice_item(std::string_view item_json) {
  const json j = json::parse(item_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto type = j.find("type");
  return type != j.end() && type->is_string() && *type == kStatusNoticeType;
}

Result<StatusNoticeItem> parse_status_notice(std::string_view item_json) {
  const json j = json::parse(item_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return bad("the notice is not a JSON object (one inbox item)", "");
  }
  StatusNoticeItem item;
  for (auto [field, name] :
       {std::pair{&item.info.sender, "sender"}, std::pair{&item.info.recipient, "recipient"},
        std::pair{&item.info.message_id, "message_id"},
        std::pair{&item.info.received_at, "received_at"},
        std::pair{&item.delivery_id, "delivery_id"}, std::pair{&item.case_urn, "case_urn"},
        std::pair{&item.status, "status"}}) {
    auto value = text(j, name);
    if (!value) return value.error();
    *field = std::move(*value);
  }
  auto type = text(j, "type");
  if (!type) return type.error();
  if (*type != kStatusNoticeType || item.info.sender != kStatusNoticeSender) {
    return bad("not a status notice: sender " + item.info.sender + ", type " + *type, "type");
  }
  auto notice = j.find("notice");
  if (notice == j.end() || !notice->is_object()) {
    return bad("\"notice\" missing or not an object", "notice");
  }
  auto outcome = text(*notice, "outcome", "notice.");
  if (!outcome) return outcome.error();
  item.notice.outcome = std::move(*outcome);
  if (notice->contains("recipient")) {
    auto r = text(*notice, "recipient", "notice.");
    if (!r) return r.error();
    item.notice.recipient = std::move(*r);
  }
  if (notice->contains("delivery_id")) {
    auto id = text(*notice, "delivery_id", "notice.");
    if (!id) return id.error();
    try {
      std::size_t used = 0;
      item.notice.delivery_id = std::stoll(*id, &used);
      if (used != id->size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return bad("\"notice.delivery_id\" is not a decimal id", "notice.delivery_id");
    }
  }
  auto sig = j.find("signature");
  if (sig == j.end() || !sig->is_object()) {
    return bad("\"signature\" missing or not an object", "signature");
  }
  for (auto [field, name] :
       {std::pair{&item.signature.alg, "alg"}, std::pair{&item.signature.kid, "kid"},
        std::pair{&item.signature.sig, "sig"}}) {
    auto value = text(*sig, name, "signature.");
    if (!value) return value.error();
    *field = std::move(*value);
  }
  return item;
}

Status verify_status_notice(const StatusNoticeItem& item, const GatewayPublicKey& key) {
  return verify_status_notice(item.info, item.status, item.signature, key);
}

}  // namespace accord::crypto
