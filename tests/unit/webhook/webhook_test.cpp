#include "accord/adapters/webhook.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <future>
#include <sstream>

#include "accord/testing/dev_pki.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/wait_until.hpp"
#include "receiver.hpp"

namespace accord::adapters {
namespace {

using testing::Receiver;

std::string der_of(const std::string& pem_path) {
  std::string out;
  if (FILE* f = std::fopen(pem_path.c_str(), "rb")) {
    if (X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr)) {
      unsigned char* der = nullptr;
      const int len = i2d_X509(cert, &der);
      if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
      OPENSSL_free(der);
      X509_free(cert);
    }
    std::fclose(f);
  }
  return out;
}

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
  m.document =
      "{\"envelope\":{\"id\":\"met-ref-2026-000417\",\"data\":{\"n\":\"caf\xC3\xA9\\r\\n\"}},"
      "\"signature\":\"c2ln\"}\r\n";
  return m;
}

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::dev_pki().ok()) << testing::dev_pki().error(); }

  Result<std::unique_ptr<OutboundAdapter>> make(const std::string& yaml) {
    const auto& pki = testing::dev_pki();
    AdapterContext c;
    c.agency = "provider.lvws";
    c.settings = YAML::Load(yaml);
    c.io = &io_;
    c.tls = {pki.ca(), pki.server_cert(), pki.server_key()};
    return make_webhook_adapter(c);
  }

  std::unique_ptr<OutboundAdapter> make_for(std::uint16_t port, const std::string& extra = "") {
    auto made = make("{type: webhook, url: 'https://127.0.0.1:" + std::to_string(port) +
                     "/accord/inbox?v=1'" + extra + "}");
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(*made) : nullptr;
  }

  // Starts a delivery; the future is ready when `done` ran. A second `done` would throw
  // std::future_error on an io thread and abort the test binary.
  std::future<DeliveryOutcome> start(OutboundAdapter& adapter, OutboundMessage m = message()) {
    auto promise = std::make_shared<std::promise<DeliveryOutcome>>();
    auto future = promise->get_future();
    adapter.deliver(std::move(m),
                    [promise](DeliveryOutcome o) { promise->set_value(std::move(o)); });
    return future;
  }

  DeliveryOutcome wait(std::future<DeliveryOutcome>& f) {
    // The limit only keeps a broken build from hanging.
    if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      ADD_FAILURE() << "done never ran";
      return {DeliveryStatus::delivered, "never ran"};
    }
    return f.get();
  }

  boost::asio::io_context io_;
  testing::IoThreads threads_{io_, 2};
};

TEST_F(WebhookTest, PostsTheDocumentWithHeadersByteForByteOverMutualTls) {
  Receiver receiver(Receiver::Mode::answer, 200);
  auto adapter = make_for(receiver.port(), ", headers: {X-Agency-Route: lvws-north}");
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->kind(), "webhook");
  EXPECT_EQ(adapter->max_in_flight(), 8u);
  auto f = start(*adapter);
  const auto outcome = wait(f);
  EXPECT_EQ(outcome.status, DeliveryStatus::delivered) << outcome.detail;
  EXPECT_EQ(outcome.detail, "HTTP 200");

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/accord/inbox?v=1");
  EXPECT_EQ(r.body, message().document);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Host", "127.0.0.1:" + std::to_string(receiver.port())},
      {"User-Agent", "accord-gateway"},
      {"Content-Type", "application/json"},
      {"Connection", "keep-alive"},
      {"Accord-Message-Id", "met-ref-2026-000417"},
      {"Accord-Delivery-Id", "9001"},
      {"Accord-Sender", "police.met"},
      {"Accord-Attempt", "3"},
      {"Idempotency-Key", "police.met/met-ref-2026-000417"},
      {"X-Agency-Route", "lvws-north"},
      {"Content-Length", std::to_string(message().document.size())},
  };
  EXPECT_EQ(r.headers, expected);
  // The receiver saw the gateway's own certificate as the client certificate.
  const std::string gateway_der = der_of(testing::dev_pki().server_cert());
  ASSERT_FALSE(gateway_der.empty());
  EXPECT_EQ(r.client_cert_der, gateway_der);
}

