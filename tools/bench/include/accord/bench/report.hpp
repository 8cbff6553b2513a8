// What `accord bench` prints: the final report (text for people, JSON for scripts) and the
// once-a-second progress line. Pure formatting, safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accord/bench/latency.hpp"

namespace accord::bench {

// Failures of one kind: "http 409", "http 503", "transport timeout", "consume http 404".
struct ErrorCount {
  std::uint64_t count = 0;
  std::string example;  // the first one's detail (gateway error line or transport message)
};

// Adds one failure of `kind`, keeping the first detail.
void count_error(std::map<std::string, ErrorCount>& errors, const std::string& kind,
                 const std::string& detail);

struct Report {
  std::string run_id;
  std::string gateway;
  std::string sender;
  int connections = 0;
  int batch = 1;           // envelopes per request (POST /v1/messages:batch when >= 2)
  double target_rate = 0;  // 0 = closed loop
  double warmup_seconds = 0;
  double window_seconds = 0;          // from the end of the warmup to the last measured answer
  std::uint64_t warmup_messages = 0;  // sent during the warmup, not measured
  std::uint64_t ok = 0;               // measured 202 answers
  std::uint64_t body_bytes = 0;       // size of one envelope (the generator pads to it)
  std::map<std::string, ErrorCount> errors;  // measured failures by kind
  LatencySummary latency;                    // of the measured 202 answers
  std::vector<std::string> consume_agencies;
  std::uint64_t delivered = 0;  // copies leased and acked during the measured window

  double throughput() const { return window_seconds > 0 ? ok / window_seconds : 0; }
  double delivered_per_second() const {
    return window_seconds > 0 ? delivered / window_seconds : 0;
  }
  std::uint64_t error_total() const;
};

// A few aligned lines: mode, throughput, latency percentiles in ms, errors by kind.
std::string format_text(const Report& report);

// One JSON object (docs/benchmarks.md lists the keys); latencies in microseconds.
std::string format_json(const Report& report);

struct Progress {
  double elapsed_seconds = 0;
  double interval_seconds = 1;
  bool warmup = false;
  std::uint64_t ok_in_interval = 0;
  std::uint64_t errors_in_interval = 0;
  std::uint64_t ok_total = 0;
  std::uint64_t errors_total = 0;
  bool consuming = false;
  std::uint64_t delivered_in_interval = 0;
};

// "[  3s] 4210 msg/s  ok 12630  errors 0" (+ "  delivered 8400/s"; "warmup" while warming up).
std::string format_progress(const Progress& progress);

}  // namespace accord::bench
