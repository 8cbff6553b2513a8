// POST /v1/inbox/ack (batch acknowledgement) end to end: the real gateway in this process, real
// mTLS on loopback, the SQLite spool in a temp dir. Each row leases copies for two agencies
// with a one-second lease, sends one batch, checks the per-id results, then moves the gateway's
// clock past the leases and checks which copies come back: exactly the ones not acknowledged.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

constexpr int kCopies = 4;  // per recipient
constexpr int kMaxBatch = 5;

class InboxAckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<InProcessGateway>(
        write_config(dir_, "inbox: {max_batch: " + std::to_string(kMaxBatch) + "}"), &env_);
    const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
    for (int i = 0; i < kCopies; ++i) {
      // Each reaches wcu.met and provider.lvws.
      const auto r = call("police.met", verb::post, "/v1/messages",
                          with_id(arrested, "batch-ack-" + std::to_string(i)));
      ASSERT_EQ(r.status, 202u) << r.body;
    }
    own_ = lease("wcu.met");
    other_ = lease("provider.lvws");
    ASSERT_EQ(own_.size(), static_cast<std::size_t>(kCopies));
    ASSERT_EQ(other_.size(), static_cast<std::size_t>(kCopies));
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {},
                          const std::string& content_type = "application/json") {
    auto client = make_client(who, gateway_->port());
    auto result = client->request(method, target, body, content_type);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  // The delivery ids leased for `who` (one-second lease), oldest first.
  std::vector<std::string> lease(const std::string& who) {
    const auto r = call(who, verb::get, "/v1/inbox?max=100&lease_seconds=1");
    EXPECT_EQ(r.status, 200u) << r.body;
    std::vector<std::string> ids;
    const json answer = json::parse(r.body, nullptr, false);  // outlives the loop
    for (const auto& m : answer["messages"]) ids.push_back(m["delivery_id"]);
    return ids;
  }

  json batch_ack(const std::string& who, const json& ids, unsigned want_status = 200) {
    const auto r = call(who, verb::post, "/v1/inbox/ack", json{{"delivery_ids", ids}}.dump());
    EXPECT_EQ(r.status, want_status) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  double acked_metric() {
    const auto r = call("admin", verb::get, "/metrics");
    std::smatch m;
    const std::regex line(R"(\naccord_inbox_acked_total ([0-9.e+]+))");
    return std::regex_search(r.body, m, line) ? std::stod(m[1]) : -1;
  }

  TempDir dir_;
  // The gateway's clock: the test moves it past the leases. Starts at the real time, where
  // the sample agreements are in force; outlives the gateway.
  env::FakeEnv env_{env::system_env().now_ms()};
  std::unique_ptr<InProcessGateway> gateway_;
  std::vector<std::string> own_;    // wcu.met's copies
  std::vector<std::string> other_;  // provider.lvws's copies
};

// A batch item: wcu.met's i-th copy, provider.lvws's i-th copy, or an id nobody has.
struct Item {
  enum Kind { own, other, missing } kind;
  int index = 0;
  bool as_integer = false;  // send it as a JSON number rather than the inbox's string
};
Item own(int i) {
  return {Item::own, i};
}
Item own_int(int i) {
  return {Item::own, i, true};
}
Item other(int i) {
  return {Item::other, i};
}
Item missing() {
  return {Item::missing, 0};
}

struct AckRow {
  std::string name;
  std::vector<int> acked_before;  // wcu.met's copies acked one by one first
  std::vector<Item> batch;
  std::vector<std::string> expected;  // status per item, in order
};

// Rows print as their name (ctest's test names stay readable).
void PrintTo(const AckRow& row, std::ostream* os) {
  *os << row.name;
}

class InboxAckRowTest : public InboxAckTest, public ::testing::WithParamInterface<AckRow> {};

TEST_P(InboxAckRowTest, AnswersPerIdAndAckedCopiesAreNotLeasedAgain) {
  const auto& row = GetParam();
  for (int i : row.acked_before) {
    const auto r = call("wcu.met", verb::post, "/v1/inbox/" + own_[i] + "/ack");
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  const double acked_metric_before = acked_metric();

  json ids = json::array();
  std::vector<std::string> sent;
  for (const auto& item : row.batch) {
    const std::string id = item.kind == Item::own     ? own_[item.index]
                           : item.kind == Item::other ? other_[item.index]
                                                      : "999999";
    sent.push_back(id);
    if (item.as_integer) {
      ids.push_back(std::stoll(id));
    } else {
      ids.push_back(id);
    }
  }
  const auto answer = batch_ack("wcu.met", ids);
  ASSERT_TRUE(answer.contains("results")) << answer.dump();
  ASSERT_EQ(answer["results"].size(), row.expected.size()) << answer.dump();
  int fresh = 0;
  for (std::size_t i = 0; i < row.expected.size(); ++i) {
    EXPECT_EQ(answer["results"][i]["delivery_id"], sent[i]) << "results out of request order";
    EXPECT_EQ(answer["results"][i]["status"], row.expected[i]) << "item " << i;
    fresh += row.expected[i] == "acked";
  }
  EXPECT_EQ(acked_metric(), acked_metric_before + fresh);

  // After the leases expire, exactly the unacknowledged copies come back: wcu.met's not in
  // this batch nor acked before, and every one of provider.lvws's (another agency's ids in
  // wcu.met's batch must not have touched them).
  std::vector<std::string> want_own;
  for (int i = 0; i < kCopies; ++i) {
    const bool in_batch = std::any_of(row.batch.begin(), row.batch.end(), [&](const Item& it) {
      return it.kind == Item::own && it.index == i;
    });
    const bool before =
        std::find(row.acked_before.begin(), row.acked_before.end(), i) != row.acked_before.end();
    if (!in_batch && !before) want_own.push_back(own_[i]);
  }
  env_.advance_ms(1000);  // the one-second leases end
  EXPECT_EQ(lease("wcu.met"), want_own);
  EXPECT_EQ(lease("provider.lvws"), other_);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, InboxAckRowTest,
    ::testing::Values(
        AckRow{"all_fresh",
               {},
               {own(0), own(1), own(2), own(3)},
               {"acked", "acked", "acked", "acked"}},
        AckRow{"part_of_the_lease", {}, {own(2), own(0)}, {"acked", "acked"}},
        AckRow{"integers_too", {}, {own_int(0), own(1)}, {"acked", "acked"}},
        AckRow{"mixed",
               {1, 3},
               {own(0), own(1), missing(), own(3)},
               {"acked", "already_acked", "not_found", "already_acked"}},
        AckRow{"all_already_acked", {0, 1}, {own(0), own(1)}, {"already_acked", "already_acked"}},
        AckRow{"another_agencys_ids",
               {},
               {other(0), other(1), other(2)},
               {"not_found", "not_found", "not_found"}},
        AckRow{"own_and_another_agencys",
               {},
               {other(0), own(0), other(3), own(3)},
               {"not_found", "acked", "not_found", "acked"}},
        AckRow{"max_batch_exactly",
               {},
               {own(0), own(1), own(2), own(3), missing()},
               {"acked", "acked", "acked", "acked", "not_found"}}),
    [](const auto& info) { return info.param.name; });

TEST_F(InboxAckTest, SecondBatchReportsAlreadyAcked) {
  const json ids = json(own_);
  const json first = batch_ack("wcu.met", ids);
  const json second = batch_ack("wcu.met", ids);
  ASSERT_EQ(first["results"].size(), own_.size());
  ASSERT_EQ(second["results"].size(), own_.size());
  for (const auto& r : first["results"]) EXPECT_EQ(r["status"], "acked");
  for (const auto& r : second["results"]) EXPECT_EQ(r["status"], "already_acked");
  // The single-ack route agrees.
  const auto single = call("wcu.met", verb::post, "/v1/inbox/" + own_[0] + "/ack");
  EXPECT_EQ(json::parse(single.body)["status"], "already_acked");
}

// Refusals: the status, the code and the path, and nothing acknowledged — $ID stands for one
// of wcu.met's leased copies, acked one by one afterwards to prove the refusal left it alone.
struct BadRow {
  std::string name;
  std::string who;
  verb method;
  std::string content_type;
  std::string body;
  unsigned status;
  std::string code;
  std::string path;
};

void PrintTo(const BadRow& row, std::ostream* os) {
  *os << row.name;
}

class InboxAckRefusalTest : public InboxAckTest, public ::testing::WithParamInterface<BadRow> {};

TEST_P(InboxAckRefusalTest, RefusesAndAcksNothing) {
  const auto& row = GetParam();
  std::string body = row.body;
  for (auto at = body.find("$ID"); at != std::string::npos; at = body.find("$ID")) {
    body.replace(at, 3, own_[0]);
  }
  const auto r = call(row.who, row.method, "/v1/inbox/ack", body, row.content_type);
  EXPECT_EQ(r.status, row.status) << r.body;
  const auto answer = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << r.body;
  EXPECT_EQ(answer["error"]["code"], row.code) << r.body;
  EXPECT_FALSE(answer["error"]["message"].get<std::string>().empty());
  EXPECT_EQ(answer["error"]["path"], row.path) << r.body;

  const auto after = batch_ack("wcu.met", json::array({own_[0]}));
  EXPECT_EQ(after["results"][0]["status"], "acked") << "a refused batch acknowledged a copy";
}

const std::string kJson = "application/json";

INSTANTIATE_TEST_SUITE_P(
    Rows, InboxAckRefusalTest,
    ::testing::Values(
        BadRow{"not_json", "wcu.met", verb::post, kJson, R"({"delivery_ids":["$ID")", 400,
               "invalid_json", ""},
        BadRow{"empty_body", "wcu.met", verb::post, kJson, "", 400, "invalid_json", ""},
        BadRow{"an_array", "wcu.met", verb::post, kJson, R"(["$ID"])", 400, "invalid_request", ""},
        BadRow{"no_ids_key", "wcu.met", verb::post, kJson, R"({"ids":["$ID"]})", 400,
               "invalid_request", "ids"},
        BadRow{"empty_object", "wcu.met", verb::post, kJson, "{}", 400, "invalid_request",
               "delivery_ids"},
        BadRow{"unknown_key", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":["$ID"],"force":true})", 400, "invalid_request", "force"},
        BadRow{"ids_not_an_array", "wcu.met", verb::post, kJson, R"({"delivery_ids":"$ID"})", 400,
               "invalid_request", "delivery_ids"},
        BadRow{"empty_list", "wcu.met", verb::post, kJson, R"({"delivery_ids":[]})", 400,
               "empty_batch", "delivery_ids"},
        BadRow{"word", "wcu.met", verb::post, kJson, R"({"delivery_ids":["$ID","abc"]})", 400,
               "invalid_delivery_id", "delivery_ids[1]"},
        BadRow{"negative", "wcu.met", verb::post, kJson, R"({"delivery_ids":["$ID",-3]})", 400,
               "invalid_delivery_id", "delivery_ids[1]"},
        BadRow{"zero", "wcu.met", verb::post, kJson, R"({"delivery_ids":[0,"$ID"]})", 400,
               "invalid_delivery_id", "delivery_ids[0]"},
        BadRow{"zero_string", "wcu.met", verb::post, kJson, R"({"delivery_ids":["$ID","0"]})", 400,
               "invalid_delivery_id", "delivery_ids[1]"},
        BadRow{"fraction", "wcu.met", verb::post, kJson, R"({"delivery_ids":["$ID",1.5]})", 400,
               "invalid_delivery_id", "delivery_ids[1]"},
        BadRow{"signed_string", "wcu.met", verb::post, kJson, R"({"delivery_ids":["+$ID"]})", 400,
               "invalid_delivery_id", "delivery_ids[0]"},
        BadRow{"bool_null_nested", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":["$ID",true,null,[1]]})", 400, "invalid_delivery_id",
               "delivery_ids[1]"},
        BadRow{"beyond_int64", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":["$ID",99999999999999999999]})", 400, "invalid_delivery_id",
               "delivery_ids[1]"},
        BadRow{"beyond_int64_string", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":["$ID","99999999999999999999"]})", 400, "invalid_delivery_id",
               "delivery_ids[1]"},
        BadRow{"duplicate", "wcu.met", verb::post, kJson, R"({"delivery_ids":["$ID","$ID"]})", 400,
               "duplicate_delivery_id", "delivery_ids[1]"},
        BadRow{"duplicate_string_and_integer", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":["$ID",900007,"900007"]})", 400, "duplicate_delivery_id",
               "delivery_ids[2]"},
        // The last of a repeated key used to win: this body acked $ID.
        BadRow{"duplicate_key", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":[900001],"delivery_ids":["$ID"]})", 400, "duplicate_key",
               "delivery_ids"},
        BadRow{"more_than_max_batch", "wcu.met", verb::post, kJson,
               R"({"delivery_ids":["$ID",900001,900002,900003,900004,900005]})", 413,
               "too_many_ids", "delivery_ids"},
        BadRow{"wrong_content_type", "wcu.met", verb::post, "text/plain",
               R"({"delivery_ids":["$ID"]})", 415, "unsupported_media_type", "content-type"},
        BadRow{"get_is_not_allowed", "wcu.met", verb::get, "", "", 405, "method_not_allowed", ""},
        BadRow{"admin_has_no_inbox", "admin", verb::post, kJson, R"({"delivery_ids":["$ID"]})", 403,
               "forbidden", ""},
        BadRow{"auditor_has_no_inbox", "auditor", verb::post, kJson, R"({"delivery_ids":["$ID"]})",
               403, "forbidden", ""}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::test
