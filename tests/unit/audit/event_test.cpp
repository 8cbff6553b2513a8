// Record bytes are the format: fixed key order, omitted empties, no whitespace.
#include "accord/audit/event.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "accord/audit/chain.hpp"

namespace accord::audit {
namespace {

TEST(AuditRecord, KeysComeInTheDocumentedOrderAndEmptiesAreOmitted) {
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
  e.content_hash = "aa";
  e.copy_hash = "bb";
  e.fields = {{"victim.dob", "generalise"}, {"victim.phone", "encrypt"}};
  e.details = {{"z", "1"}, {"a", "2"}};
  EXPECT_EQ(encode_record(7, e),
            R"({"seq":7,"at":"2026-11-18T11:06:40.123Z","kind":"decision.accepted",)"
            R"("message_id":"msg-1","sender":"police.met","recipient":"cps.london",)"
            R"("agreement":"isa-1@2","event_type":"charge.decided","case_urn":"01AB1234521",)"
            R"("subject_role":"victim","subject_ref":"V-7F3A","delivery_id":42,)"
            R"("content_hash":"aa","copy_hash":"bb","fields":[["victim.dob","generalise"],)"
            R"(["victim.phone","encrypt"]],"details":{"z":"1","a":"2"}})");
  Event bare;
  bare.kind = "admin.gateway_started";
  EXPECT_EQ(encode_record(1, bare),
            R"({"seq":1,"at":"1970-01-01T00:00:00.000Z","kind":"admin.gateway_started"})");
}

TEST(AuditRecord, StringsAreEscapedSoARecordIsOneLine) {
  Event e;
  e.kind = "decision.refused";
  e.reason = "line\nbreak \"quoted\"";
  const auto record = encode_record(3, e);
  EXPECT_EQ(record.find('\n'), std::string::npos);
  EXPECT_NE(record.find(R"("reason":"line\nbreak \"quoted\"")"), std::string::npos);
}

// The writer splices seq and delivery id into a template built off its thread: the bytes
// must be exactly encode_record's, whatever is set or omitted around the cut.
TEST(AuditRecord, TemplateRendersTheSameBytesAsEncodeRecord) {
  Event full;
  full.kind = std::string(kind::kDecisionAccepted);
  full.at_ms = 1'795'000'000'123;
  full.message_id = "msg-\"delivery_id\":1,";  // the cut mark inside a value is escaped
  full.sender = "police.met";
  full.recipient = "cps.london";
  full.agreement = "isa-1@2";
  full.case_urn = "01AB1234521";
  full.subject_ref = "V-7F3A";
  full.content_hash = "aa";
  full.copy_hash = "bb";
  full.fields = {{"victim.dob", "generalise"}};
  Event nothing_after = full;  // delivery_id would be the last key
  nothing_after.content_hash.clear();
  nothing_after.copy_hash.clear();
  nothing_after.fields.clear();
  Event bare;
  bare.kind = "admin.gateway_started";
  Event refused;
  refused.kind = std::string(kind::kDecisionRefused);
  refused.recipient = "wcu.met";
  refused.code = "not_permitted";
  refused.reason = "no agreement\n";
  Event retried = full;
  retried.attempt = 3;
  retried.details = {{"next_attempt_at", "x"}};
  const std::vector<std::pair<const char*, Event>> rows = {{"full", full},
                                                           {"nothing_after", nothing_after},
                                                           {"bare", bare},
                                                           {"refused", refused},
                                                           {"retried", retried}};
  for (const auto& [name, event] : rows) {
    const auto tmpl = make_template(event);
    for (const std::int64_t seq : std::vector<std::int64_t>{1, 7, 1'000'000'007}) {
      for (const std::int64_t id : std::vector<std::int64_t>{0, 1, 42, 9'000'000'000}) {
        Event expected = event;
        expected.delivery_id = id;
        EXPECT_EQ(render(tmpl, seq, id), encode_record(seq, expected))
            << name << " seq " << seq << " id " << id;
      }
    }
  }
}

// Known-answer: h_1 for the empty-record digest chain, computed independently with
// Python: sha256(b"accord-audit-chain-v1" + bytes(32) + sha256(b"{}").digest()).
TEST(AuditChain, KnownAnswer) {
  const Digest zero{};
  const auto h1 = chain_next(zero, record_digest("{}"));
  EXPECT_EQ(to_hex(record_digest("{}")),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ(to_hex(h1), "5e11dba99d5a621a392b3796314f91c613e930dbf44f2f8f9bdd66009a892177");
}

TEST(AuditChain, HexRoundTripAndRefusals) {
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<unsigned char>(i * 7);
  auto back = digest_from_hex(to_hex(d));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), d);
  for (const char* bad :
       {"", "00", "zz00000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000000000000000000000000000000000000000000000"}) {
    EXPECT_FALSE(digest_from_hex(bad).ok()) << bad;
  }
}

TEST(AuditCheckpoint, ParseRefusesAnythingButTheExactShape) {
  const std::string head(64, 'a');
  const std::string good =
      R"({"seq":3,"head":")" + head +
      R"(","at":"2026-11-22T00:00:00.000Z","alg":"ed25519","kid":"k","sig":"s"})";
  ASSERT_TRUE(parse_checkpoint(good).ok());
  const std::string bad[] = {
      "[]",
      "{}",
      R"({"seq":"3","head":")" + head + R"(","at":"x","alg":"ed25519","kid":"k","sig":"s"})",
      R"({"seq":-1,"head":")" + head + R"(","at":"x","alg":"ed25519","kid":"k","sig":"s"})",
      R"({"seq":3,"head":"abc","at":"x","alg":"ed25519","kid":"k","sig":"s"})",
      R"({"seq":3,"head":")" + head + R"(","at":"x","alg":"ed25519","kid":"k"})",
      R"({"seq":3,"head":")" + head + R"(","at":"x","alg":"ed25519","kid":"k","sig":"s","x":1})",
  };
  for (const auto& text : bad) {
    auto parsed = parse_checkpoint(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, "bad_checkpoint") << text;
  }
}

}  // namespace
}  // namespace accord::audit
