#include "accord/bench/runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "accord/client/batch_submit.hpp"
#include "accord/client/gateway_api.hpp"

namespace accord::bench {
namespace {

using Clock = std::chrono::steady_clock;
using client::HttpsClient;
using verb = boost::beast::http::verb;

constexpr auto kTransportPause = std::chrono::milliseconds(10);
constexpr auto kEmptyInboxPause = std::chrono::milliseconds(2);
constexpr const char* kInboxTarget = "/v1/inbox?max=100&lease_seconds=60";

// What one thread gathered; merged after the threads are joined, so no locking.
struct WorkerResult {
  LatencySamples latency;
  std::map<std::string, ErrorCount> errors;
  std::uint64_t ok = 0;
  std::uint64_t warmup = 0;
  std::uint64_t delivered = 0;
  Nanos last_measured{0};  // offset of the last measured answer
};

// Counters the progress thread reads while the workers run.
struct Live {
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<bool> producers_done{false};
  std::mutex mutex;
  std::condition_variable wake;
};

// Connection i goes to targets[i mod targets.size()].
Result<std::vector<std::unique_ptr<HttpsClient>>> open_clients(
    const std::vector<client::ClientOptions>& targets, int count) {
  std::vector<std::unique_ptr<HttpsClient>> clients;
  for (int i = 0; i < count; ++i) {
    auto c = HttpsClient::create(targets[static_cast<std::size_t>(i) % targets.size()]);
    if (!c) return c.error();
    if (auto s = c.value()->connect(); !s) return s.error();
    clients.push_back(std::move(c.value()));
  }
  return clients;
}

void record_failure(WorkerResult& out, const Result<client::HttpResult>& r) {
  if (!r) {
    count_error(out.errors, "transport " + r.error().code, r.error().message);
  } else {
    count_error(out.errors, "http " + std::to_string(r->status),
                client::error_line(r->status, r->body));
  }
}

void produce(HttpsClient& c, Dispatcher& dispatcher, const EnvelopeGenerator& generator,
             Clock::time_point start, Live& live, WorkerResult& out) {
  const bool open_loop = dispatcher.plan().rate > 0;
  while (auto ticket = dispatcher.next(Clock::now() - start)) {
    const std::string body = generator.make(ticket->seq);
    const Clock::time_point due = start + ticket->due;
    if (open_loop) std::this_thread::sleep_until(due);
    const Clock::time_point sent = open_loop ? due : Clock::now();
    const auto r = c.request(verb::post, "/v1/messages", body);
    const Clock::time_point answered = Clock::now();
    const bool ok = r && r->status == 202;
    (ok ? live.ok : live.errors).fetch_add(1, std::memory_order_relaxed);
    if (!ticket->measured) {
      ++out.warmup;
    } else {
      out.last_measured = std::max(out.last_measured, Nanos(answered - start));
      if (ok) {
        ++out.ok;
        out.latency.add(Nanos(answered - sent).count());
      } else {
        record_failure(out, r);
      }
    }
    if (!r) std::this_thread::sleep_for(kTransportPause);
  }
}

// Batch mode: N tickets per request; each item counts as its own message.
void produce_batches(HttpsClient& c, Dispatcher& dispatcher, const EnvelopeGenerator& generator,
                     std::size_t batch, Clock::time_point start, Live& live, WorkerResult& out) {
  const bool open_loop = dispatcher.plan().rate > 0;
  std::vector<Ticket> tickets;
  std::vector<std::string> envelopes;
  while (true) {
    tickets.clear();
    envelopes.clear();
    while (tickets.size() < batch) {
      auto ticket = dispatcher.next(Clock::now() - start);
      if (!ticket) break;
      envelopes.push_back(generator.make(ticket->seq));
      tickets.push_back(*ticket);
    }
    if (tickets.empty()) return;
    if (open_loop) std::this_thread::sleep_until(start + tickets.back().due);
    const Clock::time_point sent = open_loop ? start + tickets.front().due : Clock::now();
    const auto r = client::submit_batch(c, envelopes);
    const Clock::time_point answered = Clock::now();
    for (std::size_t i = 0; i < tickets.size(); ++i) {
      const bool ok = r && r->refused.status == 0 && r->results[i].http_status == 202;
      (ok ? live.ok : live.errors).fetch_add(1, std::memory_order_relaxed);
      if (!tickets[i].measured) {
        ++out.warmup;
        continue;
      }
      out.last_measured = std::max(out.last_measured, Nanos(answered - start));
      if (ok) {
        ++out.ok;
        out.latency.add(Nanos(answered - sent).count());
      } else if (!r) {
        count_error(out.errors, "transport " + r.error().code, r.error().message);
      } else if (r->refused.status != 0) {
        count_error(out.errors, "batch http " + std::to_string(r->refused.status),
                    client::error_line(r->refused.status, r->refused.body));
      } else {
        const auto& item = r->results[i];
        count_error(out.errors, "http " + std::to_string(item.http_status),
                    client::error_line(item.http_status, item.json));
      }
    }
    if (!r) std::this_thread::sleep_for(kTransportPause);
  }
}

void consume(HttpsClient& c, Nanos measure_from, Clock::time_point start, Live& live,
             WorkerResult& out) {
  const auto fail = [&](const std::string& kind, const std::string& detail) {
    count_error(out.errors, "consume " + kind, detail);
    live.errors.fetch_add(1, std::memory_order_relaxed);
  };
  while (!live.producers_done.load(std::memory_order_relaxed)) {
    const auto r = c.request(verb::get, kInboxTarget);
    if (!r) {
      fail("transport " + r.error().code, r.error().message);
      std::this_thread::sleep_for(kTransportPause);
      continue;
    }
    if (r->status != 200) {
      fail("http " + std::to_string(r->status), client::error_line(r->status, r->body));
      std::this_thread::sleep_for(kTransportPause);
      continue;
    }
    auto messages = client::parse_inbox(r->body);
    if (!messages) {
      fail("bad_response", messages.error().message);
      continue;
    }
    if (messages->empty()) {
      std::this_thread::sleep_for(kEmptyInboxPause);
      continue;
    }
    // The whole leased batch in one request: one round trip and one group commit for all.
    std::vector<std::string> ids;
    ids.reserve(messages->size());
    for (const auto& m : *messages) ids.push_back(m.delivery_id);
    const auto a = c.request(verb::post, client::kAckBatchTarget, client::ack_batch_body(ids));
    if (!a || a->status != 200) {
      // The batch's copies come back when their lease expires.
      fail(!a ? "transport " + a.error().code : "http " + std::to_string(a->status),
           !a ? a.error().message : client::error_line(a->status, a->body));
      if (!a) std::this_thread::sleep_for(kTransportPause);
      continue;
    }
    const auto results = client::parse_ack_batch(a->body);
    if (!results) {
      fail("bad_response", results.error().message);
      continue;
    }
    const bool measured = Clock::now() - start >= measure_from;
    for (const auto& result : *results) {
      if (result.status == "not_found") {
        fail("ack not_found", "delivery " + result.delivery_id + " was not found");
        continue;
      }
      live.delivered.fetch_add(1, std::memory_order_relaxed);
      if (measured) ++out.delivered;
    }
  }
}

void report_progress(const RunOptions& options, Dispatcher& dispatcher, Clock::time_point start,
                     Live& live) {
  Progress p;
  p.consuming = !options.consumers.empty();
  std::uint64_t ok_before = 0, errors_before = 0, delivered_before = 0;
  Clock::time_point before = start;
  std::unique_lock lock(live.mutex);
  while (!live.producers_done.load()) {
    live.wake.wait_for(lock, std::chrono::milliseconds(100));
    if (options.interrupted && options.interrupted->load()) dispatcher.stop();
    const Clock::time_point now = Clock::now();
    if (now - before < std::chrono::seconds(1) || live.producers_done.load()) continue;
    const std::uint64_t ok = live.ok.load(), errors = live.errors.load(),
                        delivered = live.delivered.load();
    p.elapsed_seconds = std::chrono::duration<double>(now - start).count();
    p.interval_seconds = std::chrono::duration<double>(now - before).count();
    p.warmup = now - start < dispatcher.plan().warmup;
    p.ok_in_interval = ok - ok_before;
    p.errors_in_interval = errors - errors_before;
    p.ok_total = ok;
    p.errors_total = errors;
    p.delivered_in_interval = delivered - delivered_before;
    ok_before = ok;
    errors_before = errors;
    delivered_before = delivered;
    before = now;
    if (options.on_progress) options.on_progress(format_progress(p));
  }
}

}  // namespace

Result<Report> run(const RunOptions& options) {
  if (options.connections < 1 || options.connections_per_consumer < 1) {
    return make_error("invalid_argument", "connections must be at least 1", "connections");
  }
  if (options.batch < 1) {
    return make_error("invalid_argument", "batch must be at least 1", "batch");
  }
  auto generator = EnvelopeGenerator::create(options.generator);
  if (!generator) return generator.error();

  std::vector<client::ClientOptions> gateways{options.sender};
  gateways.insert(gateways.end(), options.more_gateways.begin(), options.more_gateways.end());
  auto producers = open_clients(gateways, options.connections);
  if (!producers) return producers.error();
  std::vector<std::unique_ptr<HttpsClient>> consumers;
  for (const Consumer& c : options.consumers) {
    auto opened = open_clients({c.client}, options.connections_per_consumer);
    if (!opened) return opened.error();
    for (auto& client : opened.value()) consumers.push_back(std::move(client));
  }

  Dispatcher dispatcher(options.plan);
  Live live;
  std::vector<WorkerResult> results(producers->size() + consumers.size());
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> consumer_threads;
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    consumer_threads.emplace_back([&, i] {
      consume(*consumers[i], options.plan.warmup, start, live, results[producers->size() + i]);
    });
  }
  std::vector<std::thread> producer_threads;
  for (std::size_t i = 0; i < producers->size(); ++i) {
    producer_threads.emplace_back([&, i] {
      if (options.batch > 1) {
        produce_batches(*(*producers)[i], dispatcher, generator.value(),
                        static_cast<std::size_t>(options.batch), start, live, results[i]);
      } else {
        produce(*(*producers)[i], dispatcher, generator.value(), start, live, results[i]);
      }
    });
  }
  std::thread progress([&] { report_progress(options, dispatcher, start, live); });

