#include <gtest/gtest.h>

#include "accord/adapters/nats.hpp"

namespace accord::adapters {
namespace {

const TlsMaterial kTls{"/pki/ca.pem", "/pki/server.pem", "/pki/server.key"};

TEST(NatsSettings, Defaults) {
  auto s = parse_nats_settings(YAML::Load("{type: nats, url: 'tls://nats.lvws.example'}"),
                               "provider.lvws", "/etc/accord", kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->url, "tls://nats.lvws.example:4222");
  EXPECT_EQ(s->host, "nats.lvws.example");
  EXPECT_EQ(s->server_name, "nats.lvws.example");
  EXPECT_EQ(s->subject, "accord.deliver.provider.lvws");
  EXPECT_EQ(s->stream, "");
  EXPECT_EQ(s->ca, "/pki/ca.pem");
  EXPECT_EQ(s->cert, "/pki/server.pem");
  EXPECT_EQ(s->key, "/pki/server.key");
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(s->reconnect_wait, std::chrono::milliseconds(2000));
  EXPECT_EQ(s->max_in_flight, 4u);
}

TEST(NatsSettings, EverySetting) {
  auto s = parse_nats_settings(YAML::Load(R"(
type: nats
url: tls://[fd00::5]:7422/
subject: lvws.referrals.in
stream: LVWS_IN
timeout_ms: 2500
reconnect_wait_ms: 250
max_in_flight: 8
server_name: nats.lvws.example
tls: {ca: certs/lvws-ca.pem, cert: /etc/accord/gw.pem, key: gw.key}
)"),
                               "provider.lvws", "/etc/accord", kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->url, "tls://[fd00::5]:7422");
  EXPECT_EQ(s->host, "fd00::5");
  EXPECT_EQ(s->server_name, "nats.lvws.example");
  EXPECT_EQ(s->subject, "lvws.referrals.in");
  EXPECT_EQ(s->stream, "LVWS_IN");
  EXPECT_EQ(s->ca, "/etc/accord/certs/lvws-ca.pem");
  EXPECT_EQ(s->cert, "/etc/accord/gw.pem");
  EXPECT_EQ(s->key, "/etc/accord/gw.key");
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s->reconnect_wait, std::chrono::milliseconds(250));
  EXPECT_EQ(s->max_in_flight, 8u);
}

TEST(NatsSettings, MsgIdIsSenderMessageRecipient) {
  OutboundMessage m;
  m.sender = "police.met";
  m.message_id = "met-ref-2026-000417";
  m.recipient = "provider.lvws";
  EXPECT_EQ(nats_msg_id(m), "police.met/met-ref-2026-000417/provider.lvws");
}

struct BadRow {
  const char* name;
  std::string yaml;
  std::string path;
  std::string message;
  TlsMaterial tls = kTls;
};

// The row's name only, so ctest names stay readable.
void PrintTo(const BadRow& row, std::ostream* os) {
  *os << row.name;
}

class NatsSettingsRefused : public ::testing::TestWithParam<BadRow> {};

TEST_P(NatsSettingsRefused, WithLineAndColumn) {
  auto s = parse_nats_settings(YAML::Load(GetParam().yaml), "provider.lvws", "", GetParam().tls);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_config");
  EXPECT_EQ(s.error().path, GetParam().path);
  EXPECT_NE(s.error().message.find(GetParam().message), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, NatsSettingsRefused,
    ::testing::Values(
        BadRow{"unknown_key", "type: nats\nurl: tls://a.example\nretries: 3\n", "3:1",
               "unknown key 'retries'"},
        BadRow{"no_url", "type: nats\n", "1:1", "missing required key 'url'"},
        BadRow{"wrong_type", "type: webhook\nurl: tls://a.example\n", "1:7", "type must be nats"},
        BadRow{"plain_nats", "type: nats\nurl: nats://a.example:4222\n", "2:6", "plain nats://"},
        BadRow{"userinfo", "url: tls://u:p@a.example\n", "1:6", "nothing else"},
        BadRow{"path", "url: tls://a.example/x\n", "1:6", "nothing else"},
        BadRow{"two_servers", "url: 'tls://a.example,tls://b.example'\n", "1:6", "nothing else"},
        BadRow{"no_host", "url: 'tls://:4222'\n", "1:6", "no host"},
        BadRow{"port_zero", "url: tls://a.example:0\n", "1:6", "invalid port"},
        BadRow{"port_big", "url: tls://a.example:65536\n", "1:6", "invalid port"},
        BadRow{"port_text", "url: tls://a.example:http\n", "1:6", "invalid port"},
        BadRow{"port_empty", "url: 'tls://a.example:'\n", "1:6", "invalid port"},
        BadRow{"ipv6_unclosed", "url: 'tls://[fd00::5'\n", "1:6", "unclosed"},
        BadRow{"ip_without_server_name", "url: tls://10.0.0.5:4222\n", "1:6", "set server_name"},
        BadRow{"subject_wildcard", "url: tls://a.example\nsubject: accord.*\n", "2:10", "wildcard"},
        BadRow{"subject_tail", "url: tls://a.example\nsubject: 'accord.'\n", "2:10", "empty token"},
        BadRow{"subject_double_dot", "url: tls://a.example\nsubject: 'a..b'\n", "2:10",
               "empty token"},
        BadRow{"subject_space", "url: tls://a.example\nsubject: 'a b'\n", "2:10", "space"},
        BadRow{"subject_empty", "url: tls://a.example\nsubject: ''\n", "2:10", "is empty"},
        BadRow{"subject_list", "url: tls://a.example\nsubject: [a]\n", "2:10", "wrong type"},
        BadRow{"stream_dot", "url: tls://a.example\nstream: a.b\n", "2:9", "stream name"},
        BadRow{"stream_empty", "url: tls://a.example\nstream: ''\n", "2:9", "stream name"},
        BadRow{"timeout_zero", "url: tls://a.example\ntimeout_ms: 0\n", "2:13", "greater than 0"},
        BadRow{"timeout_text", "url: tls://a.example\ntimeout_ms: soon\n", "2:13", "wrong type"},
        BadRow{"reconnect_negative", "url: tls://a.example\nreconnect_wait_ms: -5\n", "2:20",
               "greater than 0"},
        BadRow{"in_flight_zero", "url: tls://a.example\nmax_in_flight: 0\n", "2:16",
               "greater than 0"},
        BadRow{"in_flight_huge", "url: tls://a.example\nmax_in_flight: 1000\n", "2:16",
               "at most 64"},
        BadRow{"server_name_empty", "url: tls://a.example\nserver_name: ''\n", "2:14",
               "must not be empty"},
        BadRow{"tls_unknown", "url: tls://a.example\ntls: {ca: a.pem, crl: c.pem}\n", "2:18",
               "unknown key 'crl'"},
        BadRow{"tls_not_map", "url: tls://a.example\ntls: yes\n", "2:6", "mapping"},
        BadRow{"tls_ca_empty", "url: tls://a.example\ntls: {ca: ''}\n", "2:11",
               "must not be empty"},
        BadRow{"no_gateway_ca", "url: tls://a.example\n", "1:1", "no tls.ca",
               TlsMaterial{"", "/pki/server.pem", "/pki/server.key"}},
        BadRow{"no_gateway_cert", "url: tls://a.example\n", "1:1", "no tls.cert",
               TlsMaterial{"/pki/ca.pem", "", "/pki/server.key"}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::adapters
