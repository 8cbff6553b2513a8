#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "accord/adapters/smtp.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::adapters {
namespace {

const TlsMaterial kTls{"/pki/ca.pem", "/pki/server.pem", "/pki/server.key"};

std::string write_secret(const testing::TempDir& dir, const std::string& name,
                         const std::string& text, mode_t mode) {
  const std::string path = dir.file(name);
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(SmtpSettings, Defaults) {
  auto s = parse_smtp_settings(
      YAML::Load("{type: smtp, url: 'smtp://relay.example', from: accord@gw.example, "
                 "to: [intake@lvws.example]}"),
      "/etc/accord", kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->implicit_tls);
  EXPECT_EQ(s->host, "relay.example");
  EXPECT_EQ(s->port, 587);
  EXPECT_EQ(s->server_name, "relay.example");
  EXPECT_EQ(s->from, "accord@gw.example");
  EXPECT_EQ(s->to, std::vector<std::string>{"intake@lvws.example"});
  EXPECT_EQ(s->ca, "/pki/ca.pem");
  EXPECT_FALSE(s->client_certificate);
  EXPECT_EQ(s->username, "");
  EXPECT_EQ(s->password, "");
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(s->max_in_flight, 2u);
  EXPECT_EQ(s->subject, "Accord {type} {message_id}");
}

TEST(SmtpSettings, ImplicitTlsDefaultsToPort465) {
  auto s = parse_smtp_settings(
      YAML::Load("{url: 'smtps://relay.example/', from: a@b.example, to: [c@d.example]}"), "",
      kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->implicit_tls);
  EXPECT_EQ(s->port, 465);
}

TEST(SmtpSettings, EverySetting) {
  testing::TempDir dir;
  write_secret(dir, "relay.password", "s3cret pass\n", 0600);
  auto s = parse_smtp_settings(YAML::Load(R"(
type: smtp
url: smtps://[::1]:2465
from: accord-gateway@gw.example
to: [intake@lvws.example, duty.manager@lvws.example]
ca: certs/relay-ca.pem
server_name: mail.lvws.example
client_certificate: true
username: accord
password_file: relay.password
timeout_ms: 2500
max_in_flight: 8
subject: "Accord {type} {message_id} ({delivery_id}) {sender} to {recipient}"
)"),
                               dir.path(), kTls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->password_file, dir.file("relay.password"));
  EXPECT_EQ(s->password_file_at, "10:16");
  EXPECT_EQ(s->password, "");  // parsing reads nothing from disk
  ASSERT_TRUE(load_smtp_password(*s).ok());
  EXPECT_TRUE(s->implicit_tls);
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, 2465);
  EXPECT_EQ(s->to, (std::vector<std::string>{"intake@lvws.example", "duty.manager@lvws.example"}));
  EXPECT_EQ(s->ca, dir.file("certs/relay-ca.pem"));
  EXPECT_EQ(s->server_name, "mail.lvws.example");
  EXPECT_TRUE(s->client_certificate);
  EXPECT_EQ(s->username, "accord");
  EXPECT_EQ(s->password, "s3cret pass");  // one trailing newline dropped
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s->max_in_flight, 8u);
}

struct BadRow {
  const char* name;
  std::string yaml;
  std::string path;
  std::string message;
};

class SmtpSettingsRefused : public ::testing::TestWithParam<BadRow> {};

