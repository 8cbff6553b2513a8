#include "governance_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "accord/api/json_body.hpp"
#include "responses.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using nlohmann::json;

json answer_json(const GovernanceAnswer& answer) {
  return {{"status", "accepted"},
          {"agreement", answer.agreement},
          {"governance", answer.governance},
          {"missing", answer.missing}};
}

// The admin.action of this request, then the answer.
void finish(const AdminHooks& hooks, audit::Event action, const Result<GovernanceAnswer>& result,
            server::Respond respond) {
  if (!result.ok()) {
    action.code = result.error().code;
    return record_admin_action(
        hooks, std::move(action),
        [respond = std::move(respond), error = result.error()] { respond(refusal(error)); });
  }
  action.agreement = result->agreement;
  action.details.emplace_back("governance", result->governance);
  record_admin_action(hooks, std::move(action),
                      [respond = std::move(respond), body = answer_json(*result).dump()] {
                        respond(make_response(200, body));
                      });
}

// {"file":"x.yaml","text":"..."}: exactly those two strings.
Result<std::pair<std::string, std::string>> parse_proposal(std::string_view body) {
  auto parsed = parse_json_body(body);
  if (!parsed.ok()) return parsed.error();
  const json& j = parsed.value();
  if (!j.is_object()) return make_error("invalid_request", "the body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "file" && key != "text") {
      return make_error("invalid_request", "unknown member '" + key + "'", key);
    }
  }
  for (const char* member : {"file", "text"}) {
    if (!j.contains(member) || !j[member].is_string()) {
      return make_error("invalid_request", std::string(member) + " must be a string", member);
    }
  }
  return std::pair{j["file"].get<std::string>(), j["text"].get<std::string>()};
}

}  // namespace

bool is_governance_path(std::string_view path) {
  return std::find(kGovernancePaths.begin(), kGovernancePaths.end(), path) !=
         kGovernancePaths.end();
}

void handle_governance_route(const server::Request& request, std::string_view path,
                             const AdminHooks& hooks, server::Respond respond) {
  if (request.http.method() != http::verb::post) {
    return respond(method_not_allowed(request.http, path, http::verb::post));
  }
  if (request.peer.role != server::PeerRole::admin) {
    return respond(refusal("forbidden", "governing agreements needs an admin certificate"));
  }
  if (!hooks.submit_statement || !hooks.propose_agreement) {
    return respond(refusal("storage_unavailable", "this gateway has no governance hooks"));
  }
  const std::string& body = request.http.body();
  audit::Event action = actor_event(audit::kind::kAdminAction, request.peer, admin_now_ms(hooks));
  if (path == kProposalsPath) {
    action.details.emplace_back("action", "agreements.propose");
    auto proposal = parse_proposal(body);
    if (!proposal.ok()) {
      action.code = proposal.error().code;
      return record_admin_action(hooks, std::move(action),
                                 [respond = std::move(respond), error = proposal.error()] {
                                   respond(body_refusal(error));
                                 });
    }
    action.details.emplace_back("file", proposal->first);
    return finish(hooks, std::move(action),
                  hooks.propose_agreement(proposal->first, proposal->second), std::move(respond));
  }
  const bool suspension = path == kSuspensionsPath;
  action.details.emplace_back("action", suspension ? "agreements.suspend" : "agreements.sign");
  if (body.size() > kMaxStatementBytes) {
    action.code = "too_large";
    return record_admin_action(hooks, std::move(action), [respond = std::move(respond)] {
      respond(refusal("too_large", "a statement is at most 16384 bytes"));
    });
  }
  // Syntax first (400, like every admin body); what the statement says is the gateway's.
  if (auto syntax = parse_json_body(body); !syntax.ok()) {
    action.code = syntax.error().code;
    return record_admin_action(
        hooks, std::move(action),
        [respond = std::move(respond), error = syntax.error()] { respond(body_refusal(error)); });
  }
  finish(hooks, std::move(action), hooks.submit_statement(suspension, body), std::move(respond));
}

}  // namespace accord::api
