// ZmqPort over real CURVE sockets on loopback with a C++ peer: the handshake and its
// refusals, SUBMIT, DELIVER and its outcomes, malformed frames, flood control, heartbeat
// expiry, newest-connection-wins, stop. The clock is a fake the test moves.
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "accord/adapters/registry.hpp"
#include "zmq_port_fixture.hpp"

namespace accord::zmqtest {
namespace {

using adapters::DeliveryStatus;
using testing::wait_until;

using ZmqPort = PortFixture;

TEST_F(ZmqPort, KeyFileIsCreatedAndPublicKeyIsStable) {
  start_port(true);
  EXPECT_TRUE(adapters::is_z85_key(port_->public_key()));
  const auto reloaded = adapters::load_or_create_secret_key(dir_.file("server.key"));
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->public_key, port_->public_key());
  EXPECT_NE(port_->endpoint().find("tcp://127.0.0.1:"), std::string::npos);
  EXPECT_EQ(port_->endpoint().find(":*"), std::string::npos);
  EXPECT_FALSE(port_->start().ok());  // started twice
}

TEST_F(ZmqPort, BindFailureIsAnError) {
  start_port(true);
  adapters::ZmqPortOptions options;
  options.endpoint = port_->endpoint();  // already bound by the first port
  options.secret_key_path = dir_.file("other.key");
  auto other = adapters::ZmqPort::create(options, io_, nullptr, [] { return 0; });
  ASSERT_TRUE(other.ok());
  const auto started = other.value()->start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, "bind_failed");
}

TEST_F(ZmqPort, UnknownKeyIsRefusedAtTheHandshake) {
  start_port(true);
  auto stranger = peer(new_keys());
  stranger->send({kV, "HELLO", "agency.a", "inbound"});
  ASSERT_TRUE(wait_until([&] { return port_->stats().handshakes_refused >= 1; }));
  // No session was ever made, so nothing was submitted or welcomed; a known key still works.
  EXPECT_EQ(port_->stats().peers_connected, 0u);
  auto known = welcomed(keys_a_, "agency.a");
  EXPECT_EQ(port_->stats().peers_connected, 1u);
  EXPECT_TRUE(submitter_.calls().empty());
}

TEST_F(ZmqPort, ClaimingAnotherAgencyIsRefused) {
  start_port(true);
  auto p = peer(keys_a_);
  const auto answer = p->hello("agency.b");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(*answer,
            (Frames{kV, "REFUSE", "agency_mismatch", "this key is bound to another agency"}));
  EXPECT_EQ(port_->stats().hellos_refused, 1u);
  // Refused sessions are forgotten: the peer must start again.
  p->send({kV, "SUBMIT", "r1", "{}"});
  const auto after = p->recv();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->at(2), "not_welcomed");
  EXPECT_TRUE(submitter_.calls().empty());
}

TEST_F(ZmqPort, SubmitGoesToTheSubmitterAsTheKeysAgency) {
  start_port(true);
  auto p = welcomed(keys_a_, "agency.a", "inbound");
  p->send({kV, "SUBMIT", "r1", R"({"id":"x"})"});
  p->send({kV, "SUBMIT", "r2", R"({"id":"refuse-me"})"});
  std::map<std::string, Frames> replies;
  for (int i = 0; i < 2; ++i) {
    const auto reply = p->recv();
    ASSERT_TRUE(reply.has_value());
    ASSERT_EQ(reply->size(), 8u);
    EXPECT_EQ(reply->at(1), "SUBMIT_REPLY");
    replies[reply->at(2)] = *reply;
  }
  EXPECT_EQ(replies["r1"][3], "accepted");
  EXPECT_EQ(nlohmann::json::parse(replies["r1"][7])["recipients"][0], "agency.b");
  EXPECT_EQ(replies["r2"][3], "refused");
  EXPECT_EQ(replies["r2"][4], "not_permitted");
  EXPECT_EQ(replies["r2"][6], "false");
  // Two io threads run submits, so the submitter may see them in either order (the protocol
  // promises no order between outstanding SUBMITs either).
  auto calls = submitter_.calls();
  std::sort(calls.begin(), calls.end());
  EXPECT_EQ(calls, (std::vector<std::pair<std::string, std::string>>{
                       {"agency.a", R"({"id":"refuse-me"})"}, {"agency.a", R"({"id":"x"})"}}));
}

