// The load loop shared by the peer-broker drivers (bench/peers.sh): N connections, one
// thread each, every connection keeping at most `window` publishes unconfirmed, 1 KB bodies
// from the same generator as `accord bench` (accord::bench::EnvelopeGenerator), latency from
// send to the broker's durable acknowledgement, nearest-rank percentiles over every sample.
//
// Each peer supplies a Peer: how to prepare the broker once (declare the queue/stream) and how
// to open one Publisher. A Publisher is used by exactly one thread; it need not be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::peers {

struct Options {
  std::string host = "localhost";  // the dev PKI's server certificate names localhost
  int port = 0;
  int connections = 64;
  int window = 1;        // unconfirmed publishes per connection
  double duration = 10;  // seconds measured, after the warmup
  double warmup = 2;     // seconds sent but not measured
  double timeout = 10;   // seconds without any confirm before a connection gives up
  std::size_t size = 1024;
  std::string ca, cert, key;            // PEM files: CA of the server, client chain and key (mTLS)
  std::string target = "accord-bench";  // queue name / topic or subject prefix
  std::string run_id;
  bool json = false;
};

// One acknowledgement from the broker. `cumulative` confirms every outstanding tag <= tag
// (AMQP's multiple flag). `ok` false is a negative acknowledgement (nack, JetStream error).
struct Confirm {
  std::uint64_t tag = 0;
  bool cumulative = false;
  bool ok = true;
  std::string error;
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Sends one durable publish and returns its tag (unique among the outstanding ones).
  virtual Result<std::uint64_t> publish(std::string_view body) = 0;
  // Waits up to `timeout` for acknowledgements; an empty vector when none arrived. An error
  // means the connection is unusable.
  virtual Result<std::vector<Confirm>> wait(std::chrono::milliseconds timeout) = 0;
};

struct Peer {
  std::string name;
  std::string ack_meaning;  // what a confirm promises, printed in the report
  std::function<Status(const Options&)> setup;
  std::function<Result<std::unique_ptr<Publisher>>(const Options&, int index)> connect;
};

// Parses the command line (--port, --connections, --window, --duration, ...), runs setup,
// connects every publisher before the clock starts, runs, prints a text or JSON report.
// Returns the process exit code: 0 when every publish was confirmed, 1 on errors, 2 when
// nothing could be measured.
int main_for(const Peer& peer, int argc, char** argv);

}  // namespace accord::peers
