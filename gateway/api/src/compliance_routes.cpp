#include "compliance_routes.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "responses.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using nlohmann::json;

constexpr std::string_view kReportPath = "/v1/admin/compliance/report";

server::HttpResponse unconfigured() {
  return refusal("compliance_unconfigured",
                 "this gateway tracks no compliance: its configuration has no compliance: "
                 "section (or no compliance.oversight_feed, for the feed)");
}

void report(const server::Request& request, std::string_view query, const AdminHooks& hooks,
            server::Respond respond) {
  if (request.peer.role != server::PeerRole::auditor) {
    respond(refusal("forbidden",
                    "the compliance report reads the audit log: auditor certificates only"));
    return;
  }
  auto parsed = parse_compliance_query(query);
  if (!parsed.ok()) return respond(refusal(parsed.error()));
  if (!hooks.compliance_report) return respond(unconfigured());
  ComplianceQuery q = parsed.value();
  if (!q.as_of_ms) q.as_of_ms = admin_now_ms(hooks);
  auto answer = hooks.compliance_report(q);
  if (!answer.ok()) {
    spdlog::error("compliance report failed ({}): {}", answer.error().code, answer.error().message);
    return respond(refusal(answer.error()));
  }
  // As every read of the log's content: answered only once its audit.read is durable.
  auto response = make_response(200, std::move(answer->body), answer->content_type);
  if (!hooks.record_audit) return respond(std::move(response));
  audit::Event event = actor_event(audit::kind::kAuditRead, request.peer, admin_now_ms(hooks));
  event.details.emplace_back("endpoint", "compliance.report");
  event.details.emplace_back("filter", compliance_query_json(q));
  event.details.emplace_back("returned", std::to_string(answer->clocks));
  auto shared = std::make_shared<server::HttpResponse>(std::move(response));
  hooks.record_audit({std::move(event)}, [shared, respond](Status s) {
    if (!s.ok()) {
      spdlog::error("compliance report refused: its audit record could not be written: {}",
                    s.error().message);
      return respond(
          refusal("audit_unavailable", "the audit record of this read could not be written"));
    }
    respond(std::move(*shared));
  });
}

void feed(const server::Request& request, std::string_view query, const AdminHooks& hooks,
          server::Respond respond) {
  if (request.peer.role != server::PeerRole::admin) {
    respond(refusal("forbidden", "sending the oversight feed needs an admin certificate"));
    return;
  }
  auto month = parse_feed_query(query);
  if (!month.ok()) return respond(refusal(month.error()));
  if (!hooks.compliance_feed) return respond(unconfigured());
  auto sent = hooks.compliance_feed(month.value());
  audit::Event action = actor_event(audit::kind::kAdminAction, request.peer, admin_now_ms(hooks));
  action.details.emplace_back("action", "compliance.feed");
  action.details.emplace_back("month", month.value());
  if (!sent.ok()) {
    spdlog::warn("compliance feed for {} by {} refused: {}", month.value(), request.peer.id,
                 sent.error().message);
    action.code = sent.error().code;
    record_admin_action(hooks, std::move(action),
                        [respond, error = sent.error()] { respond(refusal(error)); });
    return;
  }
  action.details.emplace_back("message_id", sent->message_id);
  action.details.emplace_back("outcome", sent->already_sent ? "already_sent" : "sent");
  json body = {{"status", sent->already_sent ? "already_sent" : "sent"},
               {"month", sent->month},
               {"message_id", sent->message_id},
               {"recipients", sent->recipients}};
  record_admin_action(hooks, std::move(action),
                      [respond, body = body.dump()] { respond(make_response(200, body)); });
}

}  // namespace

void handle_compliance_route(const server::Request& request, std::string_view path,
                             const AdminHooks& hooks, server::Respond respond) {
  const std::string_view target = request.http.target();
  const auto question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const auto method = request.http.method();
  if (path == kReportPath) {
    if (method != http::verb::get) {
      return respond(method_not_allowed(request.http, path, http::verb::get));
    }
    return report(request, query, hooks, std::move(respond));
  }
  if (path == kComplianceFeedPath) {
    if (method != http::verb::post) {
      return respond(method_not_allowed(request.http, path, http::verb::post));
    }
    return feed(request, query, hooks, std::move(respond));
  }
  respond(refusal("not_found", "no such endpoint: " + std::string(path), "target"));
}

}  // namespace accord::api
