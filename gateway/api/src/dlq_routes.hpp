// The dead-letter endpoints of the admin listener (docs/api.yaml), for admin certificates only:
// auditors read the log of what was redriven but do not act on queues; agencies never get here.
//
//   GET  /v1/admin/dlq?recipient=R&limit=N   JSON {"dead_letters":[...]}, oldest first;
//                                            limit 1..1000 (default 100), no recipient = all
//   POST /v1/admin/dlq/retry                 body {"recipient":"R","delivery_id":N}, both
//                                            optional ({} = every dead letter): {"redriven":n}
//
// The redrive is audited by the spool with the admin certificate's id as the actor. Both
// answers are sent from the spool's callback (any thread): Respond is thread-safe.
// Errors: 400 invalid_query / invalid_request / duplicate_key (a key given twice in the body),
// 403 forbidden, 405, 415 (admin_handler.cpp: every admin POST is application/json), 503 from
// the spool.
#pragma once

#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline constexpr std::string_view kDlqPath = "/v1/admin/dlq";
inline constexpr std::string_view kDlqRetryPath = "/v1/admin/dlq/retry";

// Answers any request whose path is kDlqPath or starts with kDlqPath + "/" (404 for others).
void handle_dlq_route(const server::Request& request, std::string_view path,
                      const AdminHooks& hooks, server::Respond respond);

}  // namespace accord::api
