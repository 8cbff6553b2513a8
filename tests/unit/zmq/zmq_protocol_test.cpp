// The sans-I/O codec of docs/adapter-protocol.md: one row per frame list.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "accord/adapters/zmq/protocol.hpp"

namespace accord::adapters::zmqproto {
namespace {

const std::string V(kVersion);

struct Row {
  std::string name;
  Frames frames;
  std::string code;  // empty: parses
};

// Rows print as their name, not as bytes.
void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class ParseAdapterMessage : public ::testing::TestWithParam<Row> {};

TEST_P(ParseAdapterMessage, Row) {
  const auto& row = GetParam();
  const auto parsed = parse_adapter_message(row.frames);
  if (row.code.empty()) {
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  } else {
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, row.code) << parsed.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseAdapterMessage,
    ::testing::Values(
        Row{"hello_both", {V, "HELLO", "agency.a", "inbound,outbound"}, ""},
        Row{"hello_reversed", {V, "HELLO", "agency.a", "outbound,inbound"}, ""},
        Row{"hello_inbound", {V, "HELLO", "agency.a", "inbound"}, ""},
        Row{"submit", {V, "SUBMIT", "r-1", "{}"}, ""}, Row{"ack", {V, "ACK", "42"}, ""},
        Row{"nack_permanent", {V, "NACK", "42", "permanent", "schema"}, ""},
        Row{"nack_retry_empty_reason", {V, "NACK", "42", "retry", ""}, ""},
        Row{"ping", {V, "PING"}, ""}, Row{"pong", {V, "PONG"}, ""},
        Row{"bye", {V, "BYE", "closing"}, ""}, Row{"empty", {}, "malformed"},
        Row{"version_only", {V}, "malformed"},
        Row{"old_version", {"ACCORD-ZMQ/0", "PING"}, "unsupported_version"},
        Row{"no_version", {"PING"}, "malformed"},
        Row{"garbage_version", {"\xff\xfe", "PING"}, "unsupported_version"},
        Row{"unknown_kind", {V, "FETCH"}, "unknown_kind"},
        Row{"lowercase_kind", {V, "ping"}, "unknown_kind"},
        Row{"gateway_kind_from_adapter", {V, "WELCOME"}, "unknown_kind"},
        Row{"ping_extra", {V, "PING", "x"}, "malformed"},
        Row{"seventeen_frames", Frames(17, V), "malformed"},
        Row{"hello_short", {V, "HELLO", "agency.a"}, "malformed"},
        Row{"hello_no_caps", {V, "HELLO", "agency.a", ""}, "malformed"},
        Row{"hello_bad_cap", {V, "HELLO", "agency.a", "sideways"}, "malformed"},
        Row{"hello_twice_cap", {V, "HELLO", "agency.a", "inbound,inbound"}, "malformed"},
        Row{"hello_trailing_comma", {V, "HELLO", "agency.a", "inbound,"}, "malformed"},
        Row{"hello_space_agency", {V, "HELLO", "agency a", "inbound"}, "malformed"},
        Row{"hello_long_agency", {V, "HELLO", std::string(129, 'a'), "inbound"}, "malformed"},
        Row{"submit_no_body", {V, "SUBMIT", "r-1"}, "malformed"},
        Row{"submit_empty_body", {V, "SUBMIT", "r-1", ""}, "malformed"},
        Row{"submit_empty_id", {V, "SUBMIT", "", "{}"}, "malformed"},
        Row{"submit_control_id", {V, "SUBMIT", "r\n1", "{}"}, "malformed"},
        Row{"ack_text", {V, "ACK", "abc"}, "malformed"},
        Row{"ack_negative", {V, "ACK", "-5"}, "malformed"},
        Row{"ack_zero", {V, "ACK", "0"}, "malformed"},
        Row{"ack_overflow", {V, "ACK", "99999999999999999999"}, "malformed"},
        Row{"ack_extra", {V, "ACK", "1", "2"}, "malformed"},
        Row{"nack_bad_mode", {V, "NACK", "1", "maybe", "x"}, "malformed"},
        Row{"nack_newline_reason", {V, "NACK", "1", "retry", "a\nforged log line"}, "malformed"},
        Row{"nack_long_reason", {V, "NACK", "1", "retry", std::string(1025, 'x')}, "malformed"},
        Row{"bye_no_reason", {V, "BYE"}, "malformed"}),
    [](const auto& info) { return info.param.name; });

TEST(ZmqProtocol, ParsedValuesCarryTheFields) {
  const auto hello = parse_adapter_message({V, "HELLO", "agency.a", "outbound"});
  ASSERT_TRUE(hello.ok());
  const auto& h = std::get<Hello>(hello.value());
  EXPECT_EQ(h.agency, "agency.a");
  EXPECT_FALSE(h.inbound);
  EXPECT_TRUE(h.outbound);
  const auto nack = parse_adapter_message({V, "NACK", "9007199254740993", "permanent", "bad"});
  ASSERT_TRUE(nack.ok());
  const auto& n = std::get<Nack>(nack.value());
  EXPECT_EQ(n.delivery_id, 9007199254740993);
  EXPECT_TRUE(n.permanent);
  EXPECT_EQ(n.reason, "bad");
}

TEST(ZmqProtocol, GatewayMessagesHaveTheDocumentedFrames) {
  OutboundMessage m;
  m.delivery_id = 7;
  m.message_id = "m";
  m.sender = "s";
  m.event_type = "e";
  m.case_urn = "c";
  m.attempt = 2;
  m.received_at_ms = 5;
  m.document = "{}";
  EXPECT_EQ(deliver(m), (Frames{V, "DELIVER", "7", "m", "s", "e", "c", "2", "5", "{}"}));
  SubmitReply r;
  r.status = SubmitReply::Status::refused;
  r.code = "invalid_json";
  r.message = "bad \xff";  // broken UTF-8 from below must not throw
  r.path = "data.x";
  r.retryable = false;
  const auto frames = submit_reply("r1", r);
  ASSERT_EQ(frames.size(), 8u);
  EXPECT_EQ(frames[3], "refused");
  EXPECT_EQ(frames[6], "false");
  EXPECT_EQ(nlohmann::json::parse(frames[7])["path"], "data.x");
  EXPECT_EQ(welcome("a", 1, 2, 3, 4), (Frames{V, "WELCOME", "a", "1", "2", "3", "4"}));
}

}  // namespace
}  // namespace accord::adapters::zmqproto
