// POST /v1/admin/agreements/dry-run (admin, auditor; docs/api.yaml, docs/agreements.md "Dry
// run"): the proposed set in the body is validated against the gateway's agency directory and
// vocabulary (422 invalid_agreements with the diagnostics), the audit log's decision records
// of the window are read, and the answer is governance::render_json. It reads the log's
// content, so it is recorded as an audit.read (details.endpoint agreements.dry_run) and
// answered only once that record is durable. Blocking: run on the offload thread.
#pragma once

#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline constexpr std::string_view kDryRunPath = "/v1/admin/agreements/dry-run";

void handle_dry_run(const server::Request& request, const AdminHooks& hooks,
                    server::Respond respond);

}  // namespace accord::api
