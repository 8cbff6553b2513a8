// The adapter against a real nats-server -js with TLS and client certificates: PubAck
// outcomes, byte-for-byte payloads and headers read back by a JetStream consumer, dedup of a
// redelivery, server down then up, no stream, wrong expected stream, a too-large copy.
#include "accord/adapters/nats.hpp"

#include <gtest/gtest.h>

#include <future>

#include "accord/testing/dev_pki.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/nats_server.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::adapters {
namespace {

using namespace std::chrono_literals;
using testing::NatsServer;

constexpr const char* kSubject = "accord.deliver.provider.lvws";

OutboundMessage message(int attempt = 1) {
  OutboundMessage m;
  m.delivery_id = 9001;
  m.recipient = "provider.lvws";
  m.sender = "police.met";
  m.message_id = "met-ref-2026-000417";
  m.event_type = "referral.created";
  m.case_urn = "01MP0041726";
  m.received_at_ms = 1763631000123;
  m.attempt = attempt;
  m.document =
      "{\"envelope\":{\"id\":\"met-ref-2026-000417\",\"data\":{\"n\":\"caf\xC3\xA9\\r\\n\"}},"
      "\"signature\":\"c2ln\"}\r\n";
  return m;
}

class NatsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::dev_pki().ok()) << testing::dev_pki().error(); }

  Result<std::unique_ptr<OutboundAdapter>> make(const std::string& extra = "",
                                                TlsMaterial tls = gateway_tls()) {
    AdapterContext c;
    c.agency = "provider.lvws";
    c.settings = YAML::Load("{type: nats, url: '" + server_.url() +
                            "', server_name: localhost, timeout_ms: 3000, "
                            "reconnect_wait_ms: 100" +
                            extra + "}");
    c.io = &io_;
    c.tls = std::move(tls);
    return make_nats_adapter(c);
  }

  std::unique_ptr<OutboundAdapter> make_ok(const std::string& extra = "") {
    auto made = make(extra);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(*made) : nullptr;
  }

  static TlsMaterial gateway_tls() {
    const auto& pki = testing::dev_pki();
    return {pki.ca(), pki.server_cert(), pki.server_key()};
  }

  static DeliveryOutcome deliver(OutboundAdapter& adapter, OutboundMessage m = message()) {
    std::promise<DeliveryOutcome> promise;
    auto future = promise.get_future();
    adapter.deliver(std::move(m),
                    [&promise](DeliveryOutcome o) { promise.set_value(std::move(o)); });
    // A hang guard only: every outcome comes within timeout_ms (3 s).
    if (future.wait_for(30s) != std::future_status::ready) {
      return {DeliveryStatus::permanent_failure, "test: no outcome in 30 s"};
    }
    return future.get();
  }

  std::vector<testing::StoredNatsMessage> stored(const std::string& stream) {
    std::string error;
    auto out = server_.read_stream(stream, error);
    EXPECT_EQ(error, "");
    return out;
  }

  NatsServer server_;
  boost::asio::io_context io_;
  testing::IoThreads threads_{io_, 1};
};

TEST_F(NatsTest, PubAckDeliversTheItemByteForByteWithHeaders) {
  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {"accord.deliver.provider.lvws"}), "");
  auto adapter = make_ok();
  ASSERT_TRUE(adapter);
  EXPECT_EQ(adapter->kind(), "nats");
  EXPECT_TRUE(adapter->pushes());
  EXPECT_EQ(adapter->max_in_flight(), 4u);

  const auto out = deliver(*adapter, message(3));
  EXPECT_EQ(out.status, DeliveryStatus::delivered) << out.detail;
  EXPECT_EQ(out.channel_ref, "ACCORD_LVWS:1");
  EXPECT_EQ(out.detail, "PubAck ACCORD_LVWS:1");

  const auto held = stored("ACCORD_LVWS");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].subject, kSubject);
  EXPECT_EQ(held[0].data, message().document) << "the delivered item, byte for byte";
  EXPECT_EQ(held[0].stream_sequence, 1u);
  const std::map<std::string, std::string> expected = {
      {"Nats-Msg-Id", "police.met/met-ref-2026-000417/provider.lvws"},
      {"Accord-Message-Id", "met-ref-2026-000417"},
      {"Accord-Delivery-Id", "9001"},
      {"Accord-Sender", "police.met"},
      {"Accord-Attempt", "3"},
      {"Content-Type", "application/json"}};
  EXPECT_EQ(held[0].headers, expected);
}

