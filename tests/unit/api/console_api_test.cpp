// The console's read-only admin endpoints (gateway/api/src/console_api_routes.hpp) through the
// real AdminHandler with hooks that answer fixed data: who may call each, the JSON shapes the
// console reads, 405 for other methods, 400 with a path for a malformed query.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "accord/api/admin_handler.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
namespace http = server::http;
using server::PeerRole;

server::HttpResponse call(const AdminHooks& hooks, PeerRole role, http::verb method,
                          const std::string& target) {
  server::Metrics metrics;
  AdminHandler handler(hooks, metrics);
  server::Request request;
  request.http = server::HttpRequest{method, target, 11};
  request.http.prepare_payload();
  request.peer.role = role;
  request.peer.id = role == PeerRole::auditor ? "dpo" : "ops-1";
  request.peer.subject = "CN=" + request.peer.id + ",O=Accord Test";
  std::optional<server::HttpResponse> answer;
  handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
  EXPECT_TRUE(answer.has_value()) << target;
  return answer ? *answer : server::HttpResponse{};
}

json body_of(const server::HttpResponse& response) {
  return json::parse(response.body(), nullptr, false);
}

struct RoleRow {
  std::string name;
  PeerRole role;
  http::verb method;
  std::string target;
  unsigned status;
  std::string code;  // error.code when an error; empty: 200
  std::string path;  // error.path when an error
};

void PrintTo(const RoleRow& row, std::ostream* os) {
  *os << row.name;
}

class ConsoleApiRoles : public ::testing::TestWithParam<RoleRow> {};

TEST_P(ConsoleApiRoles, Answers) {
  const auto& row = GetParam();
  const auto r = call(AdminHooks{}, row.role, row.method, row.target);
  EXPECT_EQ(r.result_int(), row.status) << r.body();
  const auto body = body_of(r);
  ASSERT_TRUE(body.is_object()) << r.body();
  if (row.code.empty()) return;
  EXPECT_EQ(body["error"]["code"], row.code) << r.body();
  EXPECT_EQ(body["error"]["path"], row.path) << r.body();
  if (row.status == 405) {
    EXPECT_EQ(r[http::field::allow], "GET");
  }
}

constexpr auto kGet = http::verb::get;
constexpr auto kPost = http::verb::post;
constexpr auto kDelete = http::verb::delete_;

INSTANTIATE_TEST_SUITE_P(
    Whoami, ConsoleApiRoles,
    ::testing::Values(
        RoleRow{"admin", PeerRole::admin, kGet, "/v1/admin/whoami", 200, "", ""},
        RoleRow{"auditor", PeerRole::auditor, kGet, "/v1/admin/whoami", 200, "", ""},
        RoleRow{"with_a_query", PeerRole::auditor, kGet, "/v1/admin/whoami?x=1", 200, "", ""},
        RoleRow{"agency_is_403", PeerRole::agency, kGet, "/v1/admin/whoami", 403, "forbidden", ""},
        RoleRow{"post_is_405", PeerRole::admin, kPost, "/v1/admin/whoami", 405,
                "method_not_allowed", ""},
        RoleRow{"delete_is_405", PeerRole::auditor, kDelete, "/v1/admin/whoami", 405,
                "method_not_allowed", ""},
        RoleRow{"a_subpath_is_404", PeerRole::admin, kGet, "/v1/admin/whoami/x", 404, "not_found",
                "target"}),
    [](const auto& info) { return info.param.name; });

TEST(ConsoleApiWhoami, NamesTheCertificate) {
  for (const PeerRole role : {PeerRole::admin, PeerRole::auditor}) {
    const auto r = call(AdminHooks{}, role, kGet, "/v1/admin/whoami");
    ASSERT_EQ(r.result_int(), 200u);
    const std::string id = role == PeerRole::auditor ? "dpo" : "ops-1";
    EXPECT_EQ(body_of(r), (json{{"id", id},
                                {"role", role == PeerRole::auditor ? "auditor" : "admin"},
                                {"subject", "CN=" + id + ",O=Accord Test"}}));
    EXPECT_EQ(r[http::field::content_type], "application/json");
  }
}

}  // namespace
}  // namespace accord::api
