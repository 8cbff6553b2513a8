// What every read of the audit log shares (src/audit_routes.cpp, src/subject_report_route.cpp):
// the audit.read record written before an answer is sent, the index-mismatch header and the
// storage failure answer (docs/audit-format.md §1 and §6).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "accord/api/admin_handler.hpp"
#include "accord/api/audit_query.hpp"
#include "accord/core/result.hpp"
#include "accord/server/http_server.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::api {

// What an answered read disclosed, for its audit.read record.
struct ReadFacts {
  std::int64_t returned = 0;  // records (or checkpoints) in the answer, in full
  std::int64_t first_seq = 0, last_seq = 0;
};

// Names the rows of this answer whose index columns disagree with their record in the
// Accord-Index-Mismatch header ("seq:col,col;...") and logs them.
void report_mismatches(server::HttpResponse& response,
                       const std::vector<spool::IndexMismatch>& mismatches);

// A failed read of the spool, logged and answered with its code.
server::HttpResponse storage_failure(const Error& e);

// Sends `response` once the audit.read record of this request is durable; without it the
// reader gets 503 audit_unavailable and no data (DPA 2018 s.62: no consultation unlogged).
// Answers other than 200 are sent as they are.
void answer_recorded(const server::Request& request, std::string_view endpoint, const AuditQuery& p,
                     const AdminHooks& hooks, const ReadFacts& facts, server::HttpResponse response,
                     server::Respond& respond);

}  // namespace accord::api
