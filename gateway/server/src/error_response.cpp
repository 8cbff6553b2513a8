#include "error_response.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "accord/core/error_codes.hpp"

namespace accord::server {

HttpResponse error_response(std::string_view code, std::string_view message) {
  HttpResponse res{static_cast<http::status>(http_status_for(code)), 11};
  res.set(http::field::content_type, "application/json");
  nlohmann::json body = {
      {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  res.body() = body.dump();
  return res;
}

}  // namespace accord::server
