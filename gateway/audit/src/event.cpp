#include "accord/audit/event.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/core/time_format.hpp"

namespace accord::audit {
namespace {

// The record is built as a string, not through nlohmann::ordered_json: one record per copy is
// on every submission's path and the tree cost ~150 k instructions per message. The bytes are
// nlohmann's dump(-1, ' ', false, replace) of the same object (tests/unit/audit compare both
// over a table and random strings); any non-ASCII string still goes through nlohmann, so its
// UTF-8 handling (invalid bytes replaced) stays exactly the reference's.
void append_string(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet appended
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
    if (c >= 0x80) {
      out.resize(start);
      out += nlohmann::json(std::string(value))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
    out.append(value.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0x0f];
    }
  }
  out.append(value.data() + run, value.size() - run);
  out += '"';
}

void put_key(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;  // keys are the fixed ASCII names below
  out += "\":";
}

void put(std::string& out, std::string_view key, const std::string& value) {
  if (value.empty()) return;
  put_key(out, key);
  append_string(out, value);
}

void put(std::string& out, std::string_view key, std::int64_t value) {
  if (value == 0) return;
  put_key(out, key);
  out += std::to_string(value);
}

// nlohmann's object keeps the first position of a repeated key and the last value.
std::vector<std::pair<std::string_view, std::string_view>> unique_details(
    const std::vector<std::pair<std::string, std::string>>& details) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  out.reserve(details.size());
  for (const auto& [key, value] : details) {
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& d) { return d.first == key; });
    if (same != out.end()) {
      same->second = value;
    } else {
      out.emplace_back(key, value);
    }
  }
  return out;
}

// encode_record with `delivery_id` in place of the event's (make_template's mark, no copy).
std::string encode(std::int64_t seq, const Event& event, std::int64_t delivery_id) {
  // One allocation: the keys and punctuation fit in 256 bytes, escapes are rare.
  std::size_t size = 256 + event.message_id.size() + event.sender.size() + event.recipient.size() +
                     event.agreement.size() + event.event_type.size() + event.case_urn.size() +
                     event.subject_role.size() + event.subject_ref.size() +
                     event.content_hash.size() + event.copy_hash.size() + event.code.size() +
                     event.reason.size() + event.kind.size();
  for (const auto& f : event.fields) size += f.path.size() + f.action.size() + 8;
  for (const auto& [key, value] : event.details) size += key.size() + value.size() + 6;
  std::string out;
  out.reserve(size);
  out += "{\"seq\":";
  out += std::to_string(seq);
  put_key(out, "at");
  append_string(out, format_time_ms(event.at_ms));
  put_key(out, "kind");
  append_string(out, event.kind);
  put(out, "message_id", event.message_id);
  put(out, "sender", event.sender);
  put(out, "recipient", event.recipient);
  put(out, "agreement", event.agreement);
  put(out, "event_type", event.event_type);
  put(out, "case_urn", event.case_urn);
  put(out, "subject_role", event.subject_role);
  put(out, "subject_ref", event.subject_ref);
  put(out, "delivery_id", delivery_id);
  put(out, "attempt", static_cast<std::int64_t>(event.attempt));
  put(out, "content_hash", event.content_hash);
  put(out, "copy_hash", event.copy_hash);
  if (!event.fields.empty()) {
    put_key(out, "fields");
    char sep = '[';
    for (const auto& f : event.fields) {
      out += sep;
      out += '[';
      append_string(out, f.path);
      out += ',';
      append_string(out, f.action);
      out += ']';
      sep = ',';
    }
    out += ']';
  }
  put(out, "code", event.code);
  put(out, "reason", event.reason);
  if (!event.details.empty()) {
    put_key(out, "details");
    char sep = '{';
    for (const auto& [key, value] : unique_details(event.details)) {
      out += sep;
      append_string(out, key);
      out += ':';
      append_string(out, value);
      sep = ',';
    }
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace

std::string encode_record(std::int64_t seq, const Event& event) {
  return encode(seq, event, event.delivery_id);
}

RecordTemplate make_template(const Event& event) {
  // Delivery id 1 marks the cut. `"delivery_id":` cannot occur inside a string value
  // (its quotes would be escaped), so the only match is the key itself.
  constexpr std::string_view kSeqPrefix = "{\"seq\":0,";
  constexpr std::string_view kKey = "\"delivery_id\":1";
  const std::string text = encode(0, event, 1);
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
