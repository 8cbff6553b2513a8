#include "accord/api/admin_handler.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <optional>

#include "accord/api/json_body.hpp"
#include "accord/console/console_files.hpp"
#include "accord/core/time_format.hpp"
#include "accord/env/env.hpp"
#include "audit_routes.hpp"
#include "compliance_routes.hpp"
#include "console_api_routes.hpp"
#include "dlq_routes.hpp"
#include "dry_run_route.hpp"
#include "governance_routes.hpp"
#include "responses.hpp"

namespace accord::api {
namespace http = server::http;
using nlohmann::json;

audit::Event actor_event(std::string_view kind, const server::PeerIdentity& actor,
                         std::int64_t at_ms) {
  audit::Event event;
  event.kind = std::string(kind);
  event.at_ms = at_ms;
  event.details = {{"actor", actor.id},
                   {"actor_role", std::string(server::role_name(actor.role))},
                   {"actor_subject", actor.subject}};
  return event;
}

std::int64_t admin_now_ms(const AdminHooks& hooks) {
  if (hooks.now_ms) return hooks.now_ms();
  return env::system_env().now_ms();
}

void record_admin_action(const AdminHooks& hooks, audit::Event event, std::function<void()> then) {
  if (!hooks.record_audit) return then();
  hooks.record_audit({std::move(event)}, [then = std::move(then)](Status s) {
    if (!s.ok()) spdlog::error("admin action audit record not written: {}", s.error().message);
    then();
  });
}
namespace {

// The admin POST endpoints, who may call each, and whether the body has members. Every one
// takes Content-Type: application/json (415 otherwise); the actions without parameters take
// an empty body or {}. Checked only for a caller the endpoint accepts, so a wrong
// certificate still gets the route's 403 and learns nothing about the body rules.
struct AdminPost {
  std::string_view path;
  server::PeerRole role;
  bool has_members;
};
constexpr std::string_view kReloadPath = "/v1/admin/agreements/reload";
constexpr std::string_view kCheckpointPath = "/v1/admin/audit/checkpoint";
constexpr std::string_view kRetentionPurgePath = "/v1/admin/retention/purge";
constexpr std::array<AdminPost, 10> kAdminPosts{{
    {kReloadPath, server::PeerRole::admin, false},
    {kRetentionPurgePath, server::PeerRole::admin, false},
    {kDlqRetryPath, server::PeerRole::admin, true},  // parsed by dlq_routes.cpp
    {kCheckpointPath, server::PeerRole::auditor, false},
    {kComplianceFeedPath, server::PeerRole::admin, false},  // the month is in the query
    {kSignaturesPath, server::PeerRole::admin, true},       // parsed by governance_routes.cpp
    {kSuspensionsPath, server::PeerRole::admin, true},
    {kProposalsPath, server::PeerRole::admin, true},
    {kDryRunPath, server::PeerRole::admin, true},  // parsed by dry_run_route.cpp
    {kDryRunPath, server::PeerRole::auditor, true},
}};

std::optional<server::HttpResponse> refuse_admin_post(const server::Request& request,
                                                      std::string_view path) {
  if (request.http.method() != http::verb::post) return std::nullopt;
  for (const auto& post : kAdminPosts) {
    if (post.path != path || post.role != request.peer.role) continue;
    if (!is_json_media_type(request.http[http::field::content_type])) {
      return refusal("unsupported_media_type",
                     "send admin requests as Content-Type: application/json", "content-type");
    }
    if (post.has_members || request.http.body().empty()) return std::nullopt;
    auto body = parse_json_body(request.http.body());
    if (!body.ok()) return body_refusal(body.error());
    if (!body->is_object() || !body->empty()) {
      return refusal("invalid_request",
                     std::string(path) + " takes no parameters: send an empty body or {}");
    }
    return std::nullopt;
  }
  return std::nullopt;
}

server::HttpResponse console_response(console::ConsoleReply reply) {
  server::HttpResponse response{static_cast<http::status>(reply.status), 11};
  for (auto& [name, value] : reply.headers) response.set(name, value);
  response.body() = std::move(reply.body);
  response.prepare_payload();
  return response;
}

}  // namespace

AdminHandler::AdminHandler(AdminHooks hooks, server::Metrics& metrics)
    : hooks_(std::move(hooks)), metrics_(metrics) {}

void AdminHandler::handle(server::Request request, server::Respond respond) {
  const auto role = request.peer.role;
  if (role == server::PeerRole::agency) {
    respond(refusal("forbidden", "the admin listener takes admin and auditor certificates only"));
    return;
  }
  const std::string_view target = request.http.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = request.http.method();
  auto wrong_method = [&](http::verb allowed) {
    respond(method_not_allowed(request.http, path, allowed));
  };
  if (auto refused = refuse_admin_post(request, path)) return respond(std::move(*refused));

  // Blocking work leaves the io thread: reload reads and validates every agreement file,
  // audit queries read up to a page of the log.
  auto off_thread = [this](std::function<void()> work) {
    if (hooks_.offload) {
      hooks_.offload(std::move(work));
    } else {
      work();
    }
  };

  if (hooks_.console.enabled && console::is_console_path(path)) {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    auto serve = [this, path = std::string(path),
                  if_none_match = std::string(request.http[http::field::if_none_match]),
                  respond = std::move(respond)] {
      auto reply = console::console_reply(hooks_.console, path, if_none_match);
      respond(reply.ok() ? console_response(std::move(*reply)) : refusal(reply.error()));
    };
    // Development mode reads the file from disk: not on an io thread.
    if (hooks_.console.dir.empty()) return serve();
    return off_thread(std::move(serve));
  }

  if (path.starts_with(kAuditPathPrefix)) {
    auto held = std::make_shared<server::Request>(std::move(request));
    off_thread([this, held, respond = std::move(respond)]() mutable {
      const std::string_view target = held->http.target();
      handle_audit_route(*held, target.substr(0, target.find('?')), hooks_, std::move(respond));
    });
  } else if (path.starts_with(kCompliancePathPrefix)) {
    auto held = std::make_shared<server::Request>(std::move(request));
    off_thread([this, held, respond = std::move(respond)]() mutable {
      const std::string_view target = held->http.target();
      handle_compliance_route(*held, target.substr(0, target.find('?')), hooks_,
                              std::move(respond));
    });
  } else if (is_governance_path(path)) {
    // Verifying, writing the file and the reload it runs: off the io thread.
    auto held = std::make_shared<server::Request>(std::move(request));
    off_thread([this, held, respond = std::move(respond)]() mutable {
      const std::string_view target = held->http.target();
      handle_governance_route(*held, target.substr(0, target.find('?')), hooks_,
                              std::move(respond));
    });
  } else if (is_console_api_path(path)) {
    // The agreement set's lock and the spool's queue query: off the io thread.
    auto held = std::make_shared<server::Request>(std::move(request));
    off_thread([this, held, respond = std::move(respond)]() mutable {
      const std::string_view target = held->http.target();
      handle_console_api_route(*held, target.substr(0, target.find('?')), hooks_,
                               std::move(respond));
    });
  } else if (path == kDlqPath || path.starts_with(std::string(kDlqPath) + "/")) {
    handle_dlq_route(request, path, hooks_, std::move(respond));
  } else if (path == kReloadPath) {
    if (method != http::verb::post) return wrong_method(http::verb::post);
    if (role != server::PeerRole::admin) {
      respond(refusal("forbidden", "reloading agreements needs an admin certificate"));
      return;
    }
    off_thread([this, peer = request.peer, respond = std::move(respond)]() mutable {
      auto report = hooks_.reload();
      // The reload's own records (admin.agreements_loaded, admin.key_registered) say what
      // changed; this one says who asked, whatever the outcome.
      audit::Event action = actor_event(audit::kind::kAdminAction, peer, admin_now_ms(hooks_));
      action.details.emplace_back("action", "agreements.reload");
      if (!report.ok()) {
        spdlog::error("reload by {} refused: {}", peer.id, report.error().message);
        action.code = report.error().code;
        record_admin_action(hooks_, std::move(action),
                            [respond = std::move(respond), error = report.error()] {
                              respond(reload_refusal(error));
                            });
        return;
      }
      spdlog::info("reload by {}: {} -> {} ({} agreements{})", peer.id, report->old_hash,
                   report->new_hash, report->agreements, report->changed() ? "" : ", unchanged");
      action.details.emplace_back("old_hash", report->old_hash);
      action.details.emplace_back("new_hash", report->new_hash);
      json body = {{"status", "reloaded"},
                   {"changed", report->changed()},
                   {"old_hash", report->old_hash},
                   {"new_hash", report->new_hash},
                   {"agreements", report->agreements},
                   {"tls_reloaded", report->tls_reloaded},
                   {"held", report->held}};
      if (report->crl_next_update != 0) {
        body["crl_next_update"] = format_time_ms(report->crl_next_update * 1000);
      }
      record_admin_action(hooks_, std::move(action),
                          [respond = std::move(respond), body = body.dump()] {
                            respond(make_response(200, body));
                          });
    });
  } else if (path == kDryRunPath) {
    if (method != http::verb::post) return wrong_method(http::verb::post);
    // Reads the audit log's decisions of the window: not on an io thread.
    auto held = std::make_shared<server::Request>(std::move(request));
    off_thread([this, held, respond = std::move(respond)]() mutable {
      handle_dry_run(*held, hooks_, std::move(respond));
    });
  } else if (path == kRetentionPurgePath) {
    if (method != http::verb::post) return wrong_method(http::verb::post);
    if (role != server::PeerRole::admin) {
      respond(refusal("forbidden", "purging needs an admin certificate"));
      return;
    }
    if (!hooks_.retention_purge) {
      respond(refusal("storage_unavailable", "this gateway has no spool hooks"));
      return;
    }
    // The purge's own retention.purged records say what went; this one says who asked.
    audit::Event action =
        actor_event(audit::kind::kAdminAction, request.peer, admin_now_ms(hooks_));
    action.details.emplace_back("action", "retention.purge");
    hooks_.retention_purge(
        request.peer.id, [hooks = hooks_, action = std::move(action), respond = std::move(respond)](
                             Result<RetentionPurgeReport> result) mutable {
          if (!result.ok()) {
            action.code = result.error().code;
            return record_admin_action(hooks, std::move(action),
                                       [respond = std::move(respond), error = result.error()] {
                                         respond(refusal(error));
                                       });
          }
          const RetentionPurgeReport& r = result.value();
          action.details.emplace_back("purged", std::to_string(r.purged));
          action.details.emplace_back("extracts_deleted", std::to_string(r.extracts_deleted));
          json by_recipient = json::object();
          for (const auto& [recipient, n] : r.purged_by_recipient) by_recipient[recipient] = n;
          const json body = {{"purged", r.purged},
                             {"purged_by_recipient", std::move(by_recipient)},
                             {"batches", r.batches},
                             {"extracts_deleted", r.extracts_deleted}};
          record_admin_action(hooks, std::move(action),
                              [respond = std::move(respond), body = body.dump()] {
                                respond(make_response(200, body));
                              });
        });
  } else if (path == "/v1/admin/agreements") {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    // Waits for a reload in progress (it holds the set's lock): not on an io thread either.
    off_thread([this, respond = std::move(respond)] {
      respond(make_response(200, hooks_.describe_agreements()));
    });
  } else if (path == "/healthz") {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    if (hooks_.storage_unavailable) {
      if (auto error = hooks_.storage_unavailable()) {
        auto body = error_json(*error);
        body["status"] = "unavailable";
        respond(refusal(*error, body));
        return;
      }
    }
    respond(make_response(200, R"({"status":"ok"})"));
  } else if (path == "/metrics") {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    respond(make_response(200, metrics_.render(), "text/plain; version=0.0.4"));
  } else {
    respond(refusal("not_found", "no such endpoint: " + std::string(path), "target"));
  }
}

}  // namespace accord::api