TEST_F(ZmqPort, DeliverOutcomesFollowTheAdaptersAnswer) {
  start_port(true);
  auto p = welcomed(keys_a_, "agency.a", "outbound");
  auto adapter = port_->outbound_for("agency.a");
  EXPECT_EQ(adapter->kind(), "zmq");
  EXPECT_EQ(adapter->max_in_flight(), 64u);
  struct Row {
    std::string answer;  // "ACK", "NACK permanent", "NACK retry"
    DeliveryStatus expected;
  };
  const std::vector<Row> rows = {{"ACK", DeliveryStatus::delivered},
                                 {"NACK permanent", DeliveryStatus::permanent_failure},
                                 {"NACK retry", DeliveryStatus::retry_later}};
  std::int64_t id = 100;
  for (const auto& row : rows) {
    ++id;
    adapter->deliver(message(id, "agency.a", 3), outcomes_.done_for(id));
    const auto frames = p->recv();
    ASSERT_TRUE(frames.has_value());
    const auto m = message(id, "agency.a", 3);
    EXPECT_EQ(*frames, (Frames{kV, "DELIVER", std::to_string(id), m.message_id, m.sender,
                               m.event_type, m.case_urn, "3", "1700000000000", m.document}));
    if (row.answer == "ACK") {
      p->send({kV, "ACK", std::to_string(id)});
    } else {
      p->send({kV, "NACK", std::to_string(id), row.answer.substr(5), "schema mismatch"});
    }
    const auto outcome = outcomes_.wait(id);
    ASSERT_TRUE(outcome.has_value()) << row.answer;
    EXPECT_EQ(outcome->status, row.expected) << row.answer;
  }
  // An answer for a delivery that is not pending (a second ACK) is an error, not an outcome.
  p->send({kV, "ACK", std::to_string(id)});
  const auto error = p->recv();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->at(2), "unknown_delivery");
  EXPECT_EQ(outcomes_.count(id), 1u);
}

TEST_F(ZmqPort, NoConnectedPeerMeansRetryLater) {
  start_port(true);
  auto inbound_only = welcomed(keys_b_, "agency.b", "inbound");
  std::int64_t id = 0;
  for (const std::string agency : {"agency.a", "agency.b"}) {
    auto adapter = port_->outbound_for(agency);
    ++id;
    adapter->deliver(message(id, agency), outcomes_.done_for(id));
    const auto outcome = outcomes_.wait(id);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->status, DeliveryStatus::retry_later) << agency;
    EXPECT_NE(outcome->detail.find("no zmq adapter connected"), std::string::npos);
  }
}

TEST_F(ZmqPort, AckTimeoutMeansRetryLater) {
  adapters::ZmqPortOptions options;
  options.heartbeat_ms = 1000;
  options.ack_timeout_ms = 500;
  start_port(true, options);
  auto p = welcomed(keys_a_, "agency.a", "outbound");
  auto adapter = port_->outbound_for("agency.a");
  adapter->deliver(message(1, "agency.a"), outcomes_.done_for(1));
  ASSERT_TRUE(p->recv().has_value());
  clock_ += 501;
  const auto outcome = outcomes_.wait(1);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, DeliveryStatus::retry_later);
  EXPECT_EQ(port_->stats().ack_timeouts, 1u);
  // A late ACK finds nothing pending; the peer itself is still connected.
  p->send({kV, "ACK", "1"});
  const auto late = p->recv();
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->at(2), "unknown_delivery");
  EXPECT_EQ(port_->stats().peers_connected, 1u);
}

