// The compliance endpoints of the admin listener (docs/api.yaml, docs/compliance.md §6):
//
//   GET  /v1/admin/compliance/report?from=&to=&as_of=&agency=&right=&format=   auditor
//        the report from a fresh fold of the audit log; recorded as audit.read
//        (details.endpoint compliance.report) before it is answered, like every read of the
//        log's content
//   POST /v1/admin/compliance/feed?month=YYYY-MM                               admin
//        submits that month's compliance.summary now; recorded as admin.action
//        compliance.feed
//
// Both answer 503 compliance_unconfigured when the gateway has no compliance: section.
// Run on the offload thread (they fold the audit log).
#pragma once

#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline constexpr std::string_view kCompliancePathPrefix = "/v1/admin/compliance/";
inline constexpr std::string_view kComplianceFeedPath = "/v1/admin/compliance/feed";

// Answers any request whose path starts with kCompliancePathPrefix (404 for unknown ones).
void handle_compliance_route(const server::Request& request, std::string_view path,
                             const AdminHooks& hooks, server::Respond respond);

}  // namespace accord::api
