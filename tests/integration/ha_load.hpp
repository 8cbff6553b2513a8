// High-availability test pieces (ha_failover_test.cpp): two accord-gateway processes on one
// PostgreSQL database, a load of distinct submissions spread over both like a TCP load
// balancer without stickiness (a failed or 503 submission is sent again, same id, to the
// other gateway), and the checks that run after a failover: every acknowledged submission
// has all its copies, nothing unacknowledged is stored or delivered, the audit chain verifies.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "accord/testing/pg_cluster.hpp"
#include "harness.hpp"

namespace accord::test::ha {

using Clock = std::chrono::steady_clock;

// Two gateways sharing one database, one signing key and one pseudonym key (a deployment's
// gateways must: a recipient cannot tell which one signed or pseudonymised its copy).
class GatewayPair {
 public:
  // `uri`: the database (multi-host, target_session_attrs=read-write).
  GatewayPair(const std::string& uri, int commit_timeout_seconds);
  // Starts gateway `i` (0 or 1) and publishes its port to the load; false on failure.
  bool start(int i);
  // kill -9. The port stays published, as a load balancer keeps a backend until its health
  // check notices: clients get connection refused and go to the other gateway.
  void kill9(int i);
  std::array<std::atomic<std::uint16_t>, 2>& ports() { return ports_; }
  std::uint16_t port(int i) const { return ports_[i].load(); }
  // GET /v1/gateway-key from gateway `i`, written to a file for `accord audit verify`.
  std::string gateway_key_file(int i);
  const std::string& uri() const { return uri_; }

 private:
  std::string uri_;
  TempDir shared_;
  std::array<TempDir, 2> dirs_;
  std::array<std::unique_ptr<GatewayProcess>, 2> processes_;
  std::array<std::atomic<std::uint16_t>, 2> ports_{};
};

// One HTTP attempt of one submission.
struct Attempt {
  std::string id;
  int gateway = 0;
  unsigned status = 0;  // 0: no HTTP answer (connection refused, broken, timed out)
  bool retry_after = false;
  Clock::time_point sent, answered;
};

// A submission answered 202 (or 200, a resubmission of one whose first answer was lost).
struct Ack {
  std::string id;
  std::vector<std::string> recipients;
  int gateway = 0;
  bool duplicate = false;
  Clock::time_point sent, answered;
};

struct LoadOptions {
  std::string prefix;  // message ids are <prefix>-<thread>-<n>
  int threads = 4;
  // A submission not acknowledged within this is abandoned and reported as a failure.
  std::chrono::milliseconds hang_guard{90'000};
};

class Load {
 public:
  static constexpr const char* kSender = "police.met";
  Load(std::array<std::atomic<std::uint16_t>, 2>& ports, LoadOptions options);
  ~Load();
  // No new submission starts; each thread keeps retrying the one it holds until it is
  // acknowledged (or its hang guard passes), then the threads are joined.
  void stop();

  std::vector<Ack> acks() const;
  std::vector<Attempt> attempts() const;
  std::vector<std::string> failures() const;  // "<id>: why"
  // Acknowledgements answered after `t` (by gateway `gateway` only, when >= 0).
  std::size_t acks_after(Clock::time_point t, int gateway = -1) const;
  // Attempts sent after `t` that got an answer or failed (any outcome).
  std::size_t attempts_sent_after(Clock::time_point t) const;

 private:
  void run(int thread);
  void submit(const std::string& id, const std::string& body, int& next_gateway,
              std::array<std::unique_ptr<client::HttpsClient>, 2>& clients,
              std::array<std::uint16_t, 2>& client_ports);

  std::array<std::atomic<std::uint16_t>, 2>& ports_;
  LoadOptions options_;
  std::atomic<bool> running_{true};
  std::vector<std::thread> workers_;
  mutable std::mutex mutex_;
  std::vector<Ack> acks_;              // guarded by mutex_
  std::vector<Attempt> attempts_;      // guarded by mutex_
  std::vector<std::string> failures_;  // guarded by mutex_
};

// Successes of attempts sent at or after `from` and answered at or before `to`: a window in
// which nothing may be acknowledged.
std::vector<Attempt> successes_within(const std::vector<Attempt>& attempts, Clock::time_point from,
                                      Clock::time_point to);

// What the checks after a repetition found; printed as one line per repetition.
struct Counts {
  std::size_t acked = 0;
  std::size_t resubmitted = 0;           // acknowledged by a 200 (the first answer was lost)
  std::size_t lost = 0;                  // acknowledged copies missing from the database
  std::size_t stored_unacked = 0;        // submissions stored that no client saw acknowledged
  std::size_t undelivered = 0;           // acknowledged copies the mailboxes never handed out
  std::size_t delivered_unacked = 0;     // copies delivered whose submission was never acked
  std::size_t duplicates_delivered = 0;  // copies handed out more than once
  std::size_t audit_records = 0;
  Counts& operator+=(const Counts& other);
};

// Checks the database (on the current primary) and drains every recipient's mailbox with two
// concurrent readers, one leasing on each gateway and acknowledging on the other; nothing may
// be handed out twice. Adds gtest failures for what is wrong and returns the counts.
Counts check_after_failover(testing::PgCluster& cluster, const std::string& database,
                            GatewayPair& pair, const Load& load);

// "<scenario> repetition k: acked=…, lost=…, duplicates delivered=…" on stdout; repetition 0
// prints the totals of a scenario's repetitions ("<scenario> all N repetitions: ...").
void print_counts(const std::string& scenario, int repetition, const Counts& counts);

// ACCORD_HA_REPETITIONS, 2 when unset (the ha_failover_campaign target sets more).
int repetitions();

}  // namespace accord::test::ha
