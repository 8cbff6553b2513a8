#include "accord/audit/event.hpp"

#include <nlohmann/json.hpp>

#include "accord/core/time_format.hpp"

namespace accord::audit {
namespace {

void put(nlohmann::ordered_json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

void put(nlohmann::ordered_json& out, const char* key, std::int64_t value) {
  if (value != 0) out[key] = value;
}

}  // namespace

std::string encode_record(std::int64_t seq, const Event& event) {
  nlohmann::ordered_json out;
  out["seq"] = seq;
  out["at"] = format_time_ms(event.at_ms);
  out["kind"] = event.kind;
  put(out, "message_id", event.message_id);
  put(out, "sender", event.sender);
  put(out, "recipient", event.recipient);
  put(out, "agreement", event.agreement);
  put(out, "event_type", event.event_type);
  put(out, "case_urn", event.case_urn);
  put(out, "subject_role", event.subject_role);
  put(out, "subject_ref", event.subject_ref);
  put(out, "delivery_id", event.delivery_id);
  put(out, "attempt", static_cast<std::int64_t>(event.attempt));
  put(out, "content_hash", event.content_hash);
  put(out, "copy_hash", event.copy_hash);
  if (!event.fields.empty()) {
    auto& fields = out["fields"] = nlohmann::ordered_json::array();
    for (const auto& f : event.fields) fields.push_back({f.path, f.action});
  }
  put(out, "code", event.code);
  put(out, "reason", event.reason);
  if (!event.details.empty()) {
    auto& details = out["details"] = nlohmann::ordered_json::object();
    for (const auto& [key, value] : event.details) details[key] = value;
  }
  // replace: an invalid UTF-8 byte (impossible from a decoded envelope) must not throw here.
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

RecordTemplate make_template(const Event& event) {
  // Delivery id 1 marks the cut. `"delivery_id":` cannot occur inside a string value
  // (its quotes would be escaped), so the only match is the key itself.
  constexpr std::string_view kSeqPrefix = "{\"seq\":0,";
  constexpr std::string_view kKey = "\"delivery_id\":1";
  Event marked = event;
  marked.delivery_id = 1;
  const std::string text = encode_record(0, marked);
  const auto cut = text.find(kKey);
  // head keeps the comma before the key (seq, at and kind always come first); tail starts
  // with the ',' or '}' after the number.
  RecordTemplate out;
  out.head = text.substr(kSeqPrefix.size(), cut - kSeqPrefix.size());
  out.tail = text.substr(cut + kKey.size());
  return out;
}

std::string render(const RecordTemplate& record, std::int64_t seq, std::int64_t delivery_id) {
  std::string out;
  out.reserve(record.head.size() + record.tail.size() + 48);
  out += "{\"seq\":";
  out += std::to_string(seq);
  out += ',';
  if (delivery_id != 0) {
    out += record.head;
    out += "\"delivery_id\":";
    out += std::to_string(delivery_id);
  } else {
    out.append(record.head, 0, record.head.size() - 1);  // without the comma before the key
  }
  out += record.tail;
  return out;
}

}  // namespace accord::audit