TEST_F(ZmqPort, MalformedFramesGetAnErrorAndNeverStopThePort) {
  start_port(true);
  auto p = peer(keys_a_);
  struct Row {
    Frames frames;
    std::string code;
  };
  const std::vector<Row> before_hello = {
      {{kV, "SUBMIT", "r1", "{}"}, "not_welcomed"},
      {{kV, "ACK", "1"}, "not_welcomed"},
      {{"ACCORD-ZMQ/9", "HELLO", "agency.a", "inbound"}, "unsupported_version"},
      {{kV}, "malformed"},
      {{kV, "FETCH"}, "unknown_kind"},
      {{kV, "HELLO", "agency.a"}, "malformed"},
      {{kV, "HELLO", "agency.a", "sideways"}, "malformed"},
      {Frames(40, kV), "malformed"},
      {{std::string("\0\xff", 2), std::string(5000, 'x')}, "unsupported_version"},
  };
  const std::vector<Row> after_hello = {
      {{kV, "HELLO", "agency.a", "inbound"}, "already_welcomed"},
      {{kV, "SUBMIT", "", "{}"}, "malformed"},
      {{kV, "SUBMIT", "r1", ""}, "malformed"},
      {{kV, "ACK", "-1"}, "malformed"},
      {{kV, "ACK", "12345"}, "unknown_delivery"},
      {{kV, "NACK", "1", "sometimes", "x"}, "malformed"},
      {{kV, "NACK", "1", "retry", "forged\nline"}, "malformed"},
      {{kV, "PING", "extra"}, "malformed"},
  };
  auto check = [&](const Row& row) {
    p->send(row.frames);
    const auto answer = p->recv();
    ASSERT_TRUE(answer.has_value()) << row.code;
    ASSERT_EQ(answer->size(), 4u) << row.code;
    EXPECT_EQ(answer->at(0), kV);
    EXPECT_EQ(answer->at(1), "ERROR");
    EXPECT_EQ(answer->at(2), row.code);
  };
  for (const auto& row : before_hello) check(row);
  const auto welcome = p->hello("agency.a", "outbound");
  ASSERT_TRUE(welcome.has_value());
  EXPECT_EQ(*welcome, (Frames{kV, "WELCOME", "agency.a", "5000", "64", "256", "1048576"}));
  for (const auto& row : after_hello) check(row);
  check({{kV, "SUBMIT", "r1", "{}"}, "no_capability"});  // HELLO said outbound only
  EXPECT_EQ(port_->stats().malformed, before_hello.size() + after_hello.size() + 1);
  EXPECT_TRUE(submitter_.calls().empty());
  p->send({kV, "PING"});
  const auto pong = p->recv();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(*pong, (Frames{kV, "PONG"}));
}

TEST_F(ZmqPort, OversizedFrameDropsOnlyThatConnection) {
  adapters::ZmqPortOptions options;
  options.max_frame_bytes = 4096;
  start_port(true, options);
  auto big = welcomed(keys_a_, "agency.a", "inbound");
  big->send({kV, "SUBMIT", "r1", std::string(8192, 'x')});
  auto other = welcomed(keys_b_, "agency.b", "inbound");
  other->send({kV, "SUBMIT", "r1", "{}"});
  const auto reply = other->recv();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->at(3), "accepted");
  const auto calls = submitter_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "agency.b");
}

TEST_F(ZmqPort, FloodIsCappedPerPeerAndOthersStillGetThrough) {
  adapters::ZmqPortOptions options;
  options.max_submit_in_flight = 4;
  start_port(true, options);
  submitter_.set_hold(true);
  auto flooder = welcomed(keys_a_, "agency.a", "inbound");
  for (int i = 0; i < 7; ++i) flooder->send({kV, "SUBMIT", "f" + std::to_string(i), "{}"});
  for (int i = 0; i < 3; ++i) {
    const auto reply = flooder->recv();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->at(3), "refused");
    EXPECT_EQ(reply->at(4), "overloaded");
    EXPECT_EQ(reply->at(6), "true");  // retryable
  }
  ASSERT_TRUE(wait_until([&] { return submitter_.calls().size() == 4; }));
  auto polite = welcomed(keys_b_, "agency.b", "inbound");
  polite->send({kV, "SUBMIT", "p1", "{}"});
  ASSERT_TRUE(wait_until([&] { return submitter_.calls().size() == 5; }));
  EXPECT_EQ(submitter_.calls().back().first, "agency.b");
  EXPECT_EQ(port_->stats().submits_overloaded, 3u);
  adapters::SubmitReply accepted;
  accepted.status = adapters::SubmitReply::Status::accepted;
  submitter_.release_all(accepted);
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    const auto reply = flooder->recv();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->at(3), "accepted");
    ids.insert(reply->at(2));
  }
  EXPECT_EQ(ids, (std::set<std::string>{"f0", "f1", "f2", "f3"}));
  const auto polite_reply = polite->recv();
  ASSERT_TRUE(polite_reply.has_value());
  EXPECT_EQ(polite_reply->at(2), "p1");
  // Capacity is back once replies went out.
  flooder->send({kV, "SUBMIT", "f9", "{}"});
  ASSERT_TRUE(wait_until([&] { return submitter_.calls().size() == 6; }));
}

