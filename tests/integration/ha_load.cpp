#include "ha_load.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace accord::test::ha {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// The values of `expression` (text) over the rows of table `from`, read on the current primary
// in one string_agg (ids and agency ids hold no comma).
std::vector<std::string> query_rows(testing::PgCluster& cluster, const std::string& expression,
                                    const std::string& from, const std::string& database) {
  auto text = cluster.query("SELECT coalesce(string_agg(" + expression + ", ','), '') FROM " + from,
                            database);
  if (!text.ok()) {
    ADD_FAILURE() << "query " << from << ": " << text.error().message;
    return {};
  }
  return split(text.value(), ',');
}

std::string key(const std::string& a, const std::string& b) {
  return a + " " + b;
}

}  // namespace

GatewayPair::GatewayPair(const std::string& uri, int commit_timeout_seconds) : uri_(uri) {
  for (int i = 0; i < 2; ++i) {
    processes_[i] = std::make_unique<GatewayProcess>(write_pg_config(
        dirs_[i], uri, shared_.path(), {},
        "    commit_timeout_seconds: " + std::to_string(commit_timeout_seconds) + "\n"));
  }
}

bool GatewayPair::start(int i) {
  if (!processes_[i]->start()) return false;
  ports_[i] = processes_[i]->port();
  return true;
}

void GatewayPair::kill9(int i) {
  processes_[i]->kill9();
}

std::string GatewayPair::gateway_key_file(int i) {
  auto key = make_client(Load::kSender, port(i))->request(verb::get, "/v1/gateway-key");
  if (!key.ok() || key->status != 200) {
    ADD_FAILURE() << "GET /v1/gateway-key failed";
    return {};
  }
  std::ofstream(shared_.file("gateway-key.json")) << key->body;
  return shared_.file("gateway-key.json");
}

Load::Load(std::array<std::atomic<std::uint16_t>, 2>& ports, LoadOptions options)
    : ports_(ports), options_(std::move(options)) {
  for (int t = 0; t < options_.threads; ++t) workers_.emplace_back([this, t] { run(t); });
}

Load::~Load() {
  stop();
}

void Load::stop() {
  running_ = false;
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void Load::run(int thread) {
  auto envelope = json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  std::array<std::unique_ptr<client::HttpsClient>, 2> clients;
  std::array<std::uint16_t, 2> client_ports{};
  int next_gateway = thread % 2;
  for (int n = 0; running_; ++n) {
    const std::string id = options_.prefix + "-" + std::to_string(thread) + "-" + std::to_string(n);
    envelope["id"] = id;
    // A few cases per thread: copies of one case interleave with other cases' copies.
    envelope["case"]["urn"] = "01HA" + std::to_string(thread * 10 + n % 3);
    submit(id, envelope.dump(), next_gateway, clients, client_ports);
  }
}

void Load::submit(const std::string& id, const std::string& body, int& next_gateway,
                  std::array<std::unique_ptr<client::HttpsClient>, 2>& clients,
                  std::array<std::uint16_t, 2>& client_ports) {
  // Round robin over the gateways, as a load balancer without stickiness would.
  int gateway = next_gateway;
  next_gateway ^= 1;
  const auto deadline = Clock::now() + options_.hang_guard;
  for (;;) {
    if (Clock::now() > deadline) {
      std::lock_guard lock(mutex_);
      failures_.push_back(id + ": not acknowledged within the hang guard");
      return;
    }
    const std::uint16_t port = ports_[gateway].load();
    if (!clients[gateway] || client_ports[gateway] != port) {
      auto options = client_options(kSender, port);
      options.timeout = std::chrono::milliseconds(30'000);
      auto created = client::HttpsClient::create(options);
      if (!created.ok()) {
        std::lock_guard lock(mutex_);
        failures_.push_back(id + ": client: " + created.error().message);
        return;
      }
      clients[gateway] = std::move(created.value());
      client_ports[gateway] = port;
    }
    Attempt attempt{id, gateway, 0, false, Clock::now(), {}};
    auto result = clients[gateway]->request(verb::post, "/v1/messages", body);
    attempt.answered = Clock::now();
    if (result.ok()) {
      attempt.status = result->status;
      attempt.retry_after = result->headers.count("retry-after") != 0;
    }
    {
      std::lock_guard lock(mutex_);
      attempts_.push_back(attempt);
    }
    if (attempt.status == 202 || attempt.status == 200) {
      const auto answer = json::parse(result->body, nullptr, false);
      Ack ack{id, {}, gateway, attempt.status == 200, attempt.sent, attempt.answered};
      if (!answer.is_discarded() && answer.contains("recipients")) {
        for (const auto& r : answer["recipients"]) ack.recipients.push_back(r.get<std::string>());
      }
      std::lock_guard lock(mutex_);
      if (ack.recipients.empty()) failures_.push_back(id + ": acknowledged without recipients");
      acks_.push_back(std::move(ack));
      return;
    }
    // Only "not now" answers are retried; anything else is a refusal the test never expects.
    const bool retry = attempt.status == 0 || attempt.status == 429 || attempt.status == 503;
    if (!retry) {
      std::lock_guard lock(mutex_);
      failures_.push_back(id + ": HTTP " + std::to_string(attempt.status) + " " + result->body);
      return;
    }
    if (attempt.status == 0) clients[gateway].reset();
    gateway ^= 1;  // the same message, same id, to the other gateway
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<Ack> Load::acks() const {
  std::lock_guard lock(mutex_);
  return acks_;
}

std::vector<Attempt> Load::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

std::vector<std::string> Load::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::size_t Load::acks_after(Clock::time_point t, int gateway) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& ack : acks_) {
    if (ack.answered > t && (gateway < 0 || ack.gateway == gateway)) ++n;
  }
  return n;
}

std::size_t Load::attempts_sent_after(Clock::time_point t) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& attempt : attempts_) n += attempt.sent > t ? 1 : 0;
  return n;
}

