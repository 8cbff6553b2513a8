// The web console over the real admin listener (mutual TLS on loopback, the gateway in this
// process): admin and auditor certificates get the embedded page and its scripts with the
// security headers, an agency certificate 403, and the agency listener has no console;
// admin_listen.console_dir serves a directory's files as they are now, console: false turns
// the console off, and a console_dir that is no directory stops the gateway from starting.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
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

// write_config's admin_listen with `keys` added (e.g. "console: false").
std::string config_with_admin_keys(const TempDir& dir, const std::string& keys) {
  const std::string path = write_config(dir);
  std::string text = read_text(path);
  const std::string admin = "admin_listen: {address: 127.0.0.1, port: 0";
  const auto at = text.find(admin);
  if (at == std::string::npos) throw std::runtime_error("no admin_listen in " + path);
  text.insert(at + admin.size(), ", " + keys);
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

client::HttpResult get_from(InProcessGateway& gateway, const std::string& target) {
  auto result = make_client("auditor", gateway.admin_port())->request(verb::get, target);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : client::HttpResult{};
}

TEST(ConsoleConfig, ConsoleDirServesTheFilesAsTheyAreNow) {
  TempDir dir;
  TempDir files("accord-console-dev-");
  std::ofstream(files.file("index.html")) << "<!doctype html><title>first</title>";
  InProcessGateway gateway(config_with_admin_keys(dir, "console_dir: " + files.path()));
  const auto first = get_from(gateway, "/console/");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.body, "<!doctype html><title>first</title>");
  EXPECT_EQ(first.headers.at("x-frame-options"), "DENY");
  std::ofstream(files.file("index.html"), std::ios::trunc)
      << "<!doctype html><title>edited</title>";
  const auto edited = get_from(gateway, "/console/");
  EXPECT_EQ(edited.body, "<!doctype html><title>edited</title>");
  EXPECT_NE(edited.headers.at("etag"), first.headers.at("etag"));
  // The embedded files are not served in this mode.
  EXPECT_EQ(get_from(gateway, "/console/app.js").status, 404u);
}

TEST(ConsoleConfig, ConsoleFalseTurnsItOff) {
  TempDir dir;
  InProcessGateway gateway(config_with_admin_keys(dir, "console: false"));
  for (const char* target : {"/", "/console/", "/console/app.js"}) {
    const auto off = get_from(gateway, target);
    EXPECT_EQ(off.status, 404u) << target;
    EXPECT_EQ(nlohmann::json::parse(off.body)["error"]["code"], "not_found");
  }
  EXPECT_EQ(get_from(gateway, "/v1/admin/whoami").status, 200u);  // the API is still there
}

TEST(ConsoleConfig, AConsoleDirThatIsNoDirectoryIsRefusedAtStart) {
  TempDir dir;
  const std::string missing = dir.file("no-such-console");
  try {
    InProcessGateway gateway(config_with_admin_keys(dir, "console_dir: " + missing));
    FAIL() << "the gateway started with console_dir " << missing;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("admin_listen.console_dir " + missing + " is not a directory"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace accord::test
