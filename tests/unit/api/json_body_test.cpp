// parse_json_body: what nlohmann alone would accept quietly (a key given twice keeps the last
// value) is refused, with the path of the first repeat; everything else is plain JSON.
#include "accord/api/json_body.hpp"

#include <gtest/gtest.h>

#include <string>

namespace accord::api {
namespace {

struct Row {
  std::string name;
  std::string body;
  std::string code;  // empty: parses
  std::string path;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class JsonBodyTest : public ::testing::TestWithParam<Row> {};

TEST_P(JsonBodyTest, ParsesOrRefuses) {
  const auto& row = GetParam();
  const auto result = parse_json_body(row.body);
  if (row.code.empty()) {
    ASSERT_TRUE(result.ok()) << result.error().code << ": " << result.error().message;
    EXPECT_EQ(result.value(), nlohmann::json::parse(row.body));
    return;
  }
  ASSERT_FALSE(result.ok()) << row.body;
  EXPECT_EQ(result.error().code, row.code);
  EXPECT_EQ(result.error().path, row.path);
  EXPECT_FALSE(result.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, JsonBodyTest,
    ::testing::Values(
        Row{"batch_ack", R"({"delivery_ids":["17","18"]})", "", ""},
        Row{"empty_object", "{}", "", ""}, Row{"scalar", "42", "", ""},
        Row{"same_key_in_sibling_objects", R"([{"a":1},{"a":2}])", "", ""},
        Row{"same_key_at_two_depths", R"({"a":{"a":{"a":1}}})", "", ""},
        Row{"same_key_in_parent_after_child", R"({"b":{"a":1},"a":2})", "", ""},
        Row{"not_json", R"({"delivery_ids":)", "invalid_json", ""},
        Row{"empty", "", "invalid_json", ""}, Row{"trailing_garbage", "{} x", "invalid_json", ""},
        Row{"duplicate_top_level", R"({"delivery_ids":["1"],"delivery_ids":["2"]})",
            "duplicate_key", "delivery_ids"},
        Row{"duplicate_same_value", R"({"recipient":"a","recipient":"a"})", "duplicate_key",
            "recipient"},
        Row{"duplicate_nested", R"({"a":{"x":1,"b":{"c":1,"c":2}}})", "duplicate_key", "a.b.c"},
        Row{"duplicate_in_array_element", R"({"items":[1,[2,3],{"k":1},{"k":1,"k":2}]})",
            "duplicate_key", "items[3].k"},
        Row{"duplicate_in_top_level_array", R"([0,{"id":1,"id":2}])", "duplicate_key", "[1].id"},
        Row{"first_repeat_wins", R"({"a":1,"b":2,"b":3,"a":4})", "duplicate_key", "b"},
        Row{"duplicate_empty_key", R"({"":1,"":2})", "duplicate_key", ""}),
    [](const auto& info) { return info.param.name; });

TEST(JsonMediaTypeTest, AcceptsOnlyApplicationJson) {
  for (const char* yes : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                          "application/json;charset=UTF-8", " application/json "}) {
    EXPECT_TRUE(is_json_media_type(yes)) << yes;
  }
  for (const char* no : {"", "text/plain", "application/jsonx", "application/x-ndjson",
                         "application/json-patch+json", "text/json"}) {
    EXPECT_FALSE(is_json_media_type(no)) << no;
  }
}

}  // namespace
}  // namespace accord::api
