// The smtp adapter against a real SMTP relay on 127.0.0.1 (aiosmtpd, tests/support/
// smtp_relay.py) presenting the dev PKI's server certificate.
#include "accord/adapters/smtp.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <future>
#include <regex>

#include "accord/testing/dev_pki.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/smtp_relay.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::adapters {
namespace {

using testing::SmtpRelay;

OutboundMessage message() {
  OutboundMessage m;
  m.delivery_id = 9001;
  m.recipient = "provider.lvws";
  m.sender = "police.met";
  m.message_id = "met-ref-2026-000417";
  m.event_type = "referral.created";
  m.case_urn = "01MP0041726";
  m.received_at_ms = 1763631000123;
  m.attempt = 3;
  // CR, LF, a line that is only ".", UTF-8 and a long line: all must arrive as they were.
  m.document =
      "{\"envelope\":{\"id\":\"met-ref-2026-000417\",\"data\":{\"n\":\"caf\xC3\xA9\\r\\n\"}},"
      "\r\n.\r\n\"pad\":\"" +
      std::string(3000, 'x') + "\",\"signature\":\"c2ln\"}\r\n";
  return m;
}

SmtpRelay::Options relay_options(std::string mode = "starttls") {
  const auto& pki = testing::dev_pki();
  SmtpRelay::Options o;
  o.mode = std::move(mode);
  o.cert = pki.server_cert();
  o.key = pki.server_key();
  return o;
}

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::dev_pki().ok()) << testing::dev_pki().error(); }

  Result<std::unique_ptr<OutboundAdapter>> make(const std::string& yaml) {
    const auto& pki = testing::dev_pki();
    AdapterContext c;
    c.agency = "provider.lvws";
    c.settings = YAML::Load(yaml);
    c.base_dir = dir_.path();
    c.io = &io_;
    c.tls = {pki.ca(), pki.server_cert(), pki.server_key()};
    return make_smtp_adapter(c);
  }

  std::unique_ptr<OutboundAdapter> make_for(std::uint16_t port, const std::string& extra = "",
                                            const std::string& scheme = "smtp") {
    auto made = make("{type: smtp, url: '" + scheme + "://127.0.0.1:" + std::to_string(port) +
                     "', from: accord@gw.example, to: [intake@lvws.example]" + extra + "}");
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(*made) : nullptr;
  }

  // Starts a delivery; the future is ready when `done` ran. A second `done` would throw
  // std::future_error and abort the test binary.
  std::future<DeliveryOutcome> start(OutboundAdapter& adapter, OutboundMessage m = message()) {
    auto promise = std::make_shared<std::promise<DeliveryOutcome>>();
    auto future = promise->get_future();
    adapter.deliver(std::move(m),
                    [promise](DeliveryOutcome o) { promise->set_value(std::move(o)); });
    return future;
  }

  DeliveryOutcome deliver(OutboundAdapter& adapter, OutboundMessage m = message()) {
    auto f = start(adapter, std::move(m));
    // The limit only keeps a broken build from hanging.
    if (f.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "done never ran";
      return {DeliveryStatus::delivered, "never ran"};
    }
    return f.get();
  }

  testing::TempDir dir_{"accord-smtp-test-"};
  boost::asio::io_context io_;
  testing::IoThreads threads_{io_, 1};
};

