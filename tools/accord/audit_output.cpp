#include "audit_output.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/audit/record_text.hpp"
#include "accord/core/csv.hpp"

namespace accord::cli::audit_output {
namespace {

using audit::record_text::fields;
using audit::record_text::fields_text;
using audit::record_text::format_rows;
using audit::record_text::num;
using audit::record_text::parse;
using audit::record_text::str;
using nlohmann::json;
using nlohmann::ordered_json;

bool agreement_matches(const std::string& filter, const std::string& agreement) {
  if (filter.empty()) return true;
  if (filter.find('@') != std::string::npos) return agreement == filter;
  return agreement.size() > filter.size() && agreement.compare(0, filter.size(), filter) == 0 &&
         agreement[filter.size()] == '@';
}

}  // namespace

std::string table(const std::vector<std::string>& records) {
  if (records.empty()) return "no records\n";
  std::vector<std::vector<std::string>> rows = {
      {"SEQ", "AT", "KIND", "SENDER", "RECIPIENT", "AGREEMENT", "CASE", "SUBJECT", "CODE"}};
  for (const auto& r : records) {
    const auto d = parse(r);
    auto dash = [](std::string s) { return s.empty() ? std::string("-") : s; };
    rows.push_back({str(d, "seq"), str(d, "at"), str(d, "kind"), dash(str(d, "sender")),
                    dash(str(d, "recipient")), dash(str(d, "agreement")), dash(str(d, "case_urn")),
                    dash(str(d, "subject_ref")), dash(str(d, "code"))});
  }
  return format_rows(rows);
}

namespace {
constexpr const char* kCsvColumns[] = {
    "seq",       "at",           "kind",      "message_id",   "sender",      "recipient",
    "agreement", "event_type",   "case_urn",  "subject_role", "subject_ref", "delivery_id",
    "attempt",   "content_hash", "copy_hash", "fields",       "code",        "reason"};
}  // namespace

std::string csv_header() {
  std::string out;
  for (const char* c : kCsvColumns) out += std::string(out.empty() ? "" : ",") + c;
  return out + "\r\n";
}

std::string csv_row(std::string_view record) {
  const auto d = parse(record);
  std::string out;
  bool first = true;
  for (const char* c : kCsvColumns) {
    if (!first) out += ',';
    first = false;
    out += accord::csv_field(std::string_view(c) == "fields" ? fields_text(d) : str(d, c));
  }
  return out + "\r\n";
}

std::string member(std::string_view record, const char* key) {
  return str(parse(record), key);
}

std::string_view record_of_export_line(std::string_view line) {
  constexpr std::string_view kPrefix = "{\"h\":\"";
  constexpr std::string_view kInfix = "\",\"r\":";
  const std::size_t start = kPrefix.size() + 64 + kInfix.size();
  if (line.size() <= start || line.substr(0, kPrefix.size()) != kPrefix ||
      line.substr(kPrefix.size() + 64, kInfix.size()) != kInfix || line.back() != '}') {
    return {};
  }
  return line.substr(start, line.size() - start - 1);
}

bool AgreementReport::wanted(const std::string& agreement) const {
  return agreement_matches(filter_, agreement);
}

void AgreementReport::add(std::string_view record) {
  const auto d = parse(record);
  const std::string kind = str(d, "kind");
  if (kind == "decision.accepted") {
    const std::string agreement = str(d, "agreement");
    if (const auto id = num(d, "delivery_id"); id != 0) agreement_of_delivery_[id] = agreement;
    if (!wanted(agreement)) return;
    Row& row = rows_[agreement];
    ++row.decisions;
    row.messages.insert(str(d, "sender") + "/" + str(d, "message_id"));
    for (const auto& f : fields(d)) ++row.field_actions[f.second];
  } else if (kind == "decision.refused") {
    const std::string agreement = str(d, "agreement");
    if (!filter_.empty() && !wanted(agreement)) return;
    ++refused_[{agreement.empty() ? "-" : agreement,
                str(d, "sender") + " -> " + (d.contains("recipient") ? str(d, "recipient") : "-"),
                str(d, "code"), str(d, "reason")}];
  } else if (kind == "delivery.acked" || kind == "delivery.dead_lettered") {
    // A status notice (sender gateway.status) is the gateway's own copy, under no agreement.
    if (str(d, "sender") == "gateway.status") return;
    if (kind == "delivery.acked" && !acked_deliveries_.insert(num(d, "delivery_id")).second) {
      return;
    }
    auto it = agreement_of_delivery_.find(num(d, "delivery_id"));
    if (it == agreement_of_delivery_.end()) {
      if (filter_.empty()) ++unattributed_deliveries_;
      return;
    }
    if (!wanted(it->second)) return;
    Row& row = rows_[it->second];
    ++(kind == "delivery.acked" ? row.acked : row.dead_lettered);
  }
}

std::string AgreementReport::table() const {
  static const char* kActions[] = {"share", "encrypt",    "mask",
                                   "drop",  "generalise", "pseudonymise"};
  std::vector<std::vector<std::string>> rows = {{"AGREEMENT", "DECISIONS", "MESSAGES", "SHARE",
                                                 "ENCRYPT", "MASK", "DROP", "GENERALISE",
                                                 "PSEUDONYMISE", "ACKED", "DEAD"}};
  for (const auto& [agreement, r] : rows_) {
    std::vector<std::string> line = {agreement, std::to_string(r.decisions),
                                     std::to_string(r.messages.size())};
    for (const char* a : kActions) {
      auto it = r.field_actions.find(a);
      line.push_back(std::to_string(it == r.field_actions.end() ? 0 : it->second));
    }
    line.push_back(std::to_string(r.acked));
    line.push_back(std::to_string(r.dead_lettered));
    rows.push_back(std::move(line));
  }
  std::string out = rows_.empty() ? "no decisions under an agreement\n" : format_rows(rows);
  if (!refused_.empty()) {
    std::vector<std::vector<std::string>> refused = {
        {"REFUSED BY", "FLOW", "CODE", "COUNT", "REASON"}};
    for (const auto& [key, n] : refused_) {
      refused.push_back({key.agreement, key.flow, key.code, std::to_string(n), key.reason});
    }
    out += "\n" + format_rows(refused);
  }
  if (unattributed_deliveries_ > 0) {
    out += "\n" + std::to_string(unattributed_deliveries_) +
           " deliveries whose decision is outside the time range\n";
  }
  return out;
}

std::string AgreementReport::json() const {
  ordered_json out;
  auto& agreements = out["agreements"] = ordered_json::array();
  for (const auto& [agreement, r] : rows_) {
    ordered_json row;
    row["agreement"] = agreement;
    row["decisions"] = r.decisions;
    row["messages"] = r.messages.size();
    row["fields"] = ordered_json::object();
    for (const auto& [action, n] : r.field_actions) row["fields"][action] = n;
    row["acked"] = r.acked;
    row["dead_lettered"] = r.dead_lettered;
    agreements.push_back(std::move(row));
  }
  auto& refused = out["refused"] = ordered_json::array();
  for (const auto& [key, n] : refused_) {
    ordered_json row;
    row["agreement"] = key.agreement;
    row["flow"] = key.flow;
    row["code"] = key.code;
    row["reason"] = key.reason;
    row["count"] = n;
    refused.push_back(std::move(row));
  }
  out["unattributed_deliveries"] = unattributed_deliveries_;
  return out.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

void ShadowReport::add(std::string_view record) {
  const auto d = parse(record);
  if (str(d, "kind") != "decision.shadow") return;
  const std::string agreement = str(d, "agreement");
  if (!agreement_matches(filter_, agreement)) return;
  ++evaluations_;
  agreements_.insert(agreement);
  messages_.insert(str(d, "sender") + "/" + str(d, "message_id"));
  const std::string recipient = str(d, "recipient");
  Row& row = rows_[recipient];
  ++(str(d, "code") == "would_share" ? row.would_share : row.would_refuse);
  const nlohmann::json details =
      d.contains("details") && d["details"].is_object() ? d["details"] : nlohmann::json();
  ++row.exposure[str(details, "exposure")];
  // "path:shared>shadow;..." (pipeline::shadow_events)
  std::istringstream changes(str(details, "changes"));
  for (std::string change; std::getline(changes, change, ';');) {
    const auto colon = change.rfind(':');
    const auto arrow = change.rfind('>');
    if (colon == std::string::npos || arrow == std::string::npos || arrow < colon) continue;
    ++fields_[{recipient, change.substr(0, colon), change.substr(colon + 1, arrow - colon - 1),
               change.substr(arrow + 1)}];
  }
}

namespace {
// "+" the shadow agreement would reveal a field that is not shared today, "-" it would stop
// sharing one, "~" it would change its form.
std::string change_sign(const std::string& shared, const std::string& shadow) {
  if (shared == "drop") return "+";
  if (shadow == "drop") return "-";
  return "~";
}
}  // namespace

std::string ShadowReport::table() const {
  std::string names;
  for (const auto& a : agreements_) names += (names.empty() ? "" : ", ") + a;
  std::string out = "Shadow agreement " + filter_ + (names.empty() ? "" : " (" + names + ")") +
                    ": " + std::to_string(evaluations_) + " evaluations of " +
                    std::to_string(messages_.size()) + " messages\n";
  if (rows_.empty()) return out;
  std::vector<std::vector<std::string>> rows = {
      {"RECIPIENT", "WOULD SHARE", "WOULD REFUSE", "ADDED", "REMOVED", "CHANGED", "UNCHANGED"}};
  for (const auto& [recipient, r] : rows_) {
    auto count = [&](const char* k) {
      auto it = r.exposure.find(k);
      return std::to_string(it == r.exposure.end() ? 0 : it->second);
    };
    rows.push_back({recipient, std::to_string(r.would_share), std::to_string(r.would_refuse),
                    count("added"), count("removed"), count("changed"), count("unchanged")});
  }
  out += format_rows(rows);
  if (!fields_.empty()) {
    std::vector<std::vector<std::string>> f = {
        {"", "RECIPIENT", "FIELD", "SHARED", "SHADOW", "COUNT"}};
    for (const auto& [k, n] : fields_) {
      f.push_back({change_sign(k.shared, k.shadow), k.recipient, k.field, k.shared, k.shadow,
                   std::to_string(n)});
    }
    out += "\n" + format_rows(f);
  }
  return out;
}

std::string ShadowReport::json() const {
  ordered_json out;
  out["shadow"] = filter_;
  out["agreements"] = agreements_;
  out["evaluations"] = evaluations_;
  out["messages"] = messages_.size();
  auto& recipients = out["recipients"] = ordered_json::array();
  for (const auto& [recipient, r] : rows_) {
    ordered_json row;
    row["recipient"] = recipient;
    row["would_share"] = r.would_share;
    row["would_refuse"] = r.would_refuse;
    row["exposure"] = ordered_json::object();
    for (const auto& [k, n] : r.exposure) row["exposure"][k] = n;
    recipients.push_back(std::move(row));
  }
  auto& fields = out["fields"] = ordered_json::array();
  for (const auto& [k, n] : fields_) {
    ordered_json row;
    row["change"] = change_sign(k.shared, k.shadow);
    row["recipient"] = k.recipient;
    row["field"] = k.field;
    row["shared"] = k.shared;
    row["shadow"] = k.shadow;
    row["count"] = n;
    fields.push_back(std::move(row));
  }
  return out.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace accord::cli::audit_output
