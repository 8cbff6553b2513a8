// The query string of the auditor's read routes (docs/api.yaml, /v1/admin/audit/*), parsed
// apart from the routes so it can be table-tested and fuzzed: pure, no I/O, any thread.
//
// Keys and values are percent-decoded ('+' stays a plus: the values are identifiers). Every
// key may appear once; unknown keys are refused so a typo ("case=") cannot silently widen an
// auditor's query to the whole log. Errors are all `invalid_query`, with `path` naming the
// key at fault: bad percent-encoding, a key given twice, an unknown key (or a filter on a
// route that takes paging only), a time that is not RFC 3339 or a date, limit outside
// 1..spool::kMaxAuditPage, after_seq/through_seq not a number from 0, and what
// spool::validate refuses (a decision other than accepted/refused, to <= from).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::api {

struct AuditQuery {
  spool::AuditFilter filter;
  std::int64_t after_seq = 0;
  std::optional<std::int64_t> limit;
  std::int64_t through_seq = 0;
};

// One percent-encoded component (a query key or value, a path segment) decoded; nullopt for
// bad percent-encoding. '+' stays a plus.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view in);

// The pairs of a query string, percent-decoded; invalid_query (path = the key) for bad
// percent-encoding or a key given twice. Shared by the admin routes that take a query.
[[nodiscard]] Result<std::map<std::string, std::string>> split_query(std::string_view query);

// records and extract take FILTERS and paging; checkpoints and head take paging only.
enum class AuditQueryAccepts { filters_and_paging, paging };

[[nodiscard]] Result<AuditQuery> parse_audit_query(std::string_view query,
                                                   AuditQueryAccepts accepts);

}  // namespace accord::api
