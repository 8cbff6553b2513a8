// The governance endpoints of the admin listener (docs/api.yaml; docs/operations.md,
// "Governing agreements"), admin certificates only, each recorded as admin.action:
//
//   POST /v1/admin/agreements/signatures   body: a signature statement     agreements.sign
//   POST /v1/admin/agreements/suspensions  body: a suspension statement    agreements.suspend
//   POST /v1/admin/agreements/proposals    body: {"file":"x.yaml","text"}  agreements.propose
//
// A statement is verified against the loaded version it names (refused: 422 with the verdict
// code, 404 unknown_agreement; the gateway audits each refusal), written into the signatures
// directory and a reload runs. A proposal is validated with the loaded set, written into the
// agreements directory and a reload runs. GET /v1/admin/agreements (admin_handler.cpp) shows
// the result. Run on the offload thread (they read and write files and reload).
#pragma once

#include <array>
#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline constexpr std::string_view kSignaturesPath = "/v1/admin/agreements/signatures";
inline constexpr std::string_view kSuspensionsPath = "/v1/admin/agreements/suspensions";
inline constexpr std::string_view kProposalsPath = "/v1/admin/agreements/proposals";
inline constexpr std::array<std::string_view, 3> kGovernancePaths{kSignaturesPath, kSuspensionsPath,
                                                                  kProposalsPath};

// A statement is a few hundred bytes; more is not one.
inline constexpr std::size_t kMaxStatementBytes = 16 * 1024;

bool is_governance_path(std::string_view path);

// Answers a request whose path is_governance_path().
void handle_governance_route(const server::Request& request, std::string_view path,
                             const AdminHooks& hooks, server::Respond respond);

}  // namespace accord::api
