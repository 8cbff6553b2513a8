// encode_record builds its bytes by hand; they must be exactly those of the nlohmann
// ordered_json builder it replaced (kept here as the reference), for every string a record
// can carry: escapes, control bytes, DEL, UTF-8, invalid UTF-8, repeated detail keys.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/core/time_format.hpp"

namespace accord::audit {
namespace {

void put(nlohmann::ordered_json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

void put(nlohmann::ordered_json& out, const char* key, std::int64_t value) {
  if (value != 0) out[key] = value;
}

// The builder of commits before issue 20, verbatim.
std::string reference_encode(std::int64_t seq, const Event& event) {
  nlohmann::ordered_json out;
  out["seq"] = seq;
  out["at"] = format_time_ms(event.at_ms);
  out["kind"] = event.kind;
  put(out, "message_id", event.message_id);
  put(out, "sender", event.sender);
  put(out, "recipient", event.recipient);
  put(out, "agreement", event.agreement);
  put(out, "event_type", event.event_type);
  put(out, "case_urn", event.case_urn);
  put(out, "subject_role", event.subject_role);
  put(out, "subject_ref", event.subject_ref);
  put(out, "delivery_id", event.delivery_id);
  put(out, "attempt", static_cast<std::int64_t>(event.attempt));
  put(out, "content_hash", event.content_hash);
  put(out, "copy_hash", event.copy_hash);
  if (!event.fields.empty()) {
    auto& fields = out["fields"] = nlohmann::ordered_json::array();
    for (const auto& f : event.fields) fields.push_back({f.path, f.action});
  }
  put(out, "code", event.code);
  put(out, "reason", event.reason);
  if (!event.details.empty()) {
    auto& details = out["details"] = nlohmann::ordered_json::object();
    for (const auto& [key, value] : event.details) details[key] = value;
  }
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Event full_event() {
  Event e;
  e.kind = std::string(kind::kDecisionAccepted);
  e.at_ms = 1'795'000'000'123;
  e.message_id = "msg-1";
  e.sender = "police.met";
  e.recipient = "cps.london";
  e.agreement = "isa-1@2";
  e.event_type = "charge.decided";
  e.case_urn = "01AB1234521";
  e.subject_role = "victim";
  e.subject_ref = "V-7F3A";
  e.delivery_id = 42;
  e.attempt = -3;
  e.content_hash = "aa";
  e.copy_hash = "bb";
  e.fields = {{"victim.dob", "generalise"}, {"victim.phone", "encrypt"}};
  e.code = "not_permitted";
  e.reason = "no agreement";
  e.details = {{"z", "1"}, {"a", "2"}};
  return e;
}

TEST(AuditRecordBytes, MatchTheReferenceBuilderOnATable) {
  const std::vector<std::string> strings = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "controls \x01\x08\x09\x0a\x0b\x0c\x0d\x1f\x7f end",  // no NUL: its own length
      std::string("nul \0 inside", 12),
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid UTF-8
      "bad \xff\xfe utf-8 \xc3",                    // invalid: replaced by U+FFFD
      "\"delivery_id\":1,",
  };
  std::vector<std::pair<std::string, Event>> rows;
  rows.emplace_back("full", full_event());
  Event bare;
  bare.kind = "admin.gateway_started";
  rows.emplace_back("bare", bare);
  Event repeated = full_event();
  repeated.details = {{"k", "1"}, {"j", "2"}, {"k", "3"}};
  rows.emplace_back("repeated detail key", repeated);
  for (const auto& s : strings) {
    Event e = full_event();
    e.message_id = e.sender = e.reason = e.code = e.case_urn = s;
    e.fields = {{s, "share"}, {"x", s}};
    e.details = {{s, s}, {"b", s}};
    rows.emplace_back("string " + s, e);
  }
  for (const auto& [name, event] : rows) {
    for (const std::int64_t seq :
         {std::int64_t{1}, std::int64_t{-5}, std::int64_t{9'000'000'000}}) {
      EXPECT_EQ(encode_record(seq, event), reference_encode(seq, event)) << name;
    }
  }
}

// Random strings of any bytes in every member: the two builders never differ.
TEST(AuditRecordBytes, MatchTheReferenceBuilderOnRandomStrings) {
  std::mt19937 rng(20);
  auto random_string = [&] {
    std::uniform_int_distribution<int> length(0, 12), pick(0, 9), byte(0, 255), ascii(0x20, 0x7e);
    std::string s;
    for (int i = length(rng); i > 0; --i) {
      // Mostly ASCII, sometimes a control byte or a byte of (possibly broken) UTF-8.
      const int p = pick(rng);
      s += static_cast<char>(p < 7 ? ascii(rng) : p < 8 ? byte(rng) % 0x20 : byte(rng));
    }
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    Event e;
    e.kind = random_string();
    e.at_ms = std::uniform_int_distribution<std::int64_t>(0, 4'000'000'000'000)(rng);
    e.message_id = random_string();
    e.sender = random_string();
    e.recipient = random_string();
    e.agreement = random_string();
    e.event_type = random_string();
    e.case_urn = random_string();
    e.subject_role = random_string();
    e.subject_ref = random_string();
    e.delivery_id = std::uniform_int_distribution<std::int64_t>(-2, 2)(rng);
    e.attempt = std::uniform_int_distribution<int>(-1, 2)(rng);
    e.content_hash = random_string();
    e.copy_hash = random_string();
    for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i) {
      e.fields.push_back({random_string(), random_string()});
    }
    e.code = random_string();
    e.reason = random_string();
    for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i) {
      e.details.emplace_back(round % 2 == 0 ? random_string() : std::string(1, 'a' + i % 2),
                             random_string());
    }
    const auto expected = reference_encode(round, e);
    ASSERT_EQ(encode_record(round, e), expected) << "round " << round;
  }
}

}  // namespace
}  // namespace accord::audit
