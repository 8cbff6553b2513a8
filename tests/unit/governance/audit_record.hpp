// A LifecycleEvent rendered as the audit record the gateway writes for it
// (docs/audit-format.md §2: members in order, empty ones omitted, details an object of strings),
// so tests fold exactly those bytes back into a Ledger.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "accord/governance/lifecycle.hpp"

namespace accord::governance::testing {

inline std::string audit_record(const LifecycleEvent& event, std::int64_t seq,
                                const std::string& at = "2026-12-06T17:00:00.000Z") {
  nlohmann::ordered_json record;
  record["seq"] = seq;
  record["at"] = at;
  record["kind"] = event.kind;
  record["agreement"] = event.agreement;
  if (!event.code.empty()) record["code"] = event.code;
  if (!event.reason.empty()) record["reason"] = event.reason;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
  for (const auto& [key, value] : event.details) details[key] = value;
  if (!details.empty()) record["details"] = details;
  return record.dump();
}

}  // namespace accord::governance::testing
