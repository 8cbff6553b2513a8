// The audit endpoints of the admin listener (docs/api.yaml, docs/audit-format.md §6), for
// auditor certificates only: admin certificates get 403 like agencies, so the people who can
// change agreements cannot also read (or quietly page through) the log of what they did.
//
//   GET  /v1/admin/audit/records?FILTERS&after_seq=&limit=   NDJSON, one record per line
//   GET  /v1/admin/audit/extract?FILTERS&after_seq=&limit=&through_seq=
//                                                            NDJSON export lines (verifiable)
//   GET  /v1/admin/audit/checkpoints?after_seq=&limit=       NDJSON, one checkpoint per line
//   GET  /v1/admin/audit/head                                JSON: last/sealed seq, latest
//   POST /v1/admin/audit/checkpoint                          forces a checkpoint, answers it
//   GET  /v1/admin/audit/subject-report?subject_ref=&from=&to=
//                                                            JSON: the subject access report
//                                                            (src/subject_report_route.hpp)
//   GET  /v1/admin/audit/verification                        JSON: the chain verifier's verdict
//                                                            over the whole stored log
//                                                            (src/verification_route.hpp)
//   GET  /v1/admin/audit/agreements/{id}@{version}           JSON: the version's archived text
//                                                            and lifecycle records (404
//                                                            unknown_version if never archived)
//
// FILTERS: case_urn, subject_ref, agency, sender, recipient, agreement, kind, decision,
// from, to (RFC 3339 or a date). Paging: `Accord-Next-After-Seq` names the after_seq of the
// next page and is absent on the last one; an extract's last page says
// `Accord-Extract-Complete: true` once its covering checkpoint was sent.
//
// Queries run synchronously on the calling thread (AdminHandler hands them to
// AdminHooks::offload, so in the gateway a pool thread, never an io thread), each on its own
// read-only connection opened for the request, bounded by the page cap (10,000 rows): no connection
// is shared between threads and a slow auditor query cannot hold a lock the spool writer needs
// (WAL).
#pragma once

#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline constexpr std::string_view kAuditPathPrefix = "/v1/admin/audit/";

// Answers any request whose path starts with kAuditPathPrefix (404 for unknown ones).
void handle_audit_route(const server::Request& request, std::string_view path,
                        const AdminHooks& hooks, server::Respond respond);

}  // namespace accord::api