  for (auto& t : producer_threads) t.join();
  {
    std::lock_guard lock(live.mutex);
    live.producers_done.store(true);
  }
  live.wake.notify_all();
  progress.join();
  for (auto& t : consumer_threads) t.join();

  Report report;
  report.run_id = options.generator.run_id;
  report.gateway = options.gateway;
  report.sender = options.sender_agency;
  report.connections = options.connections;
  report.batch = options.batch;
  report.target_rate = options.plan.rate;
  report.warmup_seconds = std::chrono::duration<double>(options.plan.warmup).count();
  report.body_bytes = generator->make(0).size();
  for (const Consumer& c : options.consumers) report.consume_agencies.push_back(c.agency);
  LatencySamples latency;
  Nanos last{0};
  for (WorkerResult& r : results) {
    latency.merge(r.latency);
    report.ok += r.ok;
    report.warmup_messages += r.warmup;
    report.delivered += r.delivered;
    for (const auto& [kind, e] : r.errors) {
      ErrorCount& total = report.errors[kind];
      if (total.count == 0) total.example = e.example;
      total.count += e.count;
    }
    last = std::max(last, r.last_measured);
  }
  report.latency = latency.summarize();
  report.window_seconds = last > options.plan.warmup
                              ? std::chrono::duration<double>(last - options.plan.warmup).count()
                              : 0;
  return report;
}

}  // namespace accord::bench
