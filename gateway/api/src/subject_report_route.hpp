// GET /v1/admin/audit/subject-report?subject_ref=REF[&from=&to=] (auditor only, like every
// audit read): the subject access report of `accord audit report --subject REF --format json`
// (accord/audit/subject_report.hpp), from every record whose own subject_ref is REF, in seq
// order. Recorded as audit.read (endpoint `subject_report`) before it is sent.
#pragma once

#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::api {

inline constexpr std::string_view kSubjectReportName = "subject-report";

// Answers an auditor's GET whose query is `query` (handle_audit_route checked role and method).
void subject_report(const server::Request& request, std::string_view query, const AdminHooks& hooks,
                    spool::AuditReader& reader, server::Respond& respond);

}  // namespace accord::api
