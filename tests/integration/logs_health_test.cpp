// docs/operations.md "Logs" and "Health checks" through the real accord-gateway binary:
// every line of its log in the configured format, one access line per request on each
// listener with the path and never the query string, and the plain-HTTP health listener
// without a certificate. (/readyz while the storage is really unavailable: pg_gateway_test.)
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "accord/testing/plain_http.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

// The sample config with `log` replaced (write_config writes `log: {level: warn}`).
std::string config_with_log(const TempDir& dir, const std::string& log_yaml,
                            const std::string& extra_yaml) {
  const std::string path = write_config(dir, extra_yaml);
  std::string text = read_text(path);
  const std::string harness_log = "log: {level: warn}\n";
  const auto at = text.find(harness_log);
  if (at == std::string::npos) throw std::runtime_error("harness config has no log line");
  text.replace(at, harness_log.size(), log_yaml);
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The facts of an access line, whichever the format: {"listener": ..., "status": "202", ...}.
using Facts = std::map<std::string, std::string>;

std::vector<Facts> access_lines(const std::vector<std::string>& lines, bool json_format) {
  std::vector<Facts> out;
  for (const auto& line : lines) {
    Facts facts;
    if (json_format) {
      const auto object = json::parse(line, nullptr, false);
      if (!object.is_object() || object.value("message", "") != "access") continue;
      for (const auto& [name, value] : object.items()) {
        facts[name] = value.is_string() ? value.get<std::string>() : value.dump();
      }
    } else {
      const std::string marker = "[access] [info] access ";
      const auto at = line.find(marker);
      if (at == std::string::npos) continue;
      std::istringstream pairs(line.substr(at + marker.size()));
      for (std::string pair; pairs >> pair;) {
        const auto eq = pair.find('=');
        if (eq != std::string::npos) facts[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
    }
    out.push_back(std::move(facts));
  }
  return out;
}

// How many access lines have every fact of `want`.
int count_matching(const std::vector<Facts>& lines, const Facts& want) {
  int n = 0;
  for (const auto& facts : lines) {
    bool all = true;
    for (const auto& [name, value] : want) {
      const auto it = facts.find(name);
      all = all && it != facts.end() && it->second == value;
    }
    n += all ? 1 : 0;
  }
  return n;
}

struct LogRow {
  const char* name;
  const char* log_yaml;
  bool json_format;
  bool access;
  bool health;
};

class LogsThroughTheBinary : public ::testing::TestWithParam<LogRow> {};

TEST_P(LogsThroughTheBinary, EveryLineInItsFormatAndOneAccessLinePerRequest) {
  const auto& row = GetParam();
  TempDir dir;
  GatewayProcess gateway(
      config_with_log(dir, row.log_yaml, row.health ? "health_listen: {port: 0}\n" : ""));
  const std::string log_file = dir.file("gateway.log");
  gateway.log_to(log_file);
  ASSERT_TRUE(gateway.start()) << read_text(log_file);
  ASSERT_NE(gateway.admin_port(), 0);
  // --ready-file names the health port exactly when the health listener is on.
  ASSERT_EQ(gateway.health_port() != 0, row.health);

  auto police = make_client("police.met", gateway.port());
  const auto submitted = police->request(
      verb::post, "/v1/messages", read_source_file("tests/data/integration/suspect_arrested.json"));
  ASSERT_TRUE(submitted.ok()) << submitted.error().message;
  ASSERT_EQ(submitted.value().status, 202u) << submitted.value().body;
  const auto inbox = make_client("wcu.met", gateway.port())
                         ->request(verb::get, "/v1/inbox?max=1&subject_ref=SECRET-IN-QUERY-1");
  ASSERT_TRUE(inbox.ok()) << inbox.error().message;
  const auto audit =
      make_client("auditor", gateway.admin_port())
          ->request(verb::get, "/v1/admin/audit/records?subject_ref=SECRET-IN-QUERY-2");
  ASSERT_TRUE(audit.ok()) << audit.error().message;
  unsigned livez = 0, post_readyz = 0;
  if (row.health) {
    livez = testing::plain_request(gateway.health_port(), "GET", "/livez?probe=SECRET-IN-QUERY-3")
                .status;
    EXPECT_EQ(livez, 200u);
    post_readyz = testing::plain_request(gateway.health_port(), "POST", "/readyz").status;
    EXPECT_EQ(post_readyz, 405u);
  }
  ASSERT_EQ(gateway.terminate(), 0);

  const std::string log = read_text(log_file);
  const auto lines = lines_of(log);
  ASSERT_FALSE(lines.empty());
  static const std::regex kTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  static const std::regex kTextLine(
      R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[\w+\] \[\w+\] .*)");
  for (const auto& line : lines) {
    if (row.json_format) {
      const auto object = json::parse(line, nullptr, false);
      ASSERT_TRUE(object.is_object()) << "not one JSON object: " << line;
      ASSERT_TRUE(object["time"].is_string()) << line;
      EXPECT_TRUE(std::regex_match(object["time"].get<std::string>(), kTime)) << line;
      EXPECT_TRUE(object["level"].is_string()) << line;
      EXPECT_TRUE(object["message"].is_string()) << line;
    } else {
      EXPECT_TRUE(std::regex_match(line, kTextLine)) << "not a text line: " << line;
    }
  }
  // The gateway's own lines at info are there (log.level info), e.g. its listeners.
  EXPECT_NE(log.find("admin listener on"), std::string::npos) << log;

  const auto access = access_lines(lines, row.json_format);
  if (!row.access) {
    EXPECT_TRUE(access.empty()) << log;
  } else {
    EXPECT_EQ(count_matching(access, {{"listener", "agency"},
                                      {"peer", "police.met"},
                                      {"method", "POST"},
                                      {"path", "/v1/messages"},
                                      {"status", "202"},
                                      {"bytes", std::to_string(submitted.value().body.size())}}),
              1)
        << log;
    EXPECT_EQ(count_matching(access, {{"listener", "agency"},
                                      {"peer", "wcu.met"},
                                      {"method", "GET"},
                                      {"path", "/v1/inbox"},
                                      {"status", std::to_string(inbox.value().status)}}),
              1)
        << log;
    EXPECT_EQ(count_matching(access, {{"listener", "admin"},
                                      {"peer", "auditor"},
                                      {"method", "GET"},
                                      {"path", "/v1/admin/audit/records"},
                                      {"status", std::to_string(audit.value().status)}}),
              1)
        << log;
    if (row.health) {
      EXPECT_EQ(count_matching(access, {{"listener", "health"},
                                        {"peer", "-"},
                                        {"method", "GET"},
                                        {"path", "/livez"},
                                        {"status", "200"}}),
                1)
          << log;
      EXPECT_EQ(
          count_matching(
              access,
              {{"listener", "health"}, {"method", "POST"}, {"path", "/readyz"}, {"status", "405"}}),
          1)
          << log;
    }
    for (const auto& facts : access) {
      EXPECT_TRUE(facts.count("duration_ms")) << log;
      EXPECT_EQ(facts.size(), row.json_format ? 10u : 7u) << "exactly the documented facts";
    }
  }
  // Never a query string, a field value of the envelope or a header value.
  for (const char* never :
       {"SECRET", "07700 900123", "1987-03-14", "Southwark custody", "application/json"}) {
    EXPECT_EQ(log.find(never), std::string::npos) << never << " is in the log:\n" << log;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, LogsThroughTheBinary,
    ::testing::Values(LogRow{"json_with_access", "log: {level: info, format: json, access: true}\n",
                             true, true, true},
                      LogRow{"text_with_access", "log: {level: info, access: true}\n", false, true,
                             true},
                      // The defaults: text, no access log; no health listener unless configured.
                      LogRow{"text_without_access", "log: {level: info}\n", false, false, false}),
    [](const auto& info) { return std::string(info.param.name); });

// The health listener in process: plain HTTP, no certificate, beside the TLS listeners.
TEST(HealthListener, LivezAndReadyzWithoutACertificate) {
  TempDir dir;
  InProcessGateway gateway(write_config(dir, "health_listen: {address: 127.0.0.1, port: 0}\n"));
  const auto port = gateway.gateway().health_port();
  ASSERT_NE(port, 0);
  ASSERT_NE(port, gateway.port());
  ASSERT_NE(port, gateway.admin_port());
  const auto live = testing::plain_request(port, "GET", "/livez");
  ASSERT_TRUE(live.ok) << live.error;
  EXPECT_EQ(live.status, 200u);
  EXPECT_EQ(json::parse(live.body), json::object({{"status", "alive"}}));
  const auto ready = testing::plain_request(port, "GET", "/readyz");
  ASSERT_TRUE(ready.ok) << ready.error;
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(json::parse(ready.body), json::object({{"status", "ready"}}));
  EXPECT_EQ(testing::plain_request(port, "GET", "/healthz").status, 404u);
  EXPECT_EQ(testing::plain_request(port, "HEAD", "/livez").status, 405u);
  // The TLS listeners are unchanged: /healthz still wants a certificate there.
  const auto healthz = make_client("police.met", gateway.port())->request(verb::get, "/healthz");
  ASSERT_TRUE(healthz.ok()) << healthz.error().message;
  EXPECT_EQ(healthz.value().status, 200u);
  // A TLS client on the health port gets no TLS: it is plain HTTP only.
  auto tls_client = client::HttpsClient::create(client_options("police.met", port));
  if (tls_client.ok()) {
    EXPECT_FALSE(tls_client.value()->request(verb::get, "/livez").ok());
  }
  // Stopping the gateway stops the probes first.
  gateway.stop();
  EXPECT_FALSE(testing::plain_request(port, "GET", "/livez", std::chrono::seconds(5)).ok);
}

// A fixed health port another process holds: the start fails (bind), like any listener's.
TEST(HealthListener, APortInUseIsABindErrorAtStart) {
  TempDir first_dir;
  InProcessGateway first(write_config(first_dir, "health_listen: {port: 0}\n"));
  TempDir dir;
  const auto config = app::load_config(write_config(
      dir, "health_listen: {port: " + std::to_string(first.gateway().health_port()) + "}\n"));
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto gateway = app::Gateway::create(config.value());
  ASSERT_TRUE(gateway.ok()) << gateway.error().message;
  const auto started = gateway.value()->start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, "bind") << started.error().message;
  gateway.value()->stop();
}

}  // namespace
}  // namespace accord::test