TEST_F(SmtpTest, MailsTheItemAsAnAttachmentByteForByteOverStartTls) {
  SmtpRelay relay(relay_options());
  ASSERT_TRUE(relay.ok()) << relay.error();
  auto adapter = make_for(relay.port());
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->kind(), "smtp");
  EXPECT_EQ(adapter->max_in_flight(), 2u);
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::delivered) << outcome.detail;
  EXPECT_NE(outcome.detail.find("SMTP 250"), std::string::npos) << outcome.detail;
  EXPECT_TRUE(
      std::regex_match(outcome.channel_ref, std::regex("<9001\\.[0-9a-f]{16}@gw\\.example>")))
      << outcome.channel_ref;

  const auto mails = relay.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].info.find("\"mail_from\": \"accord@gw.example\""), std::string::npos)
      << mails[0].info;
  EXPECT_NE(mails[0].info.find("\"rcpt_tos\": [\"intake@lvws.example\"]"), std::string::npos);
  EXPECT_NE(mails[0].info.find("\"tls\": true"), std::string::npos);
  const auto mail = testing::parse_mail(mails[0].raw);
  EXPECT_EQ(mail.header("From"), "accord@gw.example");
  EXPECT_EQ(mail.header("To"), "intake@lvws.example");
  EXPECT_EQ(mail.header("Subject"), "Accord referral.created met-ref-2026-000417");
  EXPECT_EQ(mail.header("Message-ID"), outcome.channel_ref);
  EXPECT_EQ(mail.header("Accord-Message-Id"), "met-ref-2026-000417");
  EXPECT_EQ(mail.header("Accord-Delivery-Id"), "9001");
  EXPECT_EQ(mail.header("Accord-Sender"), "police.met");
  EXPECT_EQ(mail.header("Accord-Attempt"), "3");
  EXPECT_EQ(mail.header("Idempotency-Key"), "police.met/met-ref-2026-000417");
  EXPECT_EQ(mail.count("Date"), 1u);
  EXPECT_NE(mail.header("Content-Type").find("multipart/mixed"), std::string::npos);

  ASSERT_EQ(mail.parts.size(), 2u);
  const auto& text = mail.parts[0];
  EXPECT_NE(text.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(text.body.find("message id: met-ref-2026-000417"), std::string::npos) << text.body;
  EXPECT_NE(text.body.find("delivery id: 9001"), std::string::npos);
  EXPECT_NE(text.body.find("sender: police.met"), std::string::npos);
  // Nothing of the case travels in clear: not even its URN.
  EXPECT_EQ(mails[0].raw.find("01MP0041726"), std::string::npos);

  const auto& item = mail.parts[1];
  EXPECT_EQ(item.header("Content-Type"), "application/json");
  EXPECT_NE(item.header("Content-Disposition").find("filename=\"9001.json\""), std::string::npos)
      << item.header("Content-Disposition");
  EXPECT_EQ(item.header("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(item.body, message().document);

  for (const auto& command : relay.commands())
    EXPECT_EQ(command.substr(command.size() - 5), "tls=1");
}

TEST_F(SmtpTest, ImplicitTls) {
  SmtpRelay relay(relay_options("implicit"));
  ASSERT_TRUE(relay.ok()) << relay.error();
  auto adapter = make_for(relay.port(), "", "smtps");
  ASSERT_NE(adapter, nullptr);
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::delivered) << outcome.detail;
  ASSERT_EQ(relay.mails().size(), 1u);
  EXPECT_EQ(testing::parse_mail(relay.mails()[0].raw).parts.at(1).body, message().document);
}

TEST_F(SmtpTest, TemporaryRefusalIsRetriedThenDelivered) {
  SmtpRelay relay(relay_options());
  ASSERT_TRUE(relay.ok()) << relay.error();
  auto adapter = make_for(relay.port());
  ASSERT_NE(adapter, nullptr);
  relay.set_reply("intake@lvws.example", "450 4.2.1 mailbox busy");
  const auto first = deliver(*adapter);
  EXPECT_EQ(first.status, DeliveryStatus::retry_later) << first.detail;
  EXPECT_EQ(first.detail, "RCPT TO: SMTP 450 4.2.1 mailbox busy");
  EXPECT_EQ(first.channel_ref, "");
  EXPECT_TRUE(relay.mails().empty());

  relay.clear_replies();
  const auto second = deliver(*adapter);
  EXPECT_EQ(second.status, DeliveryStatus::delivered) << second.detail;
  ASSERT_EQ(relay.mails().size(), 1u);
}

TEST_F(SmtpTest, PermanentRefusalIsAPermanentFailure) {
  SmtpRelay relay(relay_options());
  ASSERT_TRUE(relay.ok()) << relay.error();
  auto adapter = make_for(relay.port());
  ASSERT_NE(adapter, nullptr);
  relay.set_reply("intake@lvws.example", "550 5.1.1 mailbox unknown");
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::permanent_failure) << outcome.detail;
  EXPECT_EQ(outcome.detail, "RCPT TO: SMTP 550 5.1.1 mailbox unknown");
  EXPECT_TRUE(relay.mails().empty());
}

