// A real HTTPS webhook receiver for push-delivery tests: Python's http.server + ssl requiring
// the client certificate of the dev PKI, started and stopped by the test (delivery_test,
// message_status_test).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace accord::test {

// A port nothing listens on (yet): bound to learn a free number, then closed.
std::uint16_t free_port();

// Answers 400 for envelope ids listed by reject() and 503 to the first attempt (Accord-Attempt 1)
// of ids listed by fail_first_attempt() (both re-read per request), else keeps the body as
// received (body_file), logs {id, case, key} and answers 200. HTTP/1.1 with keep-alive, so the
// gateway may send many POSTs on one connection; requests() logs every request with the
// client's port, which tells the connections apart. Threaded: the gateway POSTs cases in
// parallel.
class WebhookReceiver {
 public:
  WebhookReceiver(const TempDir& dir, std::uint16_t port);
  ~WebhookReceiver();
  std::uint16_t port() const { return port_; }
  void reject(const std::set<std::string>& ids);
  void fail_first_attempt(const std::set<std::string>& ids);
  // Starts the receiver and waits (up to 15 s) until it listens; false when it did not.
  bool start();
  void stop();
  // The body of the last accepted POST of envelope `id`, byte for byte ("" if none yet).
  std::string body_file(const std::string& id) const { return log() + "." + id + ".body"; }
  // Every accepted POST, in arrival order.
  std::vector<nlohmann::json> received() const;
  // Every request, answered 200 or not, in arrival order: {id, status, attempt, peer_port}.
  std::vector<nlohmann::json> requests() const;

 private:
  std::string log() const { return dir_.file("received.jsonl"); }
  static std::vector<nlohmann::json> read_jsonl(const std::string& path);
  const TempDir& dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace accord::test