TEST_F(ZmqPort, HeartbeatExpiryReturnsPendingDeliveries) {
  adapters::ZmqPortOptions options;
  options.heartbeat_ms = 1000;
  options.ack_timeout_ms = 60'000;
  start_port(true, options);
  auto silent = welcomed(keys_a_, "agency.a", "outbound");
  auto adapter = port_->outbound_for("agency.a");
  adapter->deliver(message(1, "agency.a"), outcomes_.done_for(1));
  ASSERT_TRUE(silent->recv().has_value());  // the DELIVER, never answered
  // More than 3 heartbeats since the peer was last heard (its HELLO); the gateway's PINGs
  // go unanswered because this peer reads nothing meanwhile.
  clock_ += 3001;
  const auto outcome = outcomes_.wait(1);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, DeliveryStatus::retry_later);
  EXPECT_NE(outcome->detail.find("heartbeat"), std::string::npos);
  EXPECT_EQ(port_->stats().peers_expired, 1u);
  EXPECT_EQ(port_->stats().peers_connected, 0u);
  // The peer is told, and must say HELLO again before anything else.
  std::optional<Frames> bye;
  do {
    bye = silent->recv();
  } while (bye && bye->at(1) != "BYE");
  ASSERT_TRUE(bye.has_value());
  EXPECT_EQ(bye->at(2), "expired");
  silent->send({kV, "ACK", "1"});
  const auto error = silent->recv();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->at(2), "not_welcomed");
  EXPECT_EQ(silent->hello("agency.a")->at(1), "WELCOME");
}

TEST_F(ZmqPort, NewestConnectionWinsAndTheOldOnesDeliveriesRetry) {
  start_port(true);
  auto first = welcomed(keys_a_, "agency.a", "outbound");
  auto adapter = port_->outbound_for("agency.a");
  adapter->deliver(message(1, "agency.a"), outcomes_.done_for(1));
  ASSERT_TRUE(first->recv().has_value());
  auto second = welcomed(keys_a_, "agency.a", "outbound");
  const auto bye = first->recv();
  ASSERT_TRUE(bye.has_value());
  EXPECT_EQ(*bye, (Frames{kV, "BYE", "replaced"}));
  const auto outcome = outcomes_.wait(1);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, DeliveryStatus::retry_later);
  EXPECT_EQ(port_->stats().peers_replaced, 1u);
  EXPECT_EQ(port_->stats().peers_connected, 1u);
  adapter->deliver(message(1, "agency.a", 2), outcomes_.done_for(2));
  const auto again = second->recv();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->at(7), "2");  // attempt
  second->send({kV, "ACK", "1"});
  const auto delivered = outcomes_.wait(2);
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(delivered->status, DeliveryStatus::delivered);
}

TEST_F(ZmqPort, MaxInFlightPerAgencyIsEnforced) {
  adapters::ZmqPortOptions options;
  options.max_in_flight = 2;
  start_port(true, options);
  auto p = welcomed(keys_a_, "agency.a", "outbound");
  auto adapter = port_->outbound_for("agency.a");
  EXPECT_EQ(adapter->max_in_flight(), 2u);
  for (int id = 1; id <= 3; ++id) adapter->deliver(message(id, "agency.a"), outcomes_.done_for(id));
  const auto third = outcomes_.wait(3);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->status, DeliveryStatus::retry_later);
  EXPECT_FALSE(outcomes_.get(1).has_value());
  EXPECT_FALSE(outcomes_.get(2).has_value());
}

TEST_F(ZmqPort, StoppingAnswersEveryPendingDeliveryRetryLater) {
  start_port(true);
  auto p = welcomed(keys_a_, "agency.a", "outbound");
  auto adapter_one = port_->outbound_for("agency.a");
  auto adapter_two = port_->outbound_for("agency.a");
  adapter_one->deliver(message(1, "agency.a"), outcomes_.done_for(1));
  adapter_two->deliver(message(2, "agency.a"), outcomes_.done_for(2));
  ASSERT_TRUE(p->recv().has_value());
  ASSERT_TRUE(p->recv().has_value());
  adapter_one->stop();  // cancels its own delivery only
  const auto first = outcomes_.wait(1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, DeliveryStatus::retry_later);
  EXPECT_FALSE(outcomes_.get(2).has_value());
  port_->stop();
  const auto second = outcomes_.wait(2);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, DeliveryStatus::retry_later);
  const auto bye = p->recv();
  ASSERT_TRUE(bye.has_value());
  EXPECT_EQ(*bye, (Frames{kV, "BYE", "shutting_down"}));
  adapter_two->deliver(message(3, "agency.a"), outcomes_.done_for(3));
  const auto after = outcomes_.wait(3);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, DeliveryStatus::retry_later);
  port_->stop();  // idempotent
  EXPECT_EQ(outcomes_.count(1) + outcomes_.count(2) + outcomes_.count(3), 3u);
}