TEST_F(SmtpTest, UntrustedRelayCertificateIsRetriedAndNothingIsSent) {
  SmtpRelay relay(relay_options());
  ASSERT_TRUE(relay.ok()) << relay.error();
  // The adapter trusts only the rogue CA, which did not sign the relay's certificate.
  auto adapter = make_for(relay.port(), ", ca: " + testing::dev_pki().dir() + "/rogue-ca.pem");
  ASSERT_NE(adapter, nullptr);
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later) << outcome.detail;
  EXPECT_TRUE(outcome.detail.starts_with("TLS: ")) << outcome.detail;
  EXPECT_NE(outcome.detail.find("certificate"), std::string::npos) << outcome.detail;
  EXPECT_TRUE(relay.commands().empty());
  EXPECT_TRUE(relay.mails().empty());
}

TEST_F(SmtpTest, RelayCertificateMustNameServerName) {
  SmtpRelay relay(relay_options());
  ASSERT_TRUE(relay.ok()) << relay.error();
  // The dev server certificate names localhost and 127.0.0.1.
  auto good = make_for(relay.port(), ", server_name: localhost");
  ASSERT_NE(good, nullptr);
  const auto delivered = deliver(*good);
  EXPECT_EQ(delivered.status, DeliveryStatus::delivered) << delivered.detail;
  auto wrong = make_for(relay.port(), ", server_name: mail.lvws.example");
  ASSERT_NE(wrong, nullptr);
  const auto refused = deliver(*wrong);
  EXPECT_EQ(refused.status, DeliveryStatus::retry_later) << refused.detail;
  EXPECT_TRUE(refused.detail.starts_with("TLS: ")) << refused.detail;
  EXPECT_EQ(relay.mails().size(), 1u);
}

struct NoTlsRow {
  const char* name;
  const char* mode;
  const char* detail;
};

class SmtpNoTls : public SmtpTest, public ::testing::WithParamInterface<NoTlsRow> {};