struct OutcomeRow {
  const char* name;
  Receiver::Mode mode;
  unsigned status;
  DeliveryStatus expected;
  std::string detail;  // a fragment of the outcome's detail
};

class WebhookOutcome : public WebhookTest, public ::testing::WithParamInterface<OutcomeRow> {};

TEST_P(WebhookOutcome, Classified) {
  const auto& row = GetParam();
  Receiver receiver(row.mode, row.status);
  auto adapter = make_for(receiver.port(), ", timeout_ms: 500");
  ASSERT_NE(adapter, nullptr);
  auto f = start(*adapter);
  const auto outcome = wait(f);
  EXPECT_EQ(outcome.status, row.expected) << outcome.detail;
  EXPECT_NE(outcome.detail.find(row.detail), std::string::npos) << outcome.detail;
  EXPECT_EQ(receiver.requests().size(), 1u);  // each case reached the receiver
}

using M = Receiver::Mode;
using S = DeliveryStatus;
INSTANTIATE_TEST_SUITE_P(
    Receivers, WebhookOutcome,
    ::testing::Values(
        OutcomeRow{"ok_200", M::answer, 200, S::delivered, "HTTP 200"},
        OutcomeRow{"accepted_202", M::answer, 202, S::delivered, "HTTP 202"},
        OutcomeRow{"no_content_204", M::answer, 204, S::delivered, "HTTP 204"},
        OutcomeRow{"bad_request_400", M::answer, 400, S::permanent_failure, "HTTP 400"},
        OutcomeRow{"not_found_404", M::answer, 404, S::permanent_failure, "HTTP 404"},
        OutcomeRow{"conflict_409", M::answer, 409, S::permanent_failure, "HTTP 409"},
        OutcomeRow{"request_timeout_408", M::answer, 408, S::retry_later, "HTTP 408"},
        OutcomeRow{"too_many_429", M::answer, 429, S::retry_later, "HTTP 429"},
        OutcomeRow{"server_error_500", M::answer, 500, S::retry_later, "HTTP 500"},
        OutcomeRow{"unavailable_503", M::answer, 503, S::retry_later, "HTTP 503"},
        OutcomeRow{"redirect_302", M::answer, 302, S::retry_later, "redirects are not followed"},
        OutcomeRow{"hang", M::hang, 0, S::retry_later, "reading the response: timed out"},
        OutcomeRow{"close_mid_response", M::close_mid_response, 0, S::retry_later, "mid-response"},
        OutcomeRow{"close_without_answer", M::close_without_answer, 0, S::retry_later,
                   "without answering"},
        OutcomeRow{"garbage", M::garbage, 0, S::retry_later, "not HTTP"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(WebhookTest, RefusedConnectIsRetryLater) {
  std::uint16_t port = 0;
  {
    // A port that was just free: nothing listens there now.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto adapter = make_for(port);
  ASSERT_NE(adapter, nullptr);
  auto f = start(*adapter);
  const auto outcome = wait(f);
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
  EXPECT_NE(outcome.detail.find("connect: Connection refused"), std::string::npos)
      << outcome.detail;
}

struct TlsRow {
  const char* name;
  std::string extra;   // settings appended to the URL's
  std::string detail;  // a fragment of the outcome's detail
};

class WebhookTlsFailure : public WebhookTest, public ::testing::WithParamInterface<TlsRow> {};

TEST_P(WebhookTlsFailure, IsRetryLaterAndSendsNothing) {
  Receiver receiver(Receiver::Mode::answer, 200);
  std::string extra = GetParam().extra;
  const std::string dir = testing::dev_pki().dir();
  if (auto at = extra.find("$PKI"); at != std::string::npos) extra.replace(at, 4, dir);
  auto adapter = make_for(receiver.port(), extra);
  ASSERT_NE(adapter, nullptr);
  auto f = start(*adapter);
  const auto outcome = wait(f);
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
  EXPECT_NE(outcome.detail.find("TLS handshake"), std::string::npos) << outcome.detail;
  EXPECT_NE(outcome.detail.find(GetParam().detail), std::string::npos) << outcome.detail;
  EXPECT_TRUE(receiver.requests().empty());
}

INSTANTIATE_TEST_SUITE_P(Receivers, WebhookTlsFailure,
                         ::testing::Values(
                             // The receiver's certificate names localhost and 127.0.0.1, not this.
                             TlsRow{"wrong_server_name", ", server_name: receiver.example",
                                    "hostname mismatch"},
                             TlsRow{"wrong_ip", ", server_name: 127.0.0.2", "IP address mismatch"},
                             // A CA that did not sign the receiver's certificate.
                             TlsRow{"untrusted_ca", ", ca: '$PKI/rogue-ca.pem'", "certificate"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(WebhookTest, ServerNameLocalhostVerifiesTheDnsName) {
  Receiver receiver(Receiver::Mode::answer, 200);
  auto adapter = make_for(receiver.port(), ", server_name: localhost");
  ASSERT_NE(adapter, nullptr);
  auto f = start(*adapter);
  EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
}

TEST_F(WebhookTest, StopCancelsInFlightPostsWithRetryLater) {
  Receiver receiver(Receiver::Mode::hang);
  auto adapter = make_for(receiver.port());  // default timeout: 10 s, far beyond the test
  ASSERT_NE(adapter, nullptr);
  auto first = start(*adapter);
  auto second = start(*adapter);
  ASSERT_TRUE(testing::wait_until([&] { return receiver.requests().size() == 2; }));
  adapter->stop();
  for (auto* f : {&first, &second}) {
    const auto outcome = wait(*f);
    EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
    EXPECT_EQ(outcome.detail, "adapter stopped");
  }
  adapter->stop();  // idempotent
  auto late = start(*adapter);
  EXPECT_EQ(wait(late).status, DeliveryStatus::retry_later);
  EXPECT_EQ(receiver.requests().size(), 2u);
}

TEST_F(WebhookTest, DestroyingTheAdapterMidPostStillRunsDone) {
  Receiver receiver(Receiver::Mode::hang);
  auto adapter = make_for(receiver.port());
  ASSERT_NE(adapter, nullptr);
  auto f = start(*adapter);
  ASSERT_TRUE(testing::wait_until([&] { return receiver.requests().size() == 1; }));
  adapter.reset();
  EXPECT_EQ(wait(f).status, DeliveryStatus::retry_later);
}

TEST_F(WebhookTest, ManyConcurrentPostsEachCompleteOnce) {
  Receiver receiver(Receiver::Mode::answer, 200);
  auto adapter = make_for(receiver.port());
  ASSERT_NE(adapter, nullptr);
  std::vector<std::future<DeliveryOutcome>> futures;
  for (int i = 0; i < 16; ++i) {
    auto m = message();
    m.delivery_id = i;
    futures.push_back(start(*adapter, m));
  }
  for (auto& f : futures) EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
  EXPECT_EQ(receiver.requests().size(), 16u);
}

TEST_F(WebhookTest, AKeptAliveConnectionCarriesTheNextPosts) {
  Receiver receiver(Receiver::Mode::keep_alive, 200);
  auto adapter = make_for(receiver.port());
  ASSERT_NE(adapter, nullptr);
  for (int i = 0; i < 5; ++i) {
    auto m = message();
    m.delivery_id = i;
    auto f = start(*adapter, m);
    EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
  }
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(receiver.handshakes(), 1) << "one connection and TLS handshake for five POSTs";
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].body, message().document);
    EXPECT_EQ(requests[i].client_cert_der, der_of(testing::dev_pki().server_cert()));
  }
}

TEST_F(WebhookTest, WithoutKeepAliveEveryPostHasItsOwnConnection) {
  Receiver receiver(Receiver::Mode::keep_alive, 200);
  auto adapter = make_for(receiver.port(), ", keep_alive: false");
  ASSERT_NE(adapter, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto f = start(*adapter);
    EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
  }
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(receiver.handshakes(), 3);
  for (const auto& r : requests) {
    EXPECT_NE(std::find(r.headers.begin(), r.headers.end(),
                        std::pair<std::string, std::string>{"Connection", "close"}),
              r.headers.end());
  }
}

TEST_F(WebhookTest, AnswerThatSaysCloseIsNotReused) {
  Receiver receiver(Receiver::Mode::answer, 200);  // "Connection: close", then closes
  auto adapter = make_for(receiver.port());
  ASSERT_NE(adapter, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto f = start(*adapter);
    EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
  }
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_EQ(receiver.handshakes(), 3);
}

TEST_F(WebhookTest, AnIdleConnectionTheReceiverClosedIsReplacedNotFailed) {
  // The receiver promises keep-alive, then closes (as an idle timeout would): the next POST
  // on that connection gets no answer, so it goes once more on a new connection and is
  // delivered; the receiver reads each copy exactly once.
  Receiver receiver(Receiver::Mode::close_after_answer, 200);
  auto adapter = make_for(receiver.port());
  ASSERT_NE(adapter, nullptr);
  for (int i = 0; i < 4; ++i) {
    auto m = message();
    m.delivery_id = i;
    auto f = start(*adapter, m);
    const auto outcome = wait(f);
    EXPECT_EQ(outcome.status, DeliveryStatus::delivered) << outcome.detail;
  }
  EXPECT_EQ(receiver.requests().size(), 4u);
  EXPECT_EQ(receiver.handshakes(), 4);
}

TEST_F(WebhookTest, AWindowOfPostsUsesAtMostWindowConnections) {
  Receiver receiver(Receiver::Mode::keep_alive, 200);
  auto adapter = make_for(receiver.port(), ", max_in_flight: 4");
  ASSERT_NE(adapter, nullptr);
  for (int round = 0; round < 5; ++round) {
    std::vector<std::future<DeliveryOutcome>> futures;
    for (int i = 0; i < 4; ++i) futures.push_back(start(*adapter));
    for (auto& f : futures) EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
  }
  EXPECT_EQ(receiver.requests().size(), 20u);
  EXPECT_LE(receiver.handshakes(), 4);
}

TEST_F(WebhookTest, InlinePemMaterialWorksLikeFiles) {
  auto slurp = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  };
  const auto& pki = testing::dev_pki();
  Receiver receiver(Receiver::Mode::answer, 200);
  AdapterContext c;
  c.agency = "provider.lvws";
  c.settings = YAML::Load("{url: 'https://127.0.0.1:" + std::to_string(receiver.port()) + "/'}");
  c.io = &io_;
  c.tls = {slurp(pki.ca()), slurp(pki.server_cert()), slurp(pki.server_key())};
  ASSERT_TRUE(c.tls.ca.starts_with("-----BEGIN"));
  auto made = make_webhook_adapter(c);
  ASSERT_TRUE(made.ok()) << made.error().message;
  auto f = start(**made);
  EXPECT_EQ(wait(f).status, DeliveryStatus::delivered);
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(receiver.requests()[0].client_cert_der, der_of(pki.server_cert()));
}

TEST_F(WebhookTest, FactoryRefusesUnreadableTlsMaterial) {
  const auto& pki = testing::dev_pki();
  AdapterContext c;
  c.agency = "provider.lvws";
  c.settings = YAML::Load("{type: webhook, url: 'https://127.0.0.1:1/'}");
  c.io = &io_;
  c.tls = {pki.ca(), pki.dir() + "/absent.pem", pki.server_key()};
  auto made = make_webhook_adapter(c);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "tls_config");
  EXPECT_NE(made.error().message.find("No such file"), std::string::npos) << made.error().message;

  c.tls = {pki.ca(), pki.server_cert(), pki.key("agency-police.met")};  // not its key
  made = make_webhook_adapter(c);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message.find("mismatch"), std::string::npos) << made.error().message;

  c.io = nullptr;
  made = make_webhook_adapter(c);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "invalid_argument");
}

}  // namespace
}  // namespace accord::adapters
