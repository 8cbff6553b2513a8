#include "accord/compliance/flow_record.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace accord::compliance {
namespace {

Error invalid(const std::string& path, const std::string& message) {
  return Error{"invalid_record", message, path};
}

int digits(std::string_view text, std::size_t at, std::size_t n) {
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The record's own form of `at` (docs/audit-format.md §2): "2026-11-22T09:30:00.123Z".
std::optional<std::int64_t> parse_record_time(std::string_view text) {
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  auto date = parse_civil_date(text.substr(0, 10));
  const int hour = digits(text, 11, 2), minute = digits(text, 14, 2);
  const int second = digits(text, 17, 2), milli = digits(text, 20, 3);
  if (!date || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 ||
      milli < 0) {
    return std::nullopt;
  }
  return days_from_civil(*date) * 86'400'000 + hour * 3'600'000LL + minute * 60'000LL +
         second * 1000LL + milli;
}

std::string text_member(const nlohmann::ordered_json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool is_flow_kind(std::string_view kind) {
  return kind == "decision.accepted" || kind == "delivery.acked" || kind == kFactsRecordKind;
}

Result<std::optional<FlowRecord>> flow_record_from_audit(std::string_view record) {
  const auto doc = nlohmann::ordered_json::parse(record, nullptr, false);
  if (!doc.is_object()) return invalid("", "the audit record is not a JSON object");
  FlowRecord out;
  out.kind = text_member(doc, "kind");
  if (!is_flow_kind(out.kind)) return std::optional<FlowRecord>();
  auto seq = doc.find("seq");
  if (seq == doc.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 1) {
    return invalid("seq", "the audit record has no valid seq");
  }
  out.seq = seq->get<std::int64_t>();
  const auto at = parse_record_time(text_member(doc, "at"));
  if (!at) return invalid("at", "record " + std::to_string(out.seq) + " has no valid at");
  out.at_ms = *at;
  out.message_id = text_member(doc, "message_id");
  out.sender = text_member(doc, "sender");
  out.recipient = text_member(doc, "recipient");
  out.event_type = text_member(doc, "event_type");
  out.case_urn = text_member(doc, "case_urn");
  out.subject_ref = text_member(doc, "subject_ref");
  if (auto id = doc.find("delivery_id"); id != doc.end() && id->is_number_integer()) {
    out.delivery_id = id->get<std::int64_t>();
  }
  if (out.kind == kFactsRecordKind) {
    std::vector<std::pair<std::string, std::string>> details;
    if (auto d = doc.find("details"); d != doc.end()) {
      if (!d->is_object()) {
        return invalid("details",
                       "record " + std::to_string(out.seq) + ": details is not an object");
      }
      for (const auto& [name, value] : d->items()) {
        if (!value.is_string()) {
          return invalid("details." + name,
                         "record " + std::to_string(out.seq) + ": a detail is not a string");
        }
        details.emplace_back(name, value.get<std::string>());
      }
    }
    auto facts = facts_from_details(details);
    if (!facts) {
      return invalid("details." + facts.error().path,
                     "record " + std::to_string(out.seq) + ": " + facts.error().message);
    }
    out.facts = std::move(facts).value();
  }
  return std::optional<FlowRecord>(std::move(out));
}

}  // namespace accord::compliance
