// GET /v1/messages/{id}'s body (and a status notice's `status` string): every state, the
// members that are absent when they do not apply, the order of `recipients`, and `complete`.
// Whole documents are compared byte for byte: the order of members is part of the rendering.
#include "accord/api/message_status_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::api {
namespace {

// 2026-11-22T09:30:00.123Z and a few later instants.
constexpr std::int64_t kReceived = 1795339800123;
constexpr std::int64_t kLater = kReceived + 1000;   // ...:01.123Z
constexpr std::int64_t kLatest = kReceived + 2000;  // ...:02.123Z
const std::string kHash(64, 'a');

spool::CopyStatus copy(std::string recipient, std::int64_t id, std::string state) {
  spool::CopyStatus c;
  c.recipient = std::move(recipient);
  c.delivery_id = id;
  c.state = std::move(state);
  return c;
}

spool::MessageStatus submission(std::vector<spool::CopyStatus> copies,
                                std::vector<spool::WithheldRecipient> withheld = {}) {
  spool::MessageStatus s;
  s.sender = "police.met";
  s.message_id = "met-1";
  s.event_type = "referral.created";
  s.case_urn = "01AB1234521";
  s.received_at_ms = kReceived;
  s.copies = std::move(copies);
  s.withheld = std::move(withheld);
  return s;
}

const std::string kHead =
    R"({"message_id":"met-1","sender":"police.met","type":"referral.created",)"
    R"("case_urn":"01AB1234521","received_at":"2026-11-22T09:30:00.123Z",)";

struct Row {
  std::string name;
  spool::MessageStatus status;
  std::string expected;  // after kHead
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

std::vector<Row> rows() {
  std::vector<Row> out;

  auto queued = copy("provider.lvws", 7, "queued");
  queued.attempts = 1;
  queued.lease_expires_at_ms = kLater;  // a lapsed lease: not shown
  queued.copy_hash = kHash;
  out.push_back({"queued_hides_a_lapsed_lease", submission({queued}),
                 R"("complete":false,"recipients":[{"recipient":"provider.lvws","state":"queued",)"
                 R"("delivery_id":"7","attempts":1,"copy_hash":")" +
                     kHash + R"("}]})"});

  auto leased = copy("provider.lvws", 7, "leased");
  leased.attempts = 2;
  leased.lease_expires_at_ms = kLater;
  out.push_back({"leased_shows_its_expiry", submission({leased}),
                 R"("complete":false,"recipients":[{"recipient":"provider.lvws","state":"leased",)"
                 R"("delivery_id":"7","attempts":2,)"
                 R"("lease_expires_at":"2026-11-22T09:30:01.123Z"}]})"});

  auto delivered = copy("provider.lvws", 8, "delivered");
  delivered.attempts = 1;
  delivered.delivered_at_ms = kLater;
  delivered.channel_ref = "<8.x@gw>";
  delivered.receipt_required = true;
  out.push_back({"delivered_by_a_channel", submission({delivered}),
                 R"("complete":false,"recipients":[{"recipient":"provider.lvws",)"
                 R"("state":"delivered","delivery_id":"8","attempts":1,)"
                 R"("delivered_at":"2026-11-22T09:30:01.123Z","channel_ref":"<8.x@gw>",)"
                 R"("receipt_required":true}]})"});

  auto acknowledged = copy("provider.lvws", 9, "acknowledged");
  acknowledged.attempts = 1;
  acknowledged.delivered_at_ms = kLater;
  acknowledged.acknowledged_at_ms = kLatest;
  acknowledged.channel_ref = "s:3";
  acknowledged.receipt_required = true;
  acknowledged.copy_hash = kHash;
  acknowledged.receipt = spool::Receipt{"kid1", "c2ln", kLatest};
  out.push_back({"acknowledged_with_a_receipt_is_complete", submission({acknowledged}),
                 R"("complete":true,"recipients":[{"recipient":"provider.lvws",)"
                 R"("state":"acknowledged","delivery_id":"9","attempts":1,)"
                 R"("delivered_at":"2026-11-22T09:30:01.123Z",)"
                 R"("acknowledged_at":"2026-11-22T09:30:02.123Z","channel_ref":"s:3",)"
                 R"("receipt_required":true,"copy_hash":")" +
                     kHash + R"(","receipt":{"alg":"ed25519","kid":"kid1","copy_hash":")" + kHash +
                     R"(","sig":"c2ln","accepted_at":"2026-11-22T09:30:02.123Z"}}]})"});

  auto dead = copy("cps.london", 43, "dead_lettered");
  dead.attempts = 8;
  dead.dead_lettered_at_ms = kLater;
  dead.dead_letter_code = "max_attempts";
  dead.dead_letter_detail = "HTTP 503";
  out.push_back({"dead_lettered_shows_why", submission({dead}),
                 R"("complete":false,"recipients":[{"recipient":"cps.london",)"
                 R"("state":"dead_lettered","delivery_id":"43","attempts":8,)"
                 R"("dead_lettered_at":"2026-11-22T09:30:01.123Z",)"
                 R"("dead_letter":{"code":"max_attempts","detail":"HTTP 503"}}]})"});

  auto redriven = dead;
  redriven.state = "queued";
  out.push_back({"redriven_forgets_its_dead_letter", submission({redriven}),
                 R"("complete":false,"recipients":[{"recipient":"cps.london",)"
                 R"("state":"queued","delivery_id":"43","attempts":8}]})"});

  auto purged = copy("cps.london", 44, "purged");
  out.push_back({"purged", submission({purged}),
                 R"("complete":false,"recipients":[{"recipient":"cps.london","state":"purged",)"
                 R"("delivery_id":"44","attempts":0}]})"});

  out.push_back(
      {"withheld_only_is_never_complete",
       submission({}, {{"probation.london", "not_permitted", "flow f: condition c"}}),
       R"("complete":false,"recipients":[{"recipient":"probation.london","state":"withheld",)"
       R"("code":"not_permitted","reason":"flow f: condition c"}]})"});

  out.push_back({"nothing_at_all", submission({}), R"("complete":false,"recipients":[]})"});

  auto ack_a = copy("b.two", 5, "acknowledged");
  ack_a.acknowledged_at_ms = kLater;
  out.push_back(
      {"complete_ignores_withheld", submission({ack_a}, {{"a.one", "not_permitted", "r"}}),
       R"("complete":true,"recipients":[{"recipient":"a.one","state":"withheld",)"
       R"("code":"not_permitted","reason":"r"},{"recipient":"b.two","state":"acknowledged",)"
       R"("delivery_id":"5","attempts":0,"acknowledged_at":"2026-11-22T09:30:01.123Z"}]})"});

  out.push_back(
      {"one_copy_not_acknowledged_is_not_complete",
       submission({ack_a, copy("c.three", 6, "delivered")}),
       R"("complete":false,"recipients":[{"recipient":"b.two","state":"acknowledged",)"
       R"("delivery_id":"5","attempts":0,"acknowledged_at":"2026-11-22T09:30:01.123Z"},)"
       R"({"recipient":"c.three","state":"delivered","delivery_id":"6","attempts":0}]})"});

  // Given out of order: sorted by recipient; one recipient's copies by id, then its withheld.
  out.push_back(
      {"sorted_by_recipient_copies_first",
       submission(
           {copy("c.three", 12, "queued"), copy("a.one", 11, "queued"), copy("a.one", 3, "queued")},
           {{"b.two", "not_permitted", "r2"}, {"a.one", "no_recipient_key", "r1"}}),
       R"("complete":false,"recipients":[)"
       R"({"recipient":"a.one","state":"queued","delivery_id":"3","attempts":0},)"
       R"({"recipient":"a.one","state":"queued","delivery_id":"11","attempts":0},)"
       R"({"recipient":"a.one","state":"withheld","code":"no_recipient_key","reason":"r1"},)"
       R"({"recipient":"b.two","state":"withheld","code":"not_permitted","reason":"r2"},)"
       R"({"recipient":"c.three","state":"queued","delivery_id":"12","attempts":0}]})"});
  return out;
}

class MessageStatusJsonTest : public ::testing::TestWithParam<Row> {};

TEST_P(MessageStatusJsonTest, RendersAsDocumented) {
  const auto& row = GetParam();
  EXPECT_EQ(message_status_json(row.status), kHead + row.expected);
}

INSTANTIATE_TEST_SUITE_P(States, MessageStatusJsonTest, ::testing::ValuesIn(rows()),
                         [](const auto& info) { return info.param.name; });

TEST(MessageStatusJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  auto s = submission({}, {{"a.one", "not_permitted", std::string("bad \xff byte")}});
  EXPECT_NE(message_status_json(s).find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

}  // namespace
}  // namespace accord::api