std::vector<Attempt> successes_within(const std::vector<Attempt>& attempts, Clock::time_point from,
                                      Clock::time_point to) {
  std::vector<Attempt> found;
  for (const auto& a : attempts) {
    const bool success = a.status == 200 || a.status == 202;
    if (success && a.sent >= from && a.answered <= to) found.push_back(a);
  }
  return found;
}

namespace {

// One reader of `recipient`'s mailbox: leases batches on gateway `gateway` and acknowledges
// each on the other gateway, until a lease comes back empty. Counts every "sender id" handed
// out; what went wrong goes to `errors`.
void drain_via(const std::string& recipient, GatewayPair& pair, int gateway,
               std::map<std::string, int>& delivered, std::vector<std::string>& errors) {
  auto lessee = make_client(recipient, pair.port(gateway));
  auto acker = make_client(recipient, pair.port(gateway ^ 1));
  for (int round = 0; round < 100'000; ++round) {
    auto leased = lessee->request(verb::get, "/v1/inbox?max=100&lease_seconds=600");
    if (!leased.ok() || leased->status != 200) {
      errors.push_back(recipient + ": inbox on gateway " + std::to_string(gateway) +
                       " failed: " + (leased.ok() ? leased->body : leased.error().message));
      return;
    }
    const auto messages = json::parse(leased->body)["messages"];
    if (messages.empty()) return;
    json ids = json::array();
    for (const auto& m : messages) {
      ++delivered[key(m["sender"].get<std::string>(), m["message_id"].get<std::string>())];
      ids.push_back(m["delivery_id"]);
    }
    auto acked = acker->request(verb::post, "/v1/inbox/ack", json{{"delivery_ids", ids}}.dump());
    if (!acked.ok() || acked->status != 200) {
      errors.push_back(recipient + ": ack on gateway " + std::to_string(gateway ^ 1) +
                       " failed: " + (acked.ok() ? acked->body : acked.error().message));
      return;
    }
    // Named: a range-for over a member of a temporary would outlive the temporary.
    const json answer = json::parse(acked->body);
    for (const auto& r : answer.value("results", json::array())) {
      if (r.value("status", "") != "acked") errors.push_back(recipient + ": ack " + r.dump());
    }
  }
  errors.push_back(recipient + ": the mailbox never emptied");
}

// Empties `recipient`'s mailbox with two concurrent readers, one leasing on each gateway (their
// leases race for the same rows). Returns how often each "sender id" was handed out.
std::map<std::string, int> drain(const std::string& recipient, GatewayPair& pair) {
  std::array<std::map<std::string, int>, 2> delivered;
  std::array<std::vector<std::string>, 2> errors;
  {
    std::array<std::jthread, 2> readers{
        std::jthread([&] { drain_via(recipient, pair, 0, delivered[0], errors[0]); }),
        std::jthread([&] { drain_via(recipient, pair, 1, delivered[1], errors[1]); })};
  }
  for (const auto& list : errors) {
    for (const auto& error : list) ADD_FAILURE() << error;
  }
  for (const auto& [submission, times] : delivered[1]) delivered[0][submission] += times;
  return delivered[0];
}

}  // namespace

