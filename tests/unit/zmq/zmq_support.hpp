// Helpers for the zmq port tests: a CURVE client speaking the protocol frame by frame, a
// Submitter that records (and can hold) submissions, a collector of delivery outcomes, and a
// child process (the Python example adapter).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "accord/adapters/adapter.hpp"
#include "accord/adapters/zmq/curve_key.hpp"

namespace accord::zmqtest {

using Frames = std::vector<std::string>;
inline const std::string kV = "ACCORD-ZMQ/1";

adapters::CurveKeyPair new_keys();

// A DEALER with CURVE client keys. Not thread-safe (used by the test thread only).
class TestPeer {
 public:
  TestPeer(zmq::context_t& context, const std::string& endpoint, const std::string& server_key,
           const adapters::CurveKeyPair& keys);
  void send(const Frames& frames);
  // The next message (PINGs answered and skipped), or nullopt after `limit`.
  std::optional<Frames> recv(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // HELLO for `agency` with `capabilities`; returns the answer (WELCOME or REFUSE frames).
  std::optional<Frames> hello(const std::string& agency,
                              const std::string& capabilities = "inbound,outbound");

 private:
  zmq::socket_t socket_;
};

// Records submissions; answers at once with `reply`, or holds them while `hold` is set.
class RecordingSubmitter : public adapters::Submitter {
 public:
  void submit(const std::string& sender, std::string body, Done done) override;
  std::vector<std::pair<std::string, std::string>> calls() const;
  void set_hold(bool hold);
  void release_all(const adapters::SubmitReply& reply);
  // Bodies containing this text are refused `not_permitted`.
  std::string refuse_marker = "refuse-me";

 private:
  mutable std::mutex mutex_;
  bool hold_ = false;
  std::vector<std::pair<std::string, std::string>> calls_;
  std::vector<Done> held_;
};

// Hands out Done callbacks and remembers each outcome by delivery id.
class Outcomes {
 public:
  adapters::OutboundAdapter::Done done_for(std::int64_t delivery_id);
  std::optional<adapters::DeliveryOutcome> get(std::int64_t delivery_id) const;
  std::size_t count(std::int64_t delivery_id) const;
  // Waits until `delivery_id` has an outcome; nullopt on the (generous) hang guard.
  std::optional<adapters::DeliveryOutcome> wait(std::int64_t delivery_id) const;
  void clear(std::int64_t delivery_id);

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::vector<adapters::DeliveryOutcome>> outcomes_;
};

adapters::OutboundMessage message(std::int64_t delivery_id, const std::string& recipient,
                                  int attempt = 1);

// A child process with stdout/stderr redirected to files; SIGKILLed and reaped on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& output_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  std::string output() const;  // stdout so far
  std::string errors() const;  // stderr so far
  void kill9();
  // Exit status once it has exited (waits up to a hang guard); -1 if it did not.
  int wait_exit();

 private:
  pid_t pid_ = -1;
  std::string out_, err_;
};

std::string source_dir();
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

}  // namespace accord::zmqtest
