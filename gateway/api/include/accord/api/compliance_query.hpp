// The query string of GET /v1/admin/compliance/report (docs/api.yaml, docs/compliance.md
// §6): pure, any thread, table-tested apart from the route.
//
//   from, to   clocks that started in [from, to): RFC 3339, or a date YYYY-MM-DD meaning
//              midnight UTC (as the audit routes and `accord compliance report --db` read
//              them); default from: the log's start, to: just after as_of
//   as_of      statuses judged at this instant (RFC 3339 or a date, as above); default: now
//   agency     informer agency id; right: Code right 1..12; format: json (default) | csv |
//              table; clocks: true lists every clock counted (format json only)
//
// Every key at most once; unknown keys are refused. Errors: invalid_query, path = the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::api {

struct ComplianceQuery {
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
  std::optional<std::int64_t> as_of_ms;
  std::string agency;
  std::optional<int> right;
  std::string format = "json";
  bool clocks = false;
};

[[nodiscard]] Result<ComplianceQuery> parse_compliance_query(std::string_view query);

// The set members as a JSON object (times RFC 3339 UTC): the audit.read record's filter.
std::string compliance_query_json(const ComplianceQuery& query);

// A YYYY-MM month of POST /v1/admin/compliance/feed?month=; invalid_query otherwise.
[[nodiscard]] Result<std::string> parse_feed_query(std::string_view query);

}  // namespace accord::api
