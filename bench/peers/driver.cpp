#include "driver.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "accord/bench/envelope_gen.hpp"
#include "accord/bench/latency.hpp"

namespace accord::peers {
namespace {

using Clock = std::chrono::steady_clock;

struct WorkerResult {
  bench::LatencySamples samples;
  std::uint64_t accepted = 0;         // sent after the warmup, confirmed
  std::uint64_t warmup_messages = 0;  // sent during the warmup, confirmed
  Clock::time_point last_confirm{};
  std::map<std::string, std::uint64_t> errors;
  std::map<std::string, std::string> first_error;
};

void count_error(WorkerResult& r, const std::string& kind, const std::string& detail) {
  if (r.errors[kind]++ == 0) r.first_error[kind] = detail;
}

// Closed loop for one connection: keep `window` publishes outstanding until the deadline,
// then wait for the stragglers (bounded by the timeout).
void work(Publisher& pub, const bench::EnvelopeGenerator& gen, std::uint64_t first_seq,
          const Options& o, Clock::time_point warmup_end, Clock::time_point deadline,
          WorkerResult& r) {
  std::map<std::uint64_t, Clock::time_point> outstanding;  // tag -> send time
  std::uint64_t seq = first_seq;
  auto last_progress = Clock::now();
  const auto timeout = std::chrono::duration<double>(o.timeout);
  auto settle = [&](std::map<std::uint64_t, Clock::time_point>::iterator it, const Confirm& c,
                    Clock::time_point now) {
    if (!c.ok) {
      count_error(r, "nack", c.error);
    } else if (it->second >= warmup_end) {
      r.samples.add(std::chrono::duration_cast<std::chrono::nanoseconds>(now - it->second).count());
      ++r.accepted;
      r.last_confirm = std::max(r.last_confirm, now);
    } else {
      ++r.warmup_messages;
    }
    return outstanding.erase(it);
  };
  while (true) {
    while (Clock::now() < deadline && outstanding.size() < static_cast<std::size_t>(o.window)) {
      const std::string body = gen.make(seq++);
      const auto sent = Clock::now();
      auto tag = pub.publish(body);
      if (!tag) {
        count_error(r, "publish " + tag.error().code, tag.error().message);
        return;
      }
      outstanding.emplace(*tag, sent);
    }
    if (outstanding.empty()) return;
    auto confirms = pub.wait(std::chrono::milliseconds(100));
    const auto now = Clock::now();
    if (!confirms) {
      count_error(r, "connection " + confirms.error().code, confirms.error().message);
      return;
    }
    if (confirms->empty()) {
      if (now - last_progress > timeout) {
        count_error(r, "timeout", std::to_string(outstanding.size()) + " unconfirmed");
        return;
      }
      continue;
    }
    last_progress = now;
    for (const Confirm& c : *confirms) {
      if (c.cumulative) {
        for (auto it = outstanding.begin(); it != outstanding.end() && it->first <= c.tag;) {
          it = settle(it, c, now);
        }
      } else if (auto it = outstanding.find(c.tag); it != outstanding.end()) {
        settle(it, c, now);
      } else {
        count_error(r, "unknown tag", std::to_string(c.tag));
      }
    }
  }
}

}  // namespace

int main_for(const Peer& peer, int argc, char** argv) {
  Options o;
  CLI::App app{"closed-loop durable-publish load against " + peer.name};
  app.add_option("--host", o.host, "broker host (must match its certificate)");
  app.add_option("--port", o.port, "broker TLS port")->required();
  app.add_option("-c,--connections", o.connections, "concurrent connections, one thread each")
      ->check(CLI::Range(1, 4096));
  app.add_option("-w,--window", o.window, "unconfirmed publishes per connection")
      ->check(CLI::Range(1, 10000));
  app.add_option("-d,--duration", o.duration, "seconds to measure, after the warmup");
  app.add_option("--warmup", o.warmup, "seconds sent but not measured");
  app.add_option("--timeout", o.timeout, "seconds without a confirm before giving up");
  app.add_option("--size", o.size, "message body bytes");
  app.add_option("--ca", o.ca, "CA that signs the broker's certificate (PEM)")->required();
  app.add_option("--cert", o.cert, "client certificate (PEM)")->required();
  app.add_option("--key", o.key, "client key (PEM)")->required();
  app.add_option("--target", o.target, "queue / topic / subject prefix");
  app.add_option("--run-id", o.run_id, "message id prefix");
  app.add_flag("--json", o.json, "print the report as one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (o.run_id.empty()) {
    o.run_id = peer.name + "-" + std::to_string(::time(nullptr)) + "-" + std::to_string(::getpid());
  }
  auto gen = bench::EnvelopeGenerator::create({o.run_id, "police.met", {}, o.size});
  if (!gen) {
    std::fprintf(stderr, "%s\n", gen.error().message.c_str());
    return 2;
  }
  if (auto s = peer.setup(o); !s) {
    std::fprintf(stderr, "%s setup: %s: %s\n", peer.name.c_str(), s.error().code.c_str(),
                 s.error().message.c_str());
    return 2;
  }
  std::vector<std::unique_ptr<Publisher>> pubs;
  for (int i = 0; i < o.connections; ++i) {
    auto p = peer.connect(o, i);
    if (!p) {
      std::fprintf(stderr, "%s connection %d: %s: %s\n", peer.name.c_str(), i,
                   p.error().code.c_str(), p.error().message.c_str());
      return 2;
    }
    pubs.push_back(std::move(*p));
  }
  const auto start = Clock::now();
  const auto warmup_end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  const auto deadline = warmup_end + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(o.duration));
  std::vector<WorkerResult> results(pubs.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < pubs.size(); ++i) {
    threads.emplace_back([&, i] {
      work(*pubs[i], *gen, (std::uint64_t{i} << 40), o, warmup_end, deadline, results[i]);
    });
  }
  for (auto& t : threads) t.join();
  pubs.clear();  // closes the connections