Counts check_after_failover(testing::PgCluster& cluster, const std::string& database,
                            GatewayPair& pair, const Load& load) {
  Counts counts;
  for (const auto& failure : load.failures()) ADD_FAILURE() << "submission failed: " << failure;

  // Expected: every acknowledged (sender, id) with the recipients its answer named.
  std::map<std::string, std::vector<std::string>> acked;  // "sender id" -> recipients
  std::set<std::string> recipients;
  for (const auto& ack : load.acks()) {
    counts.resubmitted += ack.duplicate ? 1 : 0;
    const auto [it, fresh] = acked.emplace(key(Load::kSender, ack.id), ack.recipients);
    EXPECT_TRUE(fresh) << ack.id << " acknowledged twice (a client retries only until acked)";
    recipients.insert(ack.recipients.begin(), ack.recipients.end());
  }
  counts.acked = acked.size();

  // The database on the (possibly new) primary.
  const auto submission_rows =
      query_rows(cluster, "sender || ' ' || message_id", "submissions", database);
  const std::set<std::string> submissions(submission_rows.begin(), submission_rows.end());
  const auto copy_rows =
      query_rows(cluster, "recipient || ' ' || sender || ' ' || message_id", "copies", database);
  const std::multiset<std::string> copies(copy_rows.begin(), copy_rows.end());
  for (const auto& [submission, to] : acked) {
    bool whole = submissions.count(submission) == 1;
    for (const auto& recipient : to) whole = whole && copies.count(key(recipient, submission)) == 1;
    if (!whole) {
      ++counts.lost;
      ADD_FAILURE() << "acknowledged " << submission << " is not stored whole";
    }
  }
  // Clients retry until acknowledged, so whatever was stored must have been acknowledged.
  for (const auto& submission : submissions) {
    if (acked.count(submission) == 0) {
      ++counts.stored_unacked;
      ADD_FAILURE() << submission << " is stored but was never acknowledged";
    }
  }
  auto audit = cluster.query("SELECT count(*) FROM audit_records", database);
  EXPECT_TRUE(audit.ok()) << (audit.ok() ? "" : audit.error().message);
  counts.audit_records = audit.ok() ? std::strtoull(audit->c_str(), nullptr, 10) : 0;

  // Every recipient's mailbox, through both gateways at once.
  std::map<std::string, std::map<std::string, int>> delivered;  // recipient -> "sender id" -> n
  for (const auto& recipient : recipients) delivered[recipient] = drain(recipient, pair);
  for (const auto& [submission, to] : acked) {
    for (const auto& recipient : to) {
      if (delivered[recipient].count(submission) == 0) {
        ++counts.undelivered;
        ADD_FAILURE() << recipient << " never received acknowledged " << submission;
      }
    }
  }
  for (const auto& [recipient, handed_out] : delivered) {
    for (const auto& [submission, times] : handed_out) {
      counts.duplicates_delivered += static_cast<std::size_t>(times - 1);
      // Leased for 600 s and acknowledged at once: handed out twice means two leases of one row.
      EXPECT_EQ(times, 1) << recipient << " was handed " << submission << " " << times << " times";
      if (acked.count(submission) == 0) {
        ++counts.delivered_unacked;
        ADD_FAILURE() << recipient << " received " << submission << ", never acknowledged";
      }
    }
  }

  // The one audit chain of the deployment, as an auditor would check it.
  const std::string key_file = pair.gateway_key_file(0);
  const auto verified = run_command(binary_dir() + "/tools/accord/accord audit verify --db '" +
                                    pair.uri() + "' --gateway-key " + key_file);
  EXPECT_EQ(verified.status, 0) << "accord audit verify --db: " << verified.output;
  EXPECT_GE(counts.audit_records, counts.acked) << "fewer audit records than acknowledgements";
  return counts;
}

Counts& Counts::operator+=(const Counts& other) {
  acked += other.acked;
  resubmitted += other.resubmitted;
  lost += other.lost;
  stored_unacked += other.stored_unacked;
  undelivered += other.undelivered;
  delivered_unacked += other.delivered_unacked;
  duplicates_delivered += other.duplicates_delivered;
  audit_records += other.audit_records;
  return *this;
}

void print_counts(const std::string& scenario, int repetition, const Counts& counts) {
  const std::string which = repetition > 0
                                ? "repetition " + std::to_string(repetition)
                                : "all " + std::to_string(repetitions()) + " repetitions";
  std::printf(
      "%s %s: acked=%zu (resubmitted=%zu), lost=%zu, stored unacked=%zu, "
      "undelivered=%zu, delivered unacked=%zu, duplicates delivered=%zu, audit records=%zu\n",
      scenario.c_str(), which.c_str(), counts.acked, counts.resubmitted, counts.lost,
      counts.stored_unacked, counts.undelivered, counts.delivered_unacked,
      counts.duplicates_delivered, counts.audit_records);
  std::fflush(stdout);
}

int repetitions() {
  const char* text = std::getenv("ACCORD_HA_REPETITIONS");
  const int n = text ? std::atoi(text) : 0;
  return n > 0 ? n : 2;
}

}  // namespace accord::test::ha
