// The console through the admin listener's handler: both roles get the files, an agency
// certificate 403 as on every admin path, other methods 405 with Allow: GET, the ETag and 304
// as HTTP, refusals as the JSON error object, and admin_listen.console: false turns it off.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "accord/api/admin_handler.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using server::PeerRole;

server::HttpResponse call(const console::ConsoleOptions& options, PeerRole role, http::verb method,
                          const std::string& target, const std::string& if_none_match = {}) {
  AdminHooks hooks;
  hooks.console = options;
  server::Metrics metrics;
  AdminHandler handler(hooks, metrics);
  server::Request request;
  request.http = server::HttpRequest{method, target, 11};
  if (!if_none_match.empty()) request.http.set(http::field::if_none_match, if_none_match);
  request.peer.role = role;
  request.peer.id = "tester";
  std::optional<server::HttpResponse> answer;
  handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
  EXPECT_TRUE(answer.has_value()) << target;
  return answer ? *answer : server::HttpResponse{};
}

std::string code_of(const server::HttpResponse& response) {
  return nlohmann::json::parse(response.body()).at("error").at("code");
}

TEST(ConsoleRoute, BothRolesGetEveryFileAgenciesGet403) {
  for (const PeerRole role : {PeerRole::admin, PeerRole::auditor}) {
    const auto page = call({}, role, http::verb::get, "/console/");
    EXPECT_EQ(page.result_int(), 200u);
    EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_NE(page.body().find("<main"), std::string::npos);
    EXPECT_EQ(page[http::field::x_frame_options], "DENY");
    EXPECT_FALSE(page["Content-Security-Policy"].empty());
    const auto script = call({}, role, http::verb::get, "/console/app.js?v=1");
    EXPECT_EQ(script.result_int(), 200u);
    EXPECT_EQ(script[http::field::content_type], "text/javascript; charset=utf-8");
    const auto root = call({}, role, http::verb::get, "/");
    EXPECT_EQ(root.result_int(), 302u);
    EXPECT_EQ(root[http::field::location], "/console/");
  }
  for (const char* target : {"/", "/console/", "/console/app.js"}) {
    const auto refused = call({}, PeerRole::agency, http::verb::get, target);
    EXPECT_EQ(refused.result_int(), 403u) << target;
    EXPECT_EQ(code_of(refused), "forbidden");
  }
}

TEST(ConsoleRoute, OtherMethodsAre405) {
  for (const http::verb method :
       {http::verb::post, http::verb::put, http::verb::delete_, http::verb::head}) {
    const auto refused = call({}, PeerRole::admin, method, "/console/app.js");
    EXPECT_EQ(refused.result_int(), 405u);
    EXPECT_EQ(refused[http::field::allow], "GET");
    EXPECT_EQ(code_of(refused), "method_not_allowed");
  }
}

TEST(ConsoleRoute, EtagAnd304) {
  const auto first = call({}, PeerRole::auditor, http::verb::get, "/console/index.html");
  const std::string etag(first[http::field::etag]);
  ASSERT_EQ(etag.size(), 66u);  // 64 hex digits, quoted
  const auto again = call({}, PeerRole::auditor, http::verb::get, "/console/", etag);
  EXPECT_EQ(again.result_int(), 304u);
  EXPECT_TRUE(again.body().empty());
  EXPECT_EQ(again[http::field::etag], etag);
  EXPECT_EQ(again["X-Content-Type-Options"], "nosniff");
}

TEST(ConsoleRoute, RefusalsAreTheJsonErrorObject) {
  const auto unknown = call({}, PeerRole::admin, http::verb::get, "/console/nope.js");
  EXPECT_EQ(unknown.result_int(), 404u);
  EXPECT_EQ(code_of(unknown), "not_found");
  const auto escaped = call({}, PeerRole::admin, http::verb::get, "/console/%2e%2e/x");
  EXPECT_EQ(escaped.result_int(), 400u);
  EXPECT_EQ(code_of(escaped), "invalid_request");
  const auto dotted = call({}, PeerRole::admin, http::verb::get, "/console/../x");
  EXPECT_EQ(dotted.result_int(), 404u);
}

TEST(ConsoleRoute, ConsoleOffIs404ForEveryMethod) {
  console::ConsoleOptions off;
  off.enabled = false;
  for (const char* target : {"/", "/console/", "/console/app.js"}) {
    for (const http::verb method : {http::verb::get, http::verb::post}) {
      const auto refused = call(off, PeerRole::admin, method, target);
      EXPECT_EQ(refused.result_int(), 404u) << target;
      EXPECT_EQ(code_of(refused), "not_found");
    }
  }
}

}  // namespace
}  // namespace accord::api