TEST_F(NatsTest, RedeliveryIsDeduplicatedByNatsMsgIdAndStillDelivered) {
  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {kSubject}), "");
  auto adapter = make_ok();
  ASSERT_TRUE(adapter);
  const auto first = deliver(*adapter, message(1));
  ASSERT_EQ(first.status, DeliveryStatus::delivered) << first.detail;
  // The worker retries a copy whose PubAck it never saw (timeout, gateway crash): same id.
  const auto again = deliver(*adapter, message(2));
  EXPECT_EQ(again.status, DeliveryStatus::delivered) << again.detail;
  EXPECT_EQ(again.channel_ref, "ACCORD_LVWS:1");
  EXPECT_EQ(again.detail, "PubAck ACCORD_LVWS:1 (duplicate)");
  // Another copy (another recipient's id) is a new message.
  auto other = message(1);
  other.message_id = "met-ref-2026-000418";
  const auto next = deliver(*adapter, other);
  EXPECT_EQ(next.status, DeliveryStatus::delivered) << next.detail;
  EXPECT_EQ(next.channel_ref, "ACCORD_LVWS:2");
  EXPECT_EQ(stored("ACCORD_LVWS").size(), 2u);
}

TEST_F(NatsTest, ExpectedStreamMustMatch) {
  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {kSubject}), "");
  auto wrong = make_ok(", stream: ELSEWHERE");
  ASSERT_TRUE(wrong);
  const auto refused = deliver(*wrong);
  EXPECT_EQ(refused.status, DeliveryStatus::retry_later) << refused.detail;
  EXPECT_NE(refused.detail.find("err_code 10060"), std::string::npos) << refused.detail;
  EXPECT_EQ(refused.channel_ref, "");
  EXPECT_TRUE(stored("ACCORD_LVWS").empty());

  auto right = make_ok(", stream: ACCORD_LVWS");
  ASSERT_TRUE(right);
  const auto out = deliver(*right);
  EXPECT_EQ(out.status, DeliveryStatus::delivered) << out.detail;
  EXPECT_EQ(out.channel_ref, "ACCORD_LVWS:1");
}

TEST_F(NatsTest, NoStreamOnTheSubjectIsRetryLater) {
  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("OTHER", {"somewhere.else"}), "");
  auto adapter = make_ok();
  ASSERT_TRUE(adapter);
  const auto out = deliver(*adapter);
  EXPECT_EQ(out.status, DeliveryStatus::retry_later) << out.detail;
  EXPECT_EQ(out.detail, std::string("no JetStream stream is bound to subject '") + kSubject +
                            "' (no responders)");
  // The recipient binds a stream; the next attempt goes through.
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {kSubject}), "");
  EXPECT_EQ(deliver(*adapter).status, DeliveryStatus::delivered);
}

TEST_F(NatsTest, ServerDownIsRetryLaterThenDeliveredWhenItIsBack) {
  auto adapter = make_ok();  // the server has never run: the adapter connects lazily
  ASSERT_TRUE(adapter);
  const auto down = deliver(*adapter);
  EXPECT_EQ(down.status, DeliveryStatus::retry_later) << down.detail;
  EXPECT_NE(down.detail.find("not connected to " + server_.url()), std::string::npos)
      << down.detail;

  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {kSubject}), "");
  // libnats reconnects by itself (every reconnect_wait_ms): retry as the worker would.
  DeliveryOutcome out;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        out = deliver(*adapter);
        return out.status == DeliveryStatus::delivered;
      },
      30s))
      << out.detail;
  EXPECT_EQ(out.channel_ref, "ACCORD_LVWS:1");

  // A restart: the stream is on disk, the client reconnects, the next copy gets sequence 2.
  server_.stop();
  auto second = message();
  second.message_id = "met-ref-2026-000418";
  ASSERT_TRUE(testing::wait_until(
      [&] { return deliver(*adapter, second).status == DeliveryStatus::retry_later; }, 30s));
  ASSERT_EQ(server_.start(), "");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        out = deliver(*adapter, second);
        return out.status == DeliveryStatus::delivered;
      },
      30s))
      << out.detail;
  EXPECT_EQ(out.channel_ref, "ACCORD_LVWS:2");
  EXPECT_EQ(stored("ACCORD_LVWS").size(), 2u);
}

