// The read-only endpoints the web console needs beside the audit log (docs/api.yaml,
// docs/console.md), for admin and auditor certificates alike (agencies never get here):
//
//   GET /v1/admin/whoami                          {"id","role","subject"} of the certificate
//   GET /v1/admin/flows                           agencies, agreement flows and their counts
//                                                 since the gateway started
//   GET /v1/admin/deliveries                      per recipient queue health
//   GET /v1/admin/agreements/{id}@{version}       one version of the set in force
//   GET /v1/admin/agreements/diff?from=&to=       what a change of version changes
//
// Every one is GET only (405 otherwise); whoami ignores a query, flows and deliveries take none
// (400 invalid_query). None writes an audit record: none reads the audit log or a field value
// (flows and deliveries are counts; agreement texts are policy).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "accord/api/admin_handler.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline constexpr std::string_view kWhoamiPath = "/v1/admin/whoami";
inline constexpr std::string_view kFlowsPath = "/v1/admin/flows";
inline constexpr std::string_view kDeliveriesPath = "/v1/admin/deliveries";
inline constexpr std::string_view kAgreementDiffPath = "/v1/admin/agreements/diff";
inline constexpr std::string_view kAgreementVersionPrefix = "/v1/admin/agreements/";

// The JSON documents of /flows and /deliveries (docs/api.yaml says what each member means),
// apart from the routes so they can be tested on fixed inputs.
nlohmann::json flows_json(const FlowsSnapshot& snapshot);
nlohmann::json deliveries_json(const std::vector<RecipientDeliveries>& recipients);

// Whether handle_console_api_route answers `path`. An agreement version is any
// /v1/admin/agreements/<segment> with an '@' in it (the governance and reload paths have none).
bool is_console_api_path(std::string_view path);

// Answers a request for which is_console_api_path(path) holds. Blocking hooks (the agreement
// set's lock, the spool's queue query) are called here: AdminHandler offloads the call.
void handle_console_api_route(const server::Request& request, std::string_view path,
                              const AdminHooks& hooks, server::Respond respond);

}  // namespace accord::api
