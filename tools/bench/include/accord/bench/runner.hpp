// The load run behind `accord bench`: `connections` threads, each with its own keep-alive
// mTLS connection (accord_client is synchronous and one client per thread), submitting
// generated envelopes as the Dispatcher schedules them; optionally consumer threads that
// lease and ack the recipients' copies at the same time (one GET /v1/inbox and one batch
// POST /v1/inbox/ack per leased batch).
//
// Threads rather than an Asio client: on this 2-core machine the gateway, not the client,
// is the bottleneck, a blocking client per thread is the shape real agency systems have,
// and it reuses the tested client. Every connection is opened and handshaken before the
// clock starts, so handshakes are not in the figures.
//
// With `batch` N >= 2 a connection takes N tickets, sends them as one batch (in open loop
// once the last is due, latency from the first's due time) and counts each item's result.
//
// A 202 is a success and its latency is recorded (from the intended send time in open loop,
// from the actual send otherwise); anything else is counted by kind ("http 409",
// "transport timeout") and not put in the latency figures. A transport failure makes that
// connection pause 10 ms before its next request, so a dead gateway is not spun on.
//
// Errors of run(): invalid_argument (generator options, connections < 1, batch < 1),
// invalid_options (certificate files), connect_failed / handshake_failed (a connection could not be
// opened before the start).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "accord/bench/envelope_gen.hpp"
#include "accord/bench/report.hpp"
#include "accord/bench/schedule.hpp"
#include "accord/client/https_client.hpp"
#include "accord/core/result.hpp"

namespace accord::bench {

struct Consumer {
  std::string agency;
  client::ClientOptions client;
};

struct RunOptions {
  client::ClientOptions sender;  // the submitting agency's connection settings
  // Further gateways of one deployment (the sender's settings with another host/port):
  // producer connection i goes to gateway i mod (1 + size()), sender's first, spreading the
  // load evenly as a round-robin load balancer would. Consumers use their own settings.
  std::vector<client::ClientOptions> more_gateways;
  std::string sender_agency;  // for the report
  std::string gateway;        // "host:port" (comma-separated when several), for the report
  int connections = 32;
  // Envelopes per request: 1 = POST /v1/messages; N >= 2 = POST /v1/messages:batch with N
  // envelopes, each counted on its own result (202 = ok), each given the batch's latency.
  int batch = 1;
  Plan plan;
  GeneratorOptions generator;
  std::vector<Consumer> consumers;
  int connections_per_consumer = 2;
  // Called from a separate thread about once a second with a progress line; may be empty.
  std::function<void(const std::string&)> on_progress;
  // When it becomes true (e.g. from a SIGINT handler) the run stops and reports what it has.
  const std::atomic<bool>* interrupted = nullptr;
};

Result<Report> run(const RunOptions& options);

}  // namespace accord::bench
