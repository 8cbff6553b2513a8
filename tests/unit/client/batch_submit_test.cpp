// The client side of POST /v1/messages:batch: the body keeps each envelope's bytes, the
// results parser holds the gateway to one result per item in order, and the framing check
// `accord import` uses agrees with the gateway's split (tests/unit/api/batch_body_test.cpp).
#include "accord/client/batch_submit.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::client {
namespace {

TEST(BatchSubmitClient, BodyKeepsEachEnvelopesBytes) {
  EXPECT_EQ(batch_body({R"({"id":"a"})", "{ \"id\" : \"b\" }"}),
            R"({"messages":[{"id":"a"},{ "id" : "b" }]})");
  EXPECT_EQ(batch_body({"{}"}), R"({"messages":[{}]})");
}

TEST(BatchSubmitClient, ParsesResultsInOrder) {
  const auto results = parse_batch_results(
      R"({"results":[{"index":0,"http_status":202,"id":"a","status":"accepted"},)"
      R"({"index":1,"http_status":200,"duplicate":true,"id":"b","status":"accepted"},)"
      R"({"index":2,"http_status":422,"error":{"code":"unknown_event_type","message":"m","path":"type"}}]})",
      3);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].http_status, 202u);
  EXPECT_EQ((*results)[0].id, "a");
  EXPECT_FALSE((*results)[0].duplicate);
  EXPECT_TRUE((*results)[1].duplicate);
  EXPECT_EQ((*results)[2].code, "unknown_event_type");
  EXPECT_EQ((*results)[2].message, "m");
}

TEST(BatchSubmitClient, RefusesAnswersThatAreNotOneResultPerItem) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"not json", "nope"},
      {"no results", R"({"messages":[]})"},
      {"too few", R"({"results":[{"index":0,"http_status":202}]})"},
      {"out of order",
       R"({"results":[{"index":1,"http_status":202},{"index":0,"http_status":202}]})"},
      {"no status", R"({"results":[{"index":0},{"index":1,"http_status":202}]})"},
      {"not an object", R"({"results":[7,{"index":1,"http_status":202}]})"},
  };
  for (const auto& [name, body] : rows) {
    const auto results = parse_batch_results(body, 2);
    ASSERT_FALSE(results.ok()) << name;
    EXPECT_EQ(results.error().code, "bad_response") << name;
  }
}

TEST(BatchSubmitClient, FramesAsObjectLikeTheGatewaySplits) {
  const std::vector<std::pair<std::string, bool>> rows = {
      {R"({"id":"a"})", true},
      {" \t{\"a\":[1,{\"b\":\"}\"}]}\r", true},
      {R"({"id":nope})", true},  // framed; the gateway judges what is inside
      {R"({"s":"\"}"})", true},
      {"", false},
      {"   ", false},
      {"[1,2]", false},
      {R"("text")", false},
      {R"({"id":"a",)", false},
      {R"({"a":[}])", false},
      {R"({"a":1} {"b":2})", false},
      {R"({"a":"unterminated})", false},
  };
  for (const auto& [text, frames] : rows) {
    EXPECT_EQ(frames_as_object(text), frames) << text;
  }
}

}  // namespace
}  // namespace accord::client
