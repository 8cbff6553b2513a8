#include "accord/client/message_status.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "accord/client/gateway_api.hpp"

namespace accord::client {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessageIdLength = 128;
constexpr std::size_t kColumns = 7;

// A member as text for the table: strings as they are, numbers printed, "" when absent.
std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return one_line(it->is_string() ? it->get<std::string>() : it->dump());
}

std::string or_dash(std::string value) {
  return value.empty() ? "-" : value;
}

std::string detail_of(const json& entry) {
  std::vector<std::string> parts;
  const std::string state = text(entry, "state");
  if (state == "leased" && entry.contains("lease_expires_at")) {
    parts.push_back("lease until " + text(entry, "lease_expires_at"));
  }
  if (state == "withheld") parts.push_back(text(entry, "code") + ": " + text(entry, "reason"));
  if (const auto dead = entry.find("dead_letter"); dead != entry.end() && dead->is_object()) {
    parts.push_back("dead-lettered " + or_dash(text(entry, "dead_lettered_at")) + " " +
                    text(*dead, "code") + ": " + text(*dead, "detail"));
  }
  if (const auto receipt = entry.find("receipt"); receipt != entry.end() && receipt->is_object()) {
    parts.push_back("receipt by key " + text(*receipt, "kid"));
  } else if (const auto required = entry.find("receipt_required");
             required != entry.end() && *required == true) {
    parts.push_back("receipt required");
  }
  if (entry.contains("channel_ref")) parts.push_back("ref " + text(entry, "channel_ref"));
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return or_dash(out);
}

std::string table(const std::vector<std::array<std::string, kColumns>>& rows) {
  std::array<std::size_t, kColumns> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < kColumns; ++i) {
      line += row[i];
      if (i + 1 < kColumns) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

Result<std::string> message_status_target(std::string_view message_id) {
  const bool valid = !message_id.empty() && message_id.size() <= kMaxMessageIdLength &&
                     std::all_of(message_id.begin(), message_id.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
                              c == '-';
                     });
  if (!valid) {
    return make_error("invalid_argument",
                      "'" + one_line(message_id) +
                          "' is not a message id (the envelope's id: [A-Za-z0-9._:-]{1,128})",
                      "ID");
  }
  std::string target = "/v1/messages/";
  for (const char c : message_id) {
    if (c == '.') {
      target += "%2E";
    } else if (c == ':') {
      target += "%3A";
    } else {
      target += c;
    }
  }
  return target;
}

Result<std::string> format_message_status(std::string_view body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("recipients") || !parsed["recipients"].is_array() ||
      !parsed.contains("complete") || !parsed["complete"].is_boolean()) {
    return make_error("bad_response", "the status answer is not a MessageStatus object");
  }
  std::string out =
      "message " + text(parsed, "message_id") + " (" + text(parsed, "type") + ", case " +
      text(parsed, "case_urn") + ") received " + text(parsed, "received_at") + ": " +
      (parsed["complete"].get<bool>() ? "complete (every copy acknowledged)" : "not complete") +
      "\n";
  std::vector<std::array<std::string, kColumns>> rows;
  rows.push_back(
      {"RECIPIENT", "STATE", "DELIVERY", "ATTEMPTS", "DELIVERED", "ACKNOWLEDGED", "DETAIL"});
  for (const auto& entry : parsed["recipients"]) {
    if (!entry.is_object()) {
      return make_error("bad_response", "a recipients entry is not an object", "recipients");
    }
    rows.push_back({or_dash(text(entry, "recipient")), or_dash(text(entry, "state")),
                    or_dash(text(entry, "delivery_id")), or_dash(text(entry, "attempts")),
                    or_dash(text(entry, "delivered_at")), or_dash(text(entry, "acknowledged_at")),
                    detail_of(entry)});
  }
  if (rows.size() == 1) return out + "no recipients\n";
  return out + table(rows);
}

}  // namespace accord::client
