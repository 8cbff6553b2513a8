// The batch submit body (accord/api/batch_body.hpp): what is split into items, byte for
// byte, and what refuses the whole batch with which code and path.
#include "accord/api/batch_body.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::api {
namespace {

struct Split {
  std::string name;
  std::string body;
  std::vector<std::string> items;
};

TEST(BatchBody, SplitsIntoEachItemsExactBytes) {
  const std::vector<Split> cases = {
      {"one item", R"({"messages":[{"id":"a"}]})", {R"({"id":"a"})"}},
      {"whitespace everywhere, kept inside items",
       " \r\n\t{ \"messages\" : [ { \"id\" : \"a\" } ,\n{\"id\":\"b\"}\t] } \n",
       {R"({ "id" : "a" })", R"({"id":"b"})"}},
      {"brackets and braces inside strings",
       R"({"messages":[{"t":"}]{[\"x"},{"u":"\\"}]})",
       {R"({"t":"}]{[\"x"})", R"({"u":"\\"})"}},
      {"nested objects and arrays",
       R"({"messages":[{"a":{"b":[1,{"c":[]}]}},{}]})",
       {R"({"a":{"b":[1,{"c":[]}]}})", "{}"}},
      // Not judged here: each is the single submit's to refuse.
      {"invalid content inside an item", R"({"messages":[{"id":nope,,}]})", {R"({"id":nope,,})"}},
      {"bytes that are not UTF-8 inside an item",
       "{\"messages\":[{\"x\":\"\xff\"}]}",
       {"{\"x\":\"\xff\"}"}},
  };
  for (const auto& c : cases) {
    const auto items = split_batch(c.body, 10);
    ASSERT_TRUE(items.ok()) << c.name << ": " << items.error().message;
    ASSERT_EQ(items->size(), c.items.size()) << c.name;
    for (std::size_t i = 0; i < c.items.size(); ++i) {
      EXPECT_EQ((*items)[i], c.items[i]) << c.name << " item " << i;
    }
  }
}

struct Refusal {
  std::string name;
  std::string body;
  std::string code;
  std::string path;
};

TEST(BatchBody, RefusesTheWholeBatchWithCodeAndPath) {
  const std::vector<Refusal> cases = {
      {"empty body", "", "invalid_batch", ""},
      {"an array, not an object", R"([{"id":"a"}])", "invalid_batch", ""},
      {"no messages member", R"({})", "invalid_batch", ""},
      {"another member first", R"({"other":1,"messages":[{}]})", "invalid_batch", ""},
      {"another member after", R"({"messages":[{}],"other":1})", "invalid_batch", ""},
      {"messages twice", R"({"messages":[{}],"messages":[{}]})", "invalid_batch", ""},
      {"escaped member name", R"({"messag\u0065s":[{}]})", "invalid_batch", ""},
      {"no colon", R"({"messages" [{}]})", "invalid_batch", "messages"},
      {"messages not an array", R"({"messages":{"id":"a"}})", "invalid_batch", "messages"},
      {"messages empty", R"({"messages":[ ]})", "invalid_batch", "messages"},
      {"an element that is a string", R"({"messages":[{},"x"]})", "invalid_batch", "messages[1]"},
      {"an element that is an array", R"({"messages":[[{}]]})", "invalid_batch", "messages[0]"},
      {"an element that is null", R"({"messages":[{},{},null]})", "invalid_batch", "messages[2]"},
      {"an unterminated string", R"({"messages":[{"a":"b}]})", "invalid_batch", "messages[0]"},
      {"a mismatched bracket", R"({"messages":[{"a":[}]})", "invalid_batch", "messages[0]"},
      {"a missing comma", R"({"messages":[{} {}]})", "invalid_batch", "messages"},
      {"a trailing comma", R"({"messages":[{},]})", "invalid_batch", "messages[1]"},
      {"not closed", R"({"messages":[{}])", "invalid_batch", ""},
      {"bytes after the object", R"({"messages":[{}]} x)", "invalid_batch", ""},
      {"over the item limit", R"({"messages":[{},{},{},{}]})", "batch_too_large", "messages"},
  };
  for (const auto& c : cases) {
    const auto items = split_batch(c.body, 3);
    ASSERT_FALSE(items.ok()) << c.name;
    EXPECT_EQ(items.error().code, c.code) << c.name;
    EXPECT_EQ(items.error().path, c.path) << c.name;
    EXPECT_FALSE(items.error().message.empty()) << c.name;
  }
}

TEST(BatchBody, TheItemLimitIsInclusive) {
  EXPECT_TRUE(split_batch(R"({"messages":[{},{},{}]})", 3).ok());
  const auto over = split_batch(R"({"messages":[{},{},{},{}]})", 3);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("3"), std::string::npos) << over.error().message;
}

}  // namespace
}  // namespace accord::api
