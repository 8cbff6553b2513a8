// Serving the web console from the admin listener (docs/console.md, "Serving"):
//   GET /                  302 to /console/
//   GET /console           302 to /console/
//   GET /console/          index.html
//   GET /console/<name>    the file, with the security headers, an ETag and 304 on a match
// The files are the embedded ones, or (ConsoleOptions::dir, development) read from disk on
// every request. Methods are the caller's business (it answers 405 for all but GET).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::console {

struct ConsoleOptions {
  bool enabled = true;  // admin_listen.console
  std::string dir;      // admin_listen.console_dir: serve from here; empty: the embedded files
};

struct ConsoleReply {
  unsigned status = 200;  // 200, 302 or 304
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// "/", "/console" and everything under "/console/": the paths console_reply answers.
bool is_console_path(std::string_view path);

// The answer to a GET of `path` (no query string), `if_none_match` the request's header ("" if
// none). Errors: not_found (console off, unknown file), invalid_request (a name outside the
// alphabet, asset_name.hpp), internal (a console_dir file unreadable).
Result<ConsoleReply> console_reply(const ConsoleOptions& options, std::string_view path,
                                   std::string_view if_none_match);

// The headers every console file carries (Content-Security-Policy and friends), in order.
const std::vector<std::pair<std::string, std::string>>& security_headers();

}  // namespace accord::console
