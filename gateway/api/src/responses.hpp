// Building HTTP answers: JSON bodies and the error object every refusal uses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

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

inline server::HttpResponse error_response(unsigned status, const Error& error) {
  // Replace, never throw, on any invalid UTF-8 that reached a message.
  return make_response(
      status, error_json(error).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

inline server::HttpResponse error_response(unsigned status, std::string code, std::string message,
                                           std::string path = {}) {
  return error_response(status, make_error(std::move(code), std::move(message), std::move(path)));
}

// 405 with the Allow header naming the one method the path takes.
inline server::HttpResponse method_not_allowed(const server::HttpRequest& request,
                                               std::string_view path, server::http::verb allowed) {
  auto response = error_response(
      405, "method_not_allowed",
      std::string(request.method_string()) + " is not allowed on " + std::string(path));
  response.set(server::http::field::allow, server::http::to_string(allowed));
  return response;
}

}  // namespace accord::api
