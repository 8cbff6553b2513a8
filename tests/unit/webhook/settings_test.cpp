#include <gtest/gtest.h>

#include "accord/adapters/webhook.hpp"

namespace accord::adapters {
namespace {

const TlsMaterial kTls{"/pki/ca.pem", "/pki/server.pem", "/pki/server.key"};

TEST(WebhookSettings, Defaults) {
  auto s = parse_webhook_settings(YAML::Load("{type: webhook, url: 'https://receiver.example'}"),
                                  "/etc/accord", kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->host, "receiver.example");
  EXPECT_EQ(s->port, "443");
  EXPECT_EQ(s->target, "/");
  EXPECT_EQ(s->host_header, "receiver.example");
  EXPECT_EQ(s->server_name, "receiver.example");
  EXPECT_EQ(s->ca, "/pki/ca.pem");
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(s->max_in_flight, 8u);
  EXPECT_TRUE(s->keep_alive);
  EXPECT_EQ(s->keep_alive_idle, std::chrono::milliseconds(4000));
  EXPECT_TRUE(s->headers.empty());
}

TEST(WebhookSettings, EverySetting) {
  auto s = parse_webhook_settings(YAML::Load(R"(
type: webhook
url: https://10.0.0.5:9443/accord/inbox?tenant=a%20b
timeout_ms: 2500
max_in_flight: 16
keep_alive: false
keep_alive_idle_ms: 900
server_name: inbox.lvws.example
ca: certs/lvws-ca.pem
headers: {X-Tenant: lvws, Authorization: Bearer abc}
)"),
                                  "/etc/accord", kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->host, "10.0.0.5");
  EXPECT_EQ(s->port, "9443");
  EXPECT_EQ(s->target, "/accord/inbox?tenant=a%20b");
  EXPECT_EQ(s->host_header, "10.0.0.5:9443");
  EXPECT_EQ(s->server_name, "inbox.lvws.example");
  EXPECT_EQ(s->ca, "/etc/accord/certs/lvws-ca.pem");
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s->max_in_flight, 16u);
  EXPECT_FALSE(s->keep_alive);
  EXPECT_EQ(s->keep_alive_idle, std::chrono::milliseconds(900));
  EXPECT_EQ(s->headers, (std::vector<std::pair<std::string, std::string>>{
                            {"X-Tenant", "lvws"}, {"Authorization", "Bearer abc"}}));
}

struct BadRow {
  const char* name;
  std::string yaml;
  std::string path;
  std::string message;
};

class WebhookSettingsRefused : public ::testing::TestWithParam<BadRow> {};

TEST_P(WebhookSettingsRefused, WithLineAndColumn) {
  auto s = parse_webhook_settings(YAML::Load(GetParam().yaml), "", kTls);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_config");
  EXPECT_EQ(s.error().path, GetParam().path);
  EXPECT_NE(s.error().message.find(GetParam().message), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, WebhookSettingsRefused,
    ::testing::Values(
        BadRow{"unknown_key", "type: webhook\nurl: https://a.example\nretries: 3\n", "3:1",
               "unknown key 'retries'"},
        BadRow{"no_url", "type: webhook\n", "1:1", "needs url"},
        BadRow{"plain_http", "type: webhook\nurl: http://a.example/\n", "2:6", "https"},
        BadRow{"not_a_url", "type: webhook\nurl: 'not a url'\n", "2:6", "not an absolute URL"},
        BadRow{"userinfo", "url: https://u:p@a.example/\n", "1:6", "user information"},
        BadRow{"fragment", "url: https://a.example/#x\n", "1:6", "fragment"},
        BadRow{"port_zero", "url: https://a.example:0/\n", "1:6", "invalid port"},
        BadRow{"timeout_zero", "url: https://a.example\ntimeout_ms: 0\n", "2:13", "greater than 0"},
        BadRow{"timeout_text", "url: https://a.example\ntimeout_ms: soon\n", "2:13", "wrong type"},
        BadRow{"in_flight_negative", "url: https://a.example\nmax_in_flight: -1\n", "2:16",
               "greater than 0"},
        BadRow{"keep_alive_text", "url: https://a.example\nkeep_alive: often\n", "2:13",
               "wrong type"},
        BadRow{"keep_alive_idle_zero", "url: https://a.example\nkeep_alive_idle_ms: 0\n", "2:21",
               "greater than 0"},
        BadRow{"wrong_type", "type: zmq\nurl: https://a.example\n", "1:7", "type must be webhook"},
        BadRow{"headers_list", "url: https://a.example\nheaders: [a]\n", "2:10", "mapping"},
        BadRow{"reserved_header", "url: https://a.example\nheaders: {Idempotency-Key: x}\n", "2:11",
               "set by the adapter"},
        BadRow{"reserved_accord_header", "url: https://a.example\nheaders: {accord-sender: x}\n",
               "2:11", "set by the adapter"},
        BadRow{"header_name_not_token", "url: https://a.example\nheaders: {'a b': x}\n", "2:11",
               "not a token"},
        BadRow{"header_value_crlf", "url: https://a.example\nheaders: {X-A: \"v\\r\\nX-B: y\"}\n",
               "2:16", "control character"},
        BadRow{"not_a_mapping", "[url]", "1:1", "must be a mapping"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WebhookSettings, NoCaAnywhereIsRefused) {
  auto s = parse_webhook_settings(YAML::Load("{url: 'https://a.example'}"), "", TlsMaterial{});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no ca"), std::string::npos);
}

}  // namespace
}  // namespace accord::adapters
