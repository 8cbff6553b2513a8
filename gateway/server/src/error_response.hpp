// The JSON error body every refusal from the server uses, the same shape the API uses:
//   {"error":{"code":"too_large","message":"..."}}
#pragma once

#include <string_view>

#include "accord/server/http_server.hpp"

namespace accord::server {

HttpResponse error_response(unsigned status, std::string_view code, std::string_view message);

}  // namespace accord::server