// A relay that will not start TLS gets nothing: no MAIL FROM, no recipient, no data in clear.
TEST_P(SmtpNoTls, IsRetriedAndNothingIsSentInClear) {
  SmtpRelay relay(relay_options(GetParam().mode));
  ASSERT_TRUE(relay.ok()) << relay.error();
  auto adapter = make_for(relay.port());
  ASSERT_NE(adapter, nullptr);
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later) << outcome.detail;
  EXPECT_EQ(outcome.detail, GetParam().detail);
  EXPECT_TRUE(relay.commands().empty());
  EXPECT_TRUE(relay.mails().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, SmtpNoTls,
    ::testing::Values(
        NoTlsRow{"not_offered", "no-starttls",
                 "STARTTLS: the relay did not start TLS (not offered); nothing was sent"},
        NoTlsRow{"refused", "refuse-starttls",
                 "STARTTLS: the relay did not start TLS (SMTP 454 4.7.0 TLS not available due to "
                 "temporary reason); nothing was sent"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(SmtpTest, ClientCertificateWhenTheRelayRequiresOne) {
  auto options = relay_options();
  options.client_ca = testing::dev_pki().ca();
  SmtpRelay relay(options);
  ASSERT_TRUE(relay.ok()) << relay.error();
  auto without = make_for(relay.port());
  ASSERT_NE(without, nullptr);
  const auto refused = deliver(*without);
  EXPECT_EQ(refused.status, DeliveryStatus::retry_later) << refused.detail;
  EXPECT_TRUE(relay.mails().empty());

  auto with = make_for(relay.port(), ", client_certificate: true");
  ASSERT_NE(with, nullptr);
  const auto delivered = deliver(*with);
  EXPECT_EQ(delivered.status, DeliveryStatus::delivered) << delivered.detail;
  ASSERT_EQ(relay.mails().size(), 1u);
  EXPECT_NE(relay.mails()[0].info.find("\"client_cert\": true"), std::string::npos);
}

TEST_F(SmtpTest, AuthenticatesWithThePasswordFile) {
  auto options = relay_options();
  options.auth = "accord:correct horse";
  SmtpRelay relay(options);
  ASSERT_TRUE(relay.ok()) << relay.error();
  std::ofstream(dir_.file("good.password")) << "correct horse\n";
  std::ofstream(dir_.file("bad.password")) << "battery staple\n";
  ::chmod(dir_.file("good.password").c_str(), 0600);
  ::chmod(dir_.file("bad.password").c_str(), 0600);

  auto bad = make_for(relay.port(), ", username: accord, password_file: bad.password");
  ASSERT_NE(bad, nullptr);
  const auto refused = deliver(*bad);
  EXPECT_EQ(refused.status, DeliveryStatus::retry_later) << refused.detail;
  EXPECT_TRUE(refused.detail.starts_with("AUTH: the relay refused the credentials (SMTP 535"))
      << refused.detail;
  EXPECT_EQ(refused.detail.find("battery"), std::string::npos);
  EXPECT_TRUE(relay.mails().empty());

  auto good = make_for(relay.port(), ", username: accord, password_file: good.password");
  ASSERT_NE(good, nullptr);
  const auto delivered = deliver(*good);
  EXPECT_EQ(delivered.status, DeliveryStatus::delivered) << delivered.detail;
  ASSERT_EQ(relay.mails().size(), 1u);
  EXPECT_NE(relay.mails()[0].info.find("\"auth\": \"accord\""), std::string::npos);
}

// A listener that accepts (through its backlog) and never says anything.
class SilentListener {
 public:
  SilentListener() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

TEST_F(SmtpTest, SilentRelayTimesOut) {
  SilentListener silent;
  auto adapter = make_for(silent.port(), ", timeout_ms: 300");
  ASSERT_NE(adapter, nullptr);
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later) << outcome.detail;
  EXPECT_EQ(outcome.detail, "greeting: timed out after 300 ms");
}

TEST_F(SmtpTest, RefusedConnectionIsRetried) {
  std::uint16_t port = 0;
  {
    SilentListener closed;
    port = closed.port();
  }
  auto adapter = make_for(port);
  ASSERT_NE(adapter, nullptr);
  const auto outcome = deliver(*adapter);
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later) << outcome.detail;
  EXPECT_TRUE(outcome.detail.starts_with("connect: ")) << outcome.detail;
}

TEST_F(SmtpTest, StopCancelsQueuedAndRunningMails) {
  SilentListener silent;
  auto adapter = make_for(silent.port(), ", max_in_flight: 1");
  ASSERT_NE(adapter, nullptr);
  auto running = start(*adapter);
  auto queued = start(*adapter);
  adapter->stop();
  for (auto* f : {&running, &queued}) {
    ASSERT_EQ(f->wait_for(std::chrono::seconds(60)), std::future_status::ready);
    const auto outcome = f->get();
    EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
    EXPECT_EQ(outcome.detail, "adapter stopped");
  }
  // After stop(), a delivery is refused at once (through the io_context, never inline).
  auto late = start(*adapter);
  ASSERT_EQ(late.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(late.get().detail, "adapter stopped");
}

TEST_F(SmtpTest, FactoryRefusesAnUnreadableCa) {
  auto made = make(
      "{type: smtp, url: 'smtp://127.0.0.1:25', from: a@b.example, to: [c@d.example], "
      "ca: missing-ca.pem}");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "tls_config");
  EXPECT_NE(made.error().message.find("missing-ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace accord::adapters
