// The POST /v1/inbox/ack body: the ids it yields, in order, and every refusal with its code,
// HTTP status and path (docs/api.yaml). max_ids is 3 here so "too many" is cheap to write.
#include "accord/api/ack_batch_body.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace accord::api {
namespace {

constexpr std::size_t kMaxIds = 3;

struct Row {
  std::string name;
  std::string body;
  std::vector<std::int64_t> ids;  // expected when accepted
  std::string code;               // empty: accepted
  unsigned status = 0;
  std::string path;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

Row ok(std::string name, std::string body, std::vector<std::int64_t> ids) {
  return {std::move(name), std::move(body), std::move(ids), "", 0, ""};
}
Row refused(std::string name, std::string body, std::string code, unsigned status,
            std::string path) {
  return {std::move(name), std::move(body), {}, std::move(code), status, std::move(path)};
}
Row bad_id(std::string name, std::string element, std::string path = "delivery_ids[0]") {
  return refused(std::move(name), R"({"delivery_ids":[)" + element + "]}", "invalid_delivery_id",
                 400, std::move(path));
}

class AckBatchBodyTest : public ::testing::TestWithParam<Row> {};

TEST_P(AckBatchBodyTest, ParsesOrRefuses) {
  const auto& row = GetParam();
  const auto parsed = parse_ack_batch(row.body, kMaxIds);
  if (row.code.empty()) {
    ASSERT_FALSE(parsed.refused) << parsed.refused->error.code << ": "
                                 << parsed.refused->error.message;
    EXPECT_EQ(parsed.ids, row.ids);
    return;
  }
  ASSERT_TRUE(parsed.refused) << row.body;
  EXPECT_TRUE(parsed.ids.empty());
  EXPECT_EQ(parsed.refused->error.code, row.code);
  EXPECT_EQ(parsed.refused->status, row.status);
  EXPECT_EQ(parsed.refused->error.path, row.path);
  EXPECT_FALSE(parsed.refused->error.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, AckBatchBodyTest,
    ::testing::Values(
        ok("one_string_id", R"({"delivery_ids":["17"]})", {17}),
        ok("mixed_string_and_integer", R"({"delivery_ids":[17,"18"]})", {17, 18}),
        ok("request_order_kept", R"({"delivery_ids":["9","3","5"]})", {9, 3, 5}),
        ok("whitespace", " {\n \"delivery_ids\" : [ \"9\" ] }\n", {9}),
        ok("leading_zeros_string", R"({"delivery_ids":["000000000000000017"]})", {17}),
        ok("largest_integer", R"({"delivery_ids":[9223372036854775807]})", {9223372036854775807LL}),
        // The string and integer forms reach the same largest id (the ack_batch fuzz target
        // found the string form cut off at 18 digits).
        ok("largest_string_id", R"({"delivery_ids":["9223372036854775807"]})",
           {9223372036854775807LL}),
        // Not JSON, or JSON with a key twice (json_body.hpp).
        refused("empty", "", "invalid_json", 400, ""),
        refused("not_json", "delivery_ids=1", "invalid_json", 400, ""),
        refused("unclosed", R"({"delivery_ids":[1])", "invalid_json", 400, ""),
        refused("trailing_garbage", R"({"delivery_ids":[1]} x)", "invalid_json", 400, ""),
        refused("two_documents", R"({"delivery_ids":[1]}{})", "invalid_json", 400, ""),
        refused("bad_utf8", "{\"delivery_ids\":[\"\xff\"]}", "invalid_json", 400, ""),
        refused("duplicate_key", R"({"delivery_ids":[1],"delivery_ids":[2]})", "duplicate_key", 400,
                "delivery_ids"),
        // The wrong shape.
        refused("top_level_array", "[1]", "invalid_request", 400, ""),
        refused("top_level_string", R"("1")", "invalid_request", 400, ""),
        refused("top_level_null", "null", "invalid_request", 400, ""),
        refused("empty_object", "{}", "invalid_request", 400, "delivery_ids"),
        refused("ids_a_string", R"({"delivery_ids":"1"})", "invalid_request", 400, "delivery_ids"),
        refused("ids_null", R"({"delivery_ids":null})", "invalid_request", 400, "delivery_ids"),
        refused("ids_an_object", R"({"delivery_ids":{"0":1}})", "invalid_request", 400,
                "delivery_ids"),
        refused("unknown_key", R"({"delivery_ids":[1],"extra":1})", "invalid_request", 400,
                "extra"),
        refused("key_case", R"({"Delivery_ids":[1]})", "invalid_request", 400, "Delivery_ids"),
        // Count.
        refused("empty_batch", R"({"delivery_ids":[]})", "empty_batch", 400, "delivery_ids"),
        refused("too_many", R"({"delivery_ids":[1,2,3,4]})", "too_many_ids", 413, "delivery_ids"),
        // Too many is found before the elements are looked at.
        refused("too_many_before_duplicates", R"({"delivery_ids":[1,1,1,1]})", "too_many_ids", 413,
                "delivery_ids"),
        // Repeats, however spelled.
        refused("duplicate_id", R"({"delivery_ids":[1,2,1]})", "duplicate_delivery_id", 400,
                "delivery_ids[2]"),
        refused("duplicate_across_types", R"({"delivery_ids":["5",5]})", "duplicate_delivery_id",
                400, "delivery_ids[1]"),
        refused("duplicate_leading_zero", R"({"delivery_ids":["01","1"]})", "duplicate_delivery_id",
                400, "delivery_ids[1]"),
        // Ids of the wrong type or value.
        bad_id("zero", "0"), bad_id("zero_string", R"("0")"), bad_id("negative", "-1"),
        bad_id("negative_string", R"("-1")"), bad_id("plus_string", R"("+1")"),
        bad_id("fraction", "1.5"), bad_id("exponent", "1e3"), bad_id("exponent_string", R"("1e3")"),
        bad_id("true", "true"), bad_id("null", "null"), bad_id("array", "[1]"),
        bad_id("object", R"({"id":1})"), bad_id("empty_string", R"("")"),
        bad_id("space_before", R"(" 1")"), bad_id("space_after", R"("1 ")"),
        bad_id("letters", R"("abc")"), bad_id("hex", R"("0x10")"),
        bad_id("string_over_int64", R"("9223372036854775808")"),
        bad_id("string_twenty_digits", R"("00000000000000000017")"),
        bad_id("integer_over_int64", "9223372036854775808"),
        bad_id("integer_over_uint64", "18446744073709551616"),
        bad_id("second_bad", R"(1,"x")", "delivery_ids[1]"),
        // Receipts (docs/receipts.md §3): keyed by ids of the batch, as the inbox writes them.
        ok("receipts_for_some_ids", R"({"delivery_ids":["1",2],"receipts":{"2":{}}})", {1, 2}),
        ok("receipts_empty", R"({"delivery_ids":[1],"receipts":{}})", {1}),
        refused("receipts_an_array", R"({"delivery_ids":[1],"receipts":[]})", "invalid_request",
                400, "receipts"),
        refused("receipt_for_an_unlisted_id", R"({"delivery_ids":[1],"receipts":{"9":{}}})",
                "invalid_request", 400, "receipts.9"),
        refused("receipt_key_not_an_id", R"({"delivery_ids":[1],"receipts":{"x":{}}})",
                "invalid_request", 400, "receipts.x"),
        refused("receipt_key_leading_zero", R"({"delivery_ids":[1],"receipts":{"01":{}}})",
                "invalid_request", 400, "receipts.01")),
    [](const auto& info) { return info.param.name; });

TEST(AckBatchBody, KeepsEachReceiptAsSentForItsId) {
  const auto parsed =
      parse_ack_batch(R"({"delivery_ids":["1","2"],"receipts":{"2":{"kid":"k"}}})", kMaxIds);
  ASSERT_FALSE(parsed.refused);
  ASSERT_EQ(parsed.receipts.size(), 1u);
  EXPECT_EQ(parsed.receipts.at(2), (nlohmann::json{{"kid", "k"}}));
}

// The single ack's body: empty, {} or {"receipt": ...}; anything else refused, status 400.
TEST(AckBody, ParsesOrRefuses) {
  struct BodyRow {
    std::string body;
    std::string code;  // "" = accepted
    std::string path;
    bool has_receipt = false;
  };
  for (const BodyRow& row : std::vector<BodyRow>{
           {"", "", "", false},
           {"{}", "", "", false},
           {R"({"receipt":{"alg":"ed25519"}})", "", "", true},
           {R"({"receipt":null})", "", "", true},  // checked later: invalid_receipt
           {"x", "invalid_json", ""},
           {R"({"receipt":1,"receipt":2})", "duplicate_key", "receipt"},
           {"[]", "invalid_request", ""},
           {R"({"receipts":{}})", "invalid_request", "receipts"},
       }) {
    SCOPED_TRACE(row.body);
    const auto parsed = parse_ack_body(row.body);
    if (row.code.empty()) {
      ASSERT_FALSE(parsed.refused) << parsed.refused->error.code;
      EXPECT_EQ(parsed.receipt.has_value(), row.has_receipt);
      continue;
    }
    ASSERT_TRUE(parsed.refused);
    EXPECT_EQ(parsed.refused->status, 400u);
    EXPECT_EQ(parsed.refused->error.code, row.code);
    EXPECT_EQ(parsed.refused->error.path, row.path);
  }
}

}  // namespace
}  // namespace accord::api
