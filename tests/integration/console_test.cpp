// The web console over the real admin listener (mutual TLS on loopback, the gateway in this
// process, its embedded files): admin and auditor certificates get the page and its scripts
// with the security headers, an agency certificate 403, and the agency listener has no console.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;

class ConsoleTest : public ::testing::Test {
 protected:
  ConsoleTest() : gateway_(write_config(dir_)) {}

  client::HttpResult get(const std::string& who, std::uint16_t port, const std::string& target) {
    auto client = make_client(who, port);
    auto result = client->request(verb::get, target);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  TempDir dir_;
  InProcessGateway gateway_;
};

TEST_F(ConsoleTest, AdminAndAuditorGetThePageAgenciesGet403) {
  ASSERT_NE(gateway_.admin_port(), 0);
  for (const char* who : {"admin", "auditor"}) {
    const auto root = get(who, gateway_.admin_port(), "/");
    EXPECT_EQ(root.status, 302u) << who;
    EXPECT_EQ(root.headers.at("location"), "/console/");

    const auto page = get(who, gateway_.admin_port(), "/console/");
    ASSERT_EQ(page.status, 200u) << who << ": " << page.body;
    EXPECT_EQ(page.headers.at("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<script type=\"module\" src=\"app.js\"></script>"),
              std::string::npos);
    EXPECT_EQ(page.headers.at("x-frame-options"), "DENY");
    EXPECT_EQ(page.headers.at("x-content-type-options"), "nosniff");
    EXPECT_EQ(page.headers.at("referrer-policy"), "no-referrer");
    EXPECT_EQ(page.headers.at("cache-control"), "no-cache");
    EXPECT_TRUE(page.headers.at("content-security-policy").starts_with("default-src 'self';"));
    EXPECT_EQ(page.headers.at("etag").size(), 66u);

    const auto script = get(who, gateway_.admin_port(), "/console/app.js");
    EXPECT_EQ(script.status, 200u);
    EXPECT_EQ(script.headers.at("content-type"), "text/javascript; charset=utf-8");

    const auto missing = get(who, gateway_.admin_port(), "/console/nope.js");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(nlohmann::json::parse(missing.body)["error"]["code"], "not_found");
    const auto escaped = get(who, gateway_.admin_port(), "/console/%2e%2e/gateway.yaml");
    EXPECT_EQ(escaped.status, 400u);
  }
  const auto refused = get("police.met", gateway_.admin_port(), "/console/");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(nlohmann::json::parse(refused.body)["error"]["code"], "forbidden");
  // The agency listener serves no console, whoever asks.
  EXPECT_EQ(get("police.met", gateway_.port(), "/console/").status, 404u);
}

}  // namespace
}  // namespace accord::test
