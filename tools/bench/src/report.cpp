#include "accord/bench/report.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace accord::bench {
namespace {

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string ms(std::int64_t ns) {
  return fixed(static_cast<double>(ns) / 1e6, 2);
}

double us(std::int64_t ns) {
  return std::round(static_cast<double>(ns) / 10.0) / 100.0;
}

}  // namespace

void count_error(std::map<std::string, ErrorCount>& errors, const std::string& kind,
                 const std::string& detail) {
  ErrorCount& e = errors[kind];
  if (e.count++ == 0) e.example = detail;
}

std::uint64_t Report::error_total() const {
  std::uint64_t total = 0;
  for (const auto& [kind, e] : errors) total += e.count;
  return total;
}

std::string format_text(const Report& r) {
  std::string out;
  out += "run        " + r.run_id + " as " + r.sender + " -> " + r.gateway + "\n";
  out += "mode       " +
         (r.target_rate > 0 ? "open loop at " + fixed(r.target_rate, 0) + " msg/s"
                            : std::string("closed loop")) +
         ", " + std::to_string(r.connections) + " connections, " +
         (r.batch > 1 ? "batches of " + std::to_string(r.batch) + ", " : std::string()) +
         std::to_string(r.body_bytes) + "-byte envelopes\n";
  out += "window     " + fixed(r.window_seconds, 2) + " s after " + fixed(r.warmup_seconds, 1) +
         " s warmup (" + std::to_string(r.warmup_messages) + " warmup messages)\n";
  out += "accepted   " + std::to_string(r.ok) + " (" + fixed(r.throughput(), 0) + " msg/s)\n";
  const LatencySummary& l = r.latency;
  out += "latency ms p50 " + ms(l.p50_ns) + "  p90 " + ms(l.p90_ns) + "  p99 " + ms(l.p99_ns) +
         "  p99.9 " + ms(l.p999_ns) + "  max " + ms(l.max_ns) + "  mean " +
         fixed(l.mean_ns / 1e6, 2) + "\n";
  if (!r.consume_agencies.empty()) {
    std::string who;
    for (const auto& a : r.consume_agencies) who += (who.empty() ? "" : ",") + a;
    out += "delivered  " + std::to_string(r.delivered) + " (" + fixed(r.delivered_per_second(), 0) +
           " copies/s acked by " + who + ")\n";
  }
  out += "errors     " + std::to_string(r.error_total()) + "\n";
  for (const auto& [kind, e] : r.errors) {
    out += "  " + kind + ": " + std::to_string(e.count) + " (first: " + e.example + ")\n";
  }
  return out;
}

std::string format_json(const Report& r) {
  nlohmann::ordered_json j;
  j["run_id"] = r.run_id;
  j["gateway"] = r.gateway;
  j["sender"] = r.sender;
  j["mode"] = r.target_rate > 0 ? "open" : "closed";
  j["connections"] = r.connections;
  j["batch"] = r.batch;
  j["target_rate"] = r.target_rate;
  j["body_bytes"] = r.body_bytes;
  j["warmup_seconds"] = r.warmup_seconds;
  j["warmup_messages"] = r.warmup_messages;
  j["window_seconds"] = r.window_seconds;
  j["accepted"] = r.ok;
  j["throughput"] = r.throughput();
  const LatencySummary& l = r.latency;
  j["latency_us"] = {{"count", l.count},    {"min", us(l.min_ns)},
                     {"p50", us(l.p50_ns)}, {"p90", us(l.p90_ns)},
                     {"p99", us(l.p99_ns)}, {"p99.9", us(l.p999_ns)},
                     {"max", us(l.max_ns)}, {"mean", std::round(l.mean_ns / 10.0) / 100.0}};
  j["consume"] = r.consume_agencies;
  j["delivered"] = r.delivered;
  j["delivered_per_second"] = r.delivered_per_second();
  j["errors_total"] = r.error_total();
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (const auto& [kind, e] : r.errors) errors[kind] = {{"count", e.count}, {"first", e.example}};
  j["errors"] = errors;
  // Gateway error bodies are echoed into "first": replace invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string format_progress(const Progress& p) {
  char head[32];
  std::snprintf(head, sizeof head, "[%3.0fs] ", p.elapsed_seconds);
  const double interval = p.interval_seconds > 0 ? p.interval_seconds : 1;
  std::string out = head;
  if (p.warmup) out += "warmup ";
  out += fixed(p.ok_in_interval / interval, 0) + " msg/s  ok " + std::to_string(p.ok_total) +
         "  errors " + std::to_string(p.errors_total);
  if (p.errors_in_interval > 0) out += " (+" + std::to_string(p.errors_in_interval) + ")";
  if (p.consuming) out += "  delivered " + fixed(p.delivered_in_interval / interval, 0) + "/s";
  return out;
}

}  // namespace accord::bench