TEST_F(ZmqPort, RegistryMakesZmqAdaptersForConfiguredAgenciesOnly) {
  start_port(true);
  adapters::Registry registry;
  ASSERT_TRUE(adapters::register_zmq(registry, *port_).ok());
  EXPECT_FALSE(adapters::register_zmq(registry, *port_).ok());  // twice
  struct Row {
    std::string agency;
    std::string settings;
    std::string where;  // empty: created
  };
  const std::vector<Row> rows = {
      {"agency.a", "{type: zmq}", ""},
      {"agency.b", "type: zmq\n", ""},
      {"agency.a", "type: zmq\nendpoint: tcp://x:1\n", "2:1"},
      {"agency.c", "type: zmq\n", "1:1"},
      {"agency.a", "[zmq]", "1:1"},
  };
  for (const auto& row : rows) {
    adapters::AdapterContext context;
    context.agency = row.agency;
    context.settings = YAML::Load(row.settings);
    context.io = &io_;
    auto made = registry.make_outbound("zmq", context);
    if (row.where.empty()) {
      ASSERT_TRUE(made.ok()) << made.error().message;
      EXPECT_EQ(made.value()->kind(), "zmq");
    } else {
      ASSERT_FALSE(made.ok()) << row.settings;
      EXPECT_EQ(made.error().code, "invalid_config");
      EXPECT_EQ(made.error().path, row.where) << made.error().message;
    }
  }
}

// What main() registers: the port "zmq", made by the gateway. Under --check with no secret
// key yet it makes no port and writes nothing, yet still checks each agency's settings; on a
// real start it creates the key, the port and its "zmq" outbound type. Bad settings are
// located in the configuration file.
TEST_F(ZmqPort, RegisteredPortIsMadeByTheGatewayAndCheckCreatesNothing) {
  const std::string key_path = dir_.file("gateway-zmq.key");
  const YAML::Node section = YAML::Load("endpoint: tcp://127.0.0.1:*\nsecret_key: " + key_path +
                                        "\nadapters:\n  - agency: agency.a\n    public_key: \"" +
                                        keys_a_.public_key + "\"\n");
  struct Row {
    const char* name;
    bool check_only;
    bool port_made;
  };
  for (const Row row : {Row{"check", true, false}, Row{"start", false, true}}) {
    adapters::Registry registry;
    ASSERT_TRUE(adapters::register_zmq_port(registry, section).ok());
    EXPECT_FALSE(adapters::register_zmq_port(registry, section).ok()) << "registered twice";
    ASSERT_EQ(registry.ports().count("zmq"), 1u);
    EXPECT_TRUE(registry.outbound_types().empty()) << "nothing before the gateway makes it";
    adapters::PortContext context{
        dir_.path(),   "gateway.yaml", &io_, &submitter_, [] { return std::int64_t{0}; },
        row.check_only};
    auto port = registry.ports().at("zmq")(context, registry);
    ASSERT_TRUE(port.ok()) << row.name << ": " << port.error().message;
    EXPECT_EQ(port.value() != nullptr, row.port_made) << row.name;
    EXPECT_EQ(std::filesystem::exists(key_path), row.port_made)
        << row.name << ": the secret key is created only on a real start";
    adapters::AdapterContext agency;
    agency.agency = "agency.a";
    agency.settings = YAML::Load("{type: zmq}");
    agency.io = &io_;
    EXPECT_TRUE(registry.make_outbound("zmq", agency).ok()) << row.name;
    agency.agency = "agency.c";  // no key under zmq.adapters
    auto unbound = registry.make_outbound("zmq", agency);
    ASSERT_FALSE(unbound.ok()) << row.name;
    EXPECT_EQ(unbound.error().code, "invalid_config");
  }

  adapters::Registry registry;
  ASSERT_TRUE(adapters::register_zmq_port(registry, YAML::Load("endpoint: udp://x:1")).ok());
  adapters::PortContext context{dir_.path(), "gateway.yaml", &io_, &submitter_, {}, true};
  auto bad = registry.ports().at("zmq")(context, registry);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_config");
  EXPECT_EQ(bad.error().path.rfind("gateway.yaml:", 0), 0u) << bad.error().path;
}

}  // namespace
}  // namespace accord::zmqtest