  WorkerResult all;
  for (auto& r : results) {
    all.samples.merge(r.samples);
    all.accepted += r.accepted;
    all.warmup_messages += r.warmup_messages;
    all.last_confirm = std::max(all.last_confirm, r.last_confirm);
    for (auto& [k, n] : r.errors) {
      if (all.errors[k] == 0) all.first_error[k] = r.first_error[k];
      all.errors[k] += n;
    }
  }
  const double window_s =
      all.accepted == 0 ? 0 : std::chrono::duration<double>(all.last_confirm - warmup_end).count();
  const double throughput = window_s > 0 ? static_cast<double>(all.accepted) / window_s : 0;
  const auto l = all.samples.summarize();
  std::uint64_t errors_total = 0;
  for (auto& [k, n] : all.errors) errors_total += n;

  auto us = [](std::int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  if (o.json) {
    nlohmann::json j = {{"peer", peer.name},
                        {"ack", peer.ack_meaning},
                        {"connections", o.connections},
                        {"window", o.window},
                        {"body_bytes", o.size},
                        {"warmup_messages", all.warmup_messages},
                        {"accepted", all.accepted},
                        {"window_seconds", window_s},
                        {"throughput", throughput},
                        {"latency_us",
                         {{"count", l.count},
                          {"min", us(l.min_ns)},
                          {"p50", us(l.p50_ns)},
                          {"p90", us(l.p90_ns)},
                          {"p99", us(l.p99_ns)},
                          {"p99.9", us(l.p999_ns)},
                          {"max", us(l.max_ns)},
                          {"mean", l.mean_ns / 1000.0}}},
                        {"errors_total", errors_total},
                        {"errors", nlohmann::json::object()}};
    for (auto& [k, n] : all.errors) j["errors"][k] = {{"count", n}, {"first", all.first_error[k]}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s: %d connections x window %d, %zu-byte bodies: %.0f msg/s (%llu in %.2f s)\n",
                peer.name.c_str(), o.connections, o.window, o.size, throughput,
                static_cast<unsigned long long>(all.accepted), window_s);
    std::printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
                us(l.p50_ns) / 1000, us(l.p90_ns) / 1000, us(l.p99_ns) / 1000, us(l.p999_ns) / 1000,
                us(l.max_ns) / 1000);
    for (auto& [k, n] : all.errors) {
      std::printf("error %s: %llu (first: %s)\n", k.c_str(), static_cast<unsigned long long>(n),
                  all.first_error[k].c_str());
    }
  }
  if (all.accepted == 0) return 2;
  return errors_total == 0 ? 0 : 1;
}

}  // namespace accord::peers
