// The JSON error body every refusal from the server uses, the same shape the API uses:
//   {"error":{"code":"too_large","message":"..."}}, with the status the one error table gives
// the code (accord/core/error_codes.hpp).
#pragma once

#include <string_view>

#include "accord/server/http_server.hpp"

namespace accord::server {

HttpResponse error_response(std::string_view code, std::string_view message);

}  // namespace accord::server