TEST_F(NatsTest, TooLargeForTheStreamIsPermanent) {
  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {kSubject}, 64), "");
  auto adapter = make_ok();
  ASSERT_TRUE(adapter);
  const auto out = deliver(*adapter);
  EXPECT_EQ(out.status, DeliveryStatus::permanent_failure) << out.detail;
  EXPECT_NE(out.detail.find("err_code 10054"), std::string::npos) << out.detail;
  EXPECT_TRUE(stored("ACCORD_LVWS").empty());
}

TEST(NatsServerLimits, LargerThanTheServersMaxPayloadIsPermanent) {
  ASSERT_TRUE(testing::dev_pki().ok()) << testing::dev_pki().error();
  NatsServer server("max_payload: 512");  // room for the stream's own API requests
  ASSERT_EQ(server.start(), "");
  ASSERT_EQ(server.add_stream("ACCORD_LVWS", {kSubject}), "");
  boost::asio::io_context io;
  testing::IoThreads threads(io, 1);
  const auto& pki = testing::dev_pki();
  AdapterContext c;
  c.agency = "provider.lvws";
  c.settings = YAML::Load("{type: nats, url: '" + server.url() + "', server_name: localhost}");
  c.io = &io;
  c.tls = {pki.ca(), pki.server_cert(), pki.server_key()};
  auto adapter = make_nats_adapter(c);
  ASSERT_TRUE(adapter.ok()) << adapter.error().message;
  auto big = message();
  big.document = "{\"pad\":\"" + std::string(1000, 'x') + "\"}";
  std::promise<DeliveryOutcome> promise;
  (*adapter)->deliver(big, [&promise](DeliveryOutcome o) { promise.set_value(o); });
  auto future = promise.get_future();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  const auto out = future.get();
  EXPECT_EQ(out.status, DeliveryStatus::permanent_failure) << out.detail;
  EXPECT_EQ(out.detail, "the delivered item (" + std::to_string(big.document.size()) +
                            " bytes) exceeds the server's max_payload");
}

TEST_F(NatsTest, ServerNotSignedByTheTrustedCaIsNeverDelivered) {
  ASSERT_EQ(server_.start(), "");
  ASSERT_EQ(server_.add_stream("ACCORD_LVWS", {kSubject}), "");
  const auto& pki = testing::dev_pki();
  // The rogue CA did not sign the server's certificate: the handshake fails every time.
  auto made = make(", tls: {ca: " + pki.dir() + "/rogue-ca.pem}");
  ASSERT_TRUE(made.ok()) << made.error().message;
  const auto out = deliver(**made);
  EXPECT_EQ(out.status, DeliveryStatus::retry_later) << out.detail;
  EXPECT_EQ(out.detail, "not connected to " + server_.url() + " (libnats is reconnecting)");
  EXPECT_TRUE(stored("ACCORD_LVWS").empty());
}

TEST_F(NatsTest, StopAnswersQueuedCopiesAndLaterOnesRetryLater) {
  auto adapter = make_ok();
  ASSERT_TRUE(adapter);
  adapter->stop();
  const auto out = deliver(*adapter);
  EXPECT_EQ(out.status, DeliveryStatus::retry_later);
  EXPECT_EQ(out.detail, "adapter stopped");
}

TEST_F(NatsTest, UnreadableTlsFilesFailTheFactory) {
  auto made = make("", TlsMaterial{"/nonexistent/ca.pem", testing::dev_pki().server_cert(),
                                   testing::dev_pki().server_key()});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "tls_config");
  EXPECT_NE(made.error().message.find("/nonexistent/ca.pem"), std::string::npos);

  const auto& pki = testing::dev_pki();
  auto mismatched = make("", TlsMaterial{pki.ca(), pki.server_cert(), pki.key("admin")});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code, "tls_config") << mismatched.error().message;
}

TEST_F(NatsTest, BadSettingsFailTheFactoryWithTheirPosition) {
  auto made = make(", subject: 'a.>'");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "invalid_config");
  EXPECT_NE(made.error().message.find("wildcard"), std::string::npos);
}

}  // namespace
}  // namespace accord::adapters
