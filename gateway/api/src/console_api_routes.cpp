#include "console_api_routes.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "responses.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using nlohmann::json;

void whoami(const server::Request& request, server::Respond respond) {
  const json body = {{"id", request.peer.id},
                     {"role", std::string(server::role_name(request.peer.role))},
                     {"subject", request.peer.subject}};
  respond(make_response(200, body.dump(-1, ' ', false, json::error_handler_t::replace)));
}

}  // namespace

bool is_console_api_path(std::string_view path) {
  return path == kWhoamiPath;
}

void handle_console_api_route(const server::Request& request, std::string_view path,
                              const AdminHooks& hooks, server::Respond respond) {
  (void)hooks;
  if (request.http.method() != http::verb::get) {
    return respond(method_not_allowed(request.http, path, http::verb::get));
  }
  if (path == kWhoamiPath) return whoami(request, std::move(respond));
  respond(refusal("not_found", "no such endpoint: " + std::string(path), "target"));
}

}  // namespace accord::api
