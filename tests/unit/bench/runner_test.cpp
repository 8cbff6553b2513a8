// The runner against the real gateway (in process, port 0, loopback mTLS, sample agreements):
// every generated message is accepted and measured; a repeated run id is reported as
// duplicates rather than counted as accepted; consumers ack what they lease; and bad
// credentials or a closed port are errors before any load is sent.
#include "accord/bench/runner.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace accord::bench {
namespace {

RunOptions options(std::uint16_t port, const std::string& run_id, std::uint64_t messages) {
  RunOptions o;
  o.sender = test::client_options("police.met", port);
  o.sender_agency = "police.met";
  o.gateway = "127.0.0.1:" + std::to_string(port);
  o.connections = 4;
  o.plan.messages = messages;
  o.generator.run_id = run_id;
  return o;
}

class BenchRunner : public ::testing::Test {
 protected:
  test::TempDir dir_;
  test::InProcessGateway gateway_{test::write_config(dir_)};
};

TEST_F(BenchRunner, ClosedLoopAcceptsAndMeasuresEveryMessage) {
  auto report = run(options(gateway_.port(), "runner-a", 60));
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->ok, 60u);
  EXPECT_EQ(report->latency.count, 60u);
  EXPECT_EQ(report->error_total(), 0u) << format_text(*report);
  EXPECT_GT(report->window_seconds, 0);
  EXPECT_GT(report->latency.min_ns, 0);
  EXPECT_EQ(report->body_bytes, 1024u);
}

TEST_F(BenchRunner, RepeatedRunIdIsReportedAsDuplicates) {
  ASSERT_TRUE(run(options(gateway_.port(), "runner-dup", 20)).ok());
  auto again = run(options(gateway_.port(), "runner-dup", 20));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ok, 0u);
  ASSERT_EQ(again->errors.count("http 200"), 1u) << format_text(*again);
  EXPECT_EQ(again->errors.at("http 200").count, 20u);
}

// --batch: every message of each batch counted on its own result, the report says so.
TEST_F(BenchRunner, BatchesCountEachMessage) {
  RunOptions o = options(gateway_.port(), "runner-batch", 50);  // the last batches are short
  o.batch = 16;
  auto report = run(o);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->ok, 50u);
  EXPECT_EQ(report->latency.count, report->ok);
  EXPECT_EQ(report->error_total(), 0u) << format_text(*report);
  EXPECT_EQ(nlohmann::json::parse(format_json(*report))["batch"], 16);
  // The same ids again: each item its own 200 duplicate.
  auto again = run(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ok, 0u);
  ASSERT_EQ(again->errors.count("http 200"), 1u) << format_text(*again);
}

TEST_F(BenchRunner, OpenLoopWithConsumers) {
  RunOptions o = options(gateway_.port(), "runner-open", 40);
  o.plan.rate = 200;
  o.consumers.push_back({"wcu.met", test::client_options("wcu.met", gateway_.port())});
  o.connections_per_consumer = 1;
  auto report = run(o);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->ok, 40u);
  EXPECT_EQ(report->error_total(), 0u) << format_text(*report);
  // wcu.met gets a copy of every default type but vps.recorded (CPS only): 35 of the 40
  // (round robin over 8 types). Whatever the consumer leased before the producers finished it
  // acked without error; the rest are still queued.
  ASSERT_EQ(default_event_types().size(), 8u);
  ASSERT_EQ(default_event_types().back(), "vps.recorded");
  EXPECT_LE(report->delivered, 35u);
  auto wcu = test::make_client("wcu.met", gateway_.port());
  std::uint64_t left = 0;
  for (;;) {
    auto r = wcu->request(boost::beast::http::verb::get, "/v1/inbox?max=100");
    ASSERT_TRUE(r.ok());
    const auto batch = nlohmann::json::parse(r->body)["messages"].size();
    if (batch == 0) break;
    left += batch;
    const auto messages = nlohmann::json::parse(r->body)["messages"];  // outlives the loop
    for (const auto& m : messages) {
      ASSERT_TRUE(wcu->request(boost::beast::http::verb::post,
                               "/v1/inbox/" + m["delivery_id"].get<std::string>() + "/ack")
                      .ok());
    }
  }
  EXPECT_EQ(report->delivered + left, 35u) << format_text(*report);
}

// Copies of wcu.met a gateway holds (leased here, so counted once).
std::uint64_t lease_all(std::uint16_t port) {
  auto wcu = test::make_client("wcu.met", port);
  auto r = wcu->request(boost::beast::http::verb::get, "/v1/inbox?max=100");
  EXPECT_TRUE(r.ok());
  return r.ok() ? nlohmann::json::parse(r->body)["messages"].size() : 0;
}

TEST_F(BenchRunner, SplitsConnectionsAcrossSeveralGateways) {
  test::TempDir other_dir;
  test::InProcessGateway other{test::write_config(other_dir)};
  RunOptions o = options(gateway_.port(), "runner-two", 40);
  o.more_gateways.push_back(test::client_options("police.met", other.port()));
  auto report = run(o);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->ok, 40u);
  EXPECT_EQ(report->error_total(), 0u) << format_text(*report);
  // Every message went to exactly one of the two (separate spools): wcu.met's 35 copies
  // (OpenLoopWithConsumers) are found between them.
  EXPECT_EQ(lease_all(gateway_.port()) + lease_all(other.port()), 35u);
}

TEST_F(BenchRunner, RefusesBeforeSendingOnBadSetup) {
  struct Row {
    const char* name;
    RunOptions options;
    const char* code;
  };
  std::vector<Row> rows;
  rows.push_back({"missing cert file", options(gateway_.port(), "r", 1), "invalid_options"});
  rows.back().options.sender.cert = dir_.file("nope.pem");
  rows.push_back({"bad run id", options(gateway_.port(), "bad id", 1), "invalid_argument"});
  rows.push_back({"zero connections", options(gateway_.port(), "r", 1), "invalid_argument"});
  rows.back().options.connections = 0;
  // A port nothing listens on: the gateway's own port after it is stopped is not reliably
  // free, so use port 1 (privileged, never bound by the tests).
  rows.push_back({"closed port", options(1, "r", 1), "connect_failed"});
  rows.push_back({"second gateway closed", options(gateway_.port(), "r", 1), "connect_failed"});
  rows.back().options.more_gateways.push_back(test::client_options("police.met", 1));
  for (const auto& row : rows) {
    const auto report = run(row.options);
    ASSERT_FALSE(report.ok()) << row.name;
    EXPECT_EQ(report.error().code, row.code) << row.name << ": " << report.error().message;
  }
}

}  // namespace
}  // namespace accord::bench