TEST_P(SmtpSettingsRefused, WithLineAndColumn) {
  testing::TempDir dir;
  write_secret(dir, "shared.password", "pw\n", 0640);
  write_secret(dir, "empty.password", "\n", 0600);
  write_secret(dir, "ok.password", "pw\n", 0600);
  auto s = parse_smtp_settings(YAML::Load(GetParam().yaml), dir.path(), kTls);
  if (s.ok()) {
    // The password file's own refusals come when the factory reads it, at the same place.
    if (auto loaded = load_smtp_password(*s); !loaded.ok()) s = loaded.error();
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_config");
  EXPECT_EQ(s.error().path, GetParam().path);
  EXPECT_NE(s.error().message.find(GetParam().message), std::string::npos) << s.error().message;
}

// Every row starts from a valid mapping and breaks one thing.
const std::string kOk = "url: smtp://relay.example\nfrom: a@b.example\nto: [c@d.example]\n";

INSTANTIATE_TEST_SUITE_P(
    Rows, SmtpSettingsRefused,
    ::testing::Values(
        BadRow{"unknown_key", kOk + "retries: 3\n", "4:1", "unknown key 'retries'"},
        BadRow{"url_list", "url: [smtp://relay.example]\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "wrong type"},
        BadRow{"type_webhook", "type: webhook\n" + kOk, "1:7", "type must be smtp"},
        BadRow{"no_url", "from: a@b.example\nto: [c@d.example]\n", "1:1", "'url'"},
        BadRow{"no_from", "url: smtp://relay.example\nto: [c@d.example]\n", "1:1", "'from'"},
        BadRow{"no_to", "url: smtp://relay.example\nfrom: a@b.example\n", "1:1", "'to'"},
        BadRow{"http_url", "url: https://relay.example\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "smtps://"},
        BadRow{"userinfo", "url: smtp://u:p@relay.example\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "user information"},
        BadRow{"path", "url: smtp://relay.example/helo\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "path"},
        BadRow{"port_zero", "url: smtp://relay.example:0\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "invalid port"},
        BadRow{"port_text", "url: smtp://relay.example:x\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "invalid port"},
        BadRow{"bad_host", "url: 'smtp://relay example'\nfrom: a@b.example\nto: [c@d.example]\n",
               "1:6", "no valid host"},
        BadRow{"display_name",
               "url: smtp://r.example\nfrom: 'Accord <a@b.example>'\nto: [c@d.example]\n", "2:7",
               "plain address"},
        BadRow{"crlf_in_address",
               "url: smtp://r.example\nfrom: a@b.example\nto: [\"c@d.example\\r\\nBcc: x@y\"]\n",
               "3:6", "plain address"},
        BadRow{"to_scalar", "url: smtp://r.example\nfrom: a@b.example\nto: c@d.example\n", "3:5",
               "non-empty list"},
        BadRow{"to_empty", "url: smtp://r.example\nfrom: a@b.example\nto: []\n", "3:5",
               "non-empty list"},
        BadRow{"timeout_zero", kOk + "timeout_ms: 0\n", "4:13", "greater than 0"},
        BadRow{"in_flight_text", kOk + "max_in_flight: many\n", "4:16", "wrong type"},
        BadRow{"client_cert_text", kOk + "client_certificate: sometimes\n", "4:21", "wrong type"},
        BadRow{"server_name_bad", kOk + "server_name: 'a b'\n", "4:14", "host name"},
        BadRow{"subject_case_urn", kOk + "subject: 'Case {case_urn}'\n", "4:10",
               "unknown placeholder {case_urn}"},
        BadRow{"subject_unclosed", kOk + "subject: 'Accord {type'\n", "4:10", "without its '}'"},
        BadRow{"subject_control", kOk + "subject: \"Accord\\r\\nBcc: x@y\"\n", "4:10",
               "printable ASCII"},
        BadRow{"username_alone", kOk + "username: accord\n", "4:11", "go together"},
        BadRow{"password_alone", kOk + "password_file: ok.password\n", "4:16", "go together"},
        BadRow{"password_shared", kOk + "username: u\npassword_file: shared.password\n", "5:16",
               "chmod 600"},
        BadRow{"password_empty", kOk + "username: u\npassword_file: empty.password\n", "5:16",
               "is empty"},
        BadRow{"password_missing", kOk + "username: u\npassword_file: nope.password\n", "5:16",
               "No such file"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SmtpSettings, NoCaAnywhereIsRefused) {
  auto s = parse_smtp_settings(YAML::Load(kOk), "", TlsMaterial{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().path, "1:1");
  EXPECT_NE(s.error().message.find("no ca"), std::string::npos);
}

TEST(SmtpSubject, RendersOnlyIds) {
  OutboundMessage m;
  m.delivery_id = 42;
  m.sender = "police.met";
  m.recipient = "provider.lvws";
  m.message_id = "met-1";
  m.event_type = "referral.created";
  m.case_urn = "01MP0041726";
  EXPECT_EQ(render_subject("Accord {type} {message_id}", m), "Accord referral.created met-1");
  EXPECT_EQ(render_subject("{sender}>{recipient} #{delivery_id}", m),
            "police.met>provider.lvws #42");
  EXPECT_EQ(subject_template_problem("Accord {type} {message_id}"), "");
  EXPECT_NE(subject_template_problem("{case_urn}"), "");
  EXPECT_NE(subject_template_problem("a}"), "");
  EXPECT_NE(subject_template_problem(std::string(201, 'x')), "");
}

}  // namespace
}  // namespace accord::adapters
