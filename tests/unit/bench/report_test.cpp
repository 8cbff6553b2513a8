// Report formatting: the JSON carries every figure under stable keys and in the stated units,
// the text names the mode, and the progress line reads correctly in each state.
#include "accord/bench/report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace accord::bench {
namespace {

Report sample() {
  Report r;
  r.run_id = "bench-1";
  r.gateway = "127.0.0.1:8443";
  r.sender = "police.met";
  r.connections = 8;
  r.warmup_seconds = 2;
  r.window_seconds = 4;
  r.warmup_messages = 100;
  r.ok = 2000;
  r.body_bytes = 1024;
  r.latency = {2000, 500'000, 1'234'567, 2'000'000, 3'500'000, 9'000'000, 12'000'000, 1'500'000};
  count_error(r.errors, "http 503", "failed (503 overloaded): busy");
  count_error(r.errors, "http 503", "second detail is not kept");
  count_error(r.errors, "transport timeout", "no answer in 30 s");
  return r;
}

TEST(BenchReport, JsonHasEveryFigure) {
  const auto j = nlohmann::json::parse(format_json(sample()));
  EXPECT_EQ(j["mode"], "closed");
  EXPECT_EQ(j["connections"], 8);
  EXPECT_EQ(j["accepted"], 2000);
  EXPECT_DOUBLE_EQ(j["throughput"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(j["latency_us"]["p50"].get<double>(), 1234.57);
  EXPECT_DOUBLE_EQ(j["latency_us"]["p99"].get<double>(), 3500.0);
  EXPECT_DOUBLE_EQ(j["latency_us"]["p99.9"].get<double>(), 9000.0);
  EXPECT_DOUBLE_EQ(j["latency_us"]["max"].get<double>(), 12000.0);
  EXPECT_EQ(j["errors_total"], 3);
  EXPECT_EQ(j["errors"]["http 503"]["count"], 2);
  EXPECT_EQ(j["errors"]["http 503"]["first"], "failed (503 overloaded): busy");
  EXPECT_EQ(j["errors"]["transport timeout"]["count"], 1);
  EXPECT_EQ(j["body_bytes"], 1024);
  EXPECT_EQ(j["batch"], 1);
}

TEST(BenchReport, BatchesAreNamedInTheMode) {
  Report r = sample();
  r.batch = 16;
  EXPECT_EQ(nlohmann::json::parse(format_json(r))["batch"], 16);
  const std::string text = format_text(r);
  EXPECT_NE(text.find("8 connections, batches of 16, 1024-byte envelopes"), std::string::npos)
      << text;
}

TEST(BenchReport, JsonSurvivesInvalidUtf8InAnErrorDetail) {
  Report r = sample();
  count_error(r.errors, "http 400", std::string("bad \xff\xfe bytes"));
  const auto j = nlohmann::json::parse(format_json(r), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["errors"]["http 400"]["count"], 1);
}

TEST(BenchReport, OpenLoopAndConsumers) {
  Report r = sample();
  r.target_rate = 250;
  r.consume_agencies = {"wcu.met", "cps.london"};
  r.delivered = 1000;
  const auto j = nlohmann::json::parse(format_json(r));
  EXPECT_EQ(j["mode"], "open");
  EXPECT_DOUBLE_EQ(j["delivered_per_second"].get<double>(), 250.0);
  const std::string text = format_text(r);
  EXPECT_NE(text.find("open loop at 250 msg/s"), std::string::npos) << text;
  EXPECT_NE(text.find("delivered  1000 (250 copies/s acked by wcu.met,cps.london)"),
            std::string::npos)
      << text;
}

TEST(BenchReport, TextShowsThroughputLatencyAndErrors) {
  const std::string text = format_text(sample());
  for (const char* want :
       {"closed loop, 8 connections, 1024-byte envelopes", "accepted   2000 (500 msg/s)",
        "p50 1.23  p90 2.00  p99 3.50  p99.9 9.00  max 12.00", "errors     3",
        "http 503: 2 (first: failed (503 overloaded): busy)"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_EQ(text.find("delivered"), std::string::npos);
}

TEST(BenchReport, ZeroWindowHasZeroThroughput) {
  Report r;
  EXPECT_EQ(r.throughput(), 0);
  EXPECT_EQ(r.delivered_per_second(), 0);
  EXPECT_EQ(r.error_total(), 0u);
}

struct ProgressRow {
  Progress p;
  const char* want;
};

TEST(BenchReport, ProgressLines) {
  const std::vector<ProgressRow> rows = {
      {{3, 1, false, 4210, 0, 12630, 0, false, 0}, "[  3s] 4210 msg/s  ok 12630  errors 0"},
      {{1, 1, true, 100, 0, 100, 0, false, 0}, "[  1s] warmup 100 msg/s  ok 100  errors 0"},
      {{12, 2, false, 1000, 4, 9000, 9, false, 0}, "[ 12s] 500 msg/s  ok 9000  errors 9 (+4)"},
      {{5, 1, false, 10, 0, 50, 0, true, 30}, "[  5s] 10 msg/s  ok 50  errors 0  delivered 30/s"},
      {{2, 0, false, 7, 0, 7, 0, false, 0}, "[  2s] 7 msg/s  ok 7  errors 0"},  // no div by 0
  };
  for (const auto& row : rows) EXPECT_EQ(format_progress(row.p), row.want);
}

}  // namespace
}  // namespace accord::bench
