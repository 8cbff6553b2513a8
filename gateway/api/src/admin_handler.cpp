#include "accord/api/admin_handler.hpp"

#include <spdlog/spdlog.h>

#include "accord/core/time_format.hpp"
#include "audit_routes.hpp"
#include "dlq_routes.hpp"
#include "responses.hpp"

namespace accord::api {
namespace http = server::http;
using nlohmann::json;

AdminHandler::AdminHandler(AdminHooks hooks, server::Metrics& metrics)
    : hooks_(std::move(hooks)), metrics_(metrics) {}

void AdminHandler::handle(server::Request request, server::Respond respond) {
  const auto role = request.peer.role;
  if (role == server::PeerRole::agency) {
    respond(error_response(403, "forbidden",
                           "the admin listener takes admin and auditor certificates only"));
    return;
  }
  const std::string_view target = request.http.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = request.http.method();
  auto wrong_method = [&](http::verb allowed) {
    respond(method_not_allowed(request.http, path, allowed));
  };

  // Blocking work leaves the io thread: reload reads and validates every agreement file,
  // audit queries read up to a page of the log.
  auto off_thread = [this](std::function<void()> work) {
    if (hooks_.offload) {
      hooks_.offload(std::move(work));
    } else {
      work();
    }
  };

  if (path.starts_with(kAuditPathPrefix)) {
    auto held = std::make_shared<server::Request>(std::move(request));
    off_thread([this, held, respond = std::move(respond)]() mutable {
      const std::string_view target = held->http.target();
      handle_audit_route(*held, target.substr(0, target.find('?')), hooks_, std::move(respond));
    });
  } else if (path == kDlqPath || path.starts_with(std::string(kDlqPath) + "/")) {
    handle_dlq_route(request, path, hooks_, std::move(respond));
  } else if (path == "/v1/admin/agreements/reload") {
    if (method != http::verb::post) return wrong_method(http::verb::post);
    if (role != server::PeerRole::admin) {
      respond(error_response(403, "forbidden", "reloading agreements needs an admin certificate"));
      return;
    }
    off_thread([this, who = request.peer.id, respond = std::move(respond)] {
      auto report = hooks_.reload();
      if (!report.ok()) {
        spdlog::error("reload by {} refused: {}", who, report.error().message);
        respond(error_response(422, report.error()));
        return;
      }
      spdlog::info("reload by {}: {} -> {} ({} agreements{})", who, report->old_hash,
                   report->new_hash, report->agreements, report->changed() ? "" : ", unchanged");
      json body = {{"status", "reloaded"},
                   {"changed", report->changed()},
                   {"old_hash", report->old_hash},
                   {"new_hash", report->new_hash},
                   {"agreements", report->agreements},
                   {"tls_reloaded", report->tls_reloaded}};
      if (report->crl_next_update != 0) {
        body["crl_next_update"] = format_time_ms(report->crl_next_update * 1000);
      }
      respond(make_response(200, body.dump()));
    });
  } else if (path == "/v1/admin/agreements") {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    // Waits for a reload in progress (it holds the set's lock): not on an io thread either.
    off_thread([this, respond = std::move(respond)] {
      respond(make_response(200, hooks_.describe_agreements()));
    });
  } else if (path == "/healthz") {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    respond(make_response(200, R"({"status":"ok"})"));
  } else if (path == "/metrics") {
    if (method != http::verb::get) return wrong_method(http::verb::get);
    respond(make_response(200, metrics_.render(), "text/plain; version=0.0.4"));
  } else {
    respond(error_response(404, "not_found", "no such endpoint: " + std::string(path), "target"));
  }
}

}  // namespace accord::api
