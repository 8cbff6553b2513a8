// Building HTTP answers: JSON bodies and the error object every refusal uses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "accord/core/error_codes.hpp"
#include "accord/core/result.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

inline server::HttpResponse make_response(unsigned status, std::string body,
                                          std::string_view content_type = "application/json") {
  server::HttpResponse response{static_cast<server::http::status>(status), 11};
  response.set(server::http::field::content_type, content_type);
  response.set(server::http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

inline nlohmann::json error_json(const Error& error) {
  nlohmann::json inner = {{"code", error.code}, {"message", error.message}};
  inner["path"] = error.path;
  return nlohmann::json{{"error", std::move(inner)}};
}

// With an explicit status: only for refusal() and the two rules by route below. Every other
// answer takes its status from the table, through refusal().
inline server::HttpResponse error_response(unsigned status, const Error& error) {
  // Replace, never throw, on any invalid UTF-8 that reached a message.
  return make_response(
      status, error_json(error).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// A refusal answered as the one error table says (accord/core/error_codes.hpp): its status and,
// for the transient codes, its Retry-After (rate_limited sets its own wait). `body` is the
// error object, with details where the route adds them.
inline server::HttpResponse refusal(const Error& error, const nlohmann::json& body) {
  auto response =
      make_response(http_status_for(error.code),
                    body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (const int seconds = error_code_info(error.code).retry_after_seconds; seconds > 0) {
    response.set(server::http::field::retry_after, std::to_string(seconds));
  }
  return response;
}

inline server::HttpResponse refusal(const Error& error) {
  return refusal(error, error_json(error));
}

inline server::HttpResponse refusal(std::string code, std::string message, std::string path = {}) {
  return refusal(make_error(std::move(code), std::move(message), std::move(path)));
}

// The two rules by route (docs/errors.md): a JSON request body that is not an envelope is
// refused 400 whatever the parser's code; a refused agreement reload is 422 whatever the
// loader's code.
inline server::HttpResponse body_refusal(const Error& error) {
  return error_response(kRequestBodyRefusedStatus, error);
}
inline server::HttpResponse reload_refusal(const Error& error) {
  return error_response(kReloadRefusedStatus, error);
}

// 405 with the Allow header naming the one method the path takes.
inline server::HttpResponse method_not_allowed(const server::HttpRequest& request,
                                               std::string_view path, server::http::verb allowed) {
  auto response = refusal("method_not_allowed", std::string(request.method_string()) +
                                                    " is not allowed on " + std::string(path));
  response.set(server::http::field::allow, server::http::to_string(allowed));
  return response;
}

}  // namespace accord::api
