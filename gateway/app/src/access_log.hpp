// log.access (docs/operations.md, "Logs"): one line per answered HTTP request, through the
// access logger in the log's format: listener, peer, method, path (never the query), status,
// bytes, duration_ms. Never a header or a body value.
#pragma once

#include <functional>
#include <string>

#include "accord/server/http_server.hpp"

namespace accord::app {

// The ServerOptions::on_access (and HealthOptions::on_access) hook of one listener
// ("agency", "admin" or "health").
std::function<void(const server::AccessRecord&)> access_log(std::string listener);

}  // namespace accord::app
