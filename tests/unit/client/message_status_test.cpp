// `accord status`: the request target (ids refused locally, dots kept in one segment) and the
// table a person reads, one row per case, negative rows included.
#include "accord/client/message_status.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::client {
namespace {

TEST(MessageStatusTarget, Table) {
  struct Row {
    std::string id;
    std::string target;  // empty = refused with invalid_argument
  };
  const std::vector<Row> rows = {
      {"met-1", "/v1/messages/met-1"},
      {"met_ref_2026-000417", "/v1/messages/met_ref_2026-000417"},
      {"a.b:c", "/v1/messages/a%2Eb%3Ac"},
      {"..", "/v1/messages/%2E%2E"},
      {std::string(128, 'x'), "/v1/messages/" + std::string(128, 'x')},
      {std::string(129, 'x'), ""},
      {"", ""},
      {"met/1", ""},
      {"met 1", ""},
      {"met%2F1", ""},
      {"met?x=1", ""},
      {"m\xc3\xa9t", ""},
  };
  for (const auto& row : rows) {
    const auto target = message_status_target(row.id);
    if (row.target.empty()) {
      ASSERT_FALSE(target.ok()) << row.id;
      EXPECT_EQ(target.error().code, "invalid_argument") << row.id;
    } else {
      ASSERT_TRUE(target.ok()) << row.id;
      EXPECT_EQ(*target, row.target);
    }
  }
}

const std::string kHead =
    R"({"message_id":"met-1","sender":"police.met","type":"referral.created",)"
    R"("case_urn":"01AB1234521","received_at":"2026-11-22T09:30:00.123Z",)";

TEST(FormatMessageStatus, EveryKindOfRow) {
  const std::string body =
      kHead + R"("complete":false,"recipients":[)"
              R"({"recipient":"a.one","state":"leased","delivery_id":"3","attempts":2,)"
              R"("lease_expires_at":"2026-11-22T09:31:00.000Z"},)"
              R"({"recipient":"b.two","state":"acknowledged","delivery_id":"4","attempts":1,)"
              R"("delivered_at":"2026-11-22T09:30:01.000Z",)"
              R"("acknowledged_at":"2026-11-22T09:30:02.000Z","channel_ref":"s:9",)"
              R"("receipt_required":true,"copy_hash":"ab",)"
              R"("receipt":{"alg":"ed25519","kid":"k1","copy_hash":"ab","sig":"c2ln",)"
              R"("accepted_at":"2026-11-22T09:30:02.000Z"}},)"
              R"({"recipient":"c.three","state":"dead_lettered","delivery_id":"5","attempts":8,)"
              R"("dead_lettered_at":"2026-11-22T09:40:00.000Z",)"
              R"("dead_letter":{"code":"max_attempts","detail":"HTTP 503"}},)"
              R"({"recipient":"d.four","state":"queued","delivery_id":"6","attempts":0,)"
              R"("receipt_required":true},)"
              R"({"recipient":"e.five","state":"withheld","code":"not_permitted",)"
              R"("reason":"flow f"}]})";
  const auto text = format_message_status(body);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text,
            "message met-1 (referral.created, case 01AB1234521) received "
            "2026-11-22T09:30:00.123Z: not complete\n"
            "RECIPIENT  STATE          DELIVERY  ATTEMPTS  DELIVERED                 "
            "ACKNOWLEDGED              DETAIL\n"
            "a.one      leased         3         2         -                         -         "
            "                lease until 2026-11-22T09:31:00.000Z\n"
            "b.two      acknowledged   4         1         2026-11-22T09:30:01.000Z  "
            "2026-11-22T09:30:02.000Z  receipt by key k1; ref s:9\n"
            "c.three    dead_lettered  5         8         -                         -         "
            "                dead-lettered 2026-11-22T09:40:00.000Z max_attempts: HTTP 503\n"
            "d.four     queued         6         0         -                         -         "
            "                receipt required\n"
            "e.five     withheld       -         -         -                         -         "
            "                not_permitted: flow f\n");
}

TEST(FormatMessageStatus, CompleteAndEmpty) {
  const auto complete = format_message_status(kHead + R"("complete":true,"recipients":[]})");
  ASSERT_TRUE(complete.ok());
  EXPECT_NE(complete->find(": complete (every copy acknowledged)\nno recipients\n"),
            std::string::npos)
      << *complete;
}

TEST(FormatMessageStatus, ControlCharactersStayOnOneLine) {
  const auto text = format_message_status(
      kHead + R"("complete":false,"recipients":[{"recipient":"a.one","state":"withheld",)"
              R"("code":"x","reason":"line\nbreak"}]})");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("x: line?break\n"), std::string::npos) << *text;
}

TEST(FormatMessageStatus, RefusesWhatIsNotAStatus) {
  for (const std::string body :
       {"", "[]", "not json", R"({"recipients":[]})", R"({"complete":true})",
        R"({"complete":"yes","recipients":[]})", R"({"complete":true,"recipients":{}})",
        R"({"complete":true,"recipients":[1]})"}) {
    const auto text = format_message_status(body);
    ASSERT_FALSE(text.ok()) << body;
    EXPECT_EQ(text.error().code, "bad_response") << body;
  }
}

}  // namespace
}  // namespace accord::client
