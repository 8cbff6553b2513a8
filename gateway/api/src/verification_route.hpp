// GET /v1/admin/audit/verification (auditor only, like every audit read): runs the chain
// verifier (spool::AuditReader::verify, the check `accord audit verify --db` makes) over the
// whole stored log with the gateway's own public key, and answers what it found
// (docs/audit-format.md §6, "Verification through the admin API"). Recorded as audit.read
// (endpoint `verification`) before it is sent. Blocking: reads every record; called on an
// offload thread like every audit route.
#pragma once

#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::api {

inline constexpr std::string_view kVerificationName = "verification";

// Answers an auditor's GET whose query is `query` (handle_audit_route checked role and method).
void verification(const server::Request& request, std::string_view query, const AdminHooks& hooks,
                  spool::AuditReader& reader, server::Respond& respond);

}  // namespace accord::api
