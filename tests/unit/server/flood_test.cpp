// Connection floods must not lock legitimate agencies out (issue #12 item 1): pending
// handshakes are capped per source address, connections per agency, idle connections are
// reclaimed first when slots run out, and a failing accept backs off and logs once. The long
// measured variant is bench/flood (docs/benchmarks.md); these assert served / refused counts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "accord/testing/wait_until.hpp"
#include "server_fixture.hpp"

namespace accord::server::test {
namespace {

namespace bhttp = boost::beast::http;
constexpr const char* kRejected = "accord_connections_rejected_total";
constexpr const char* kReclaimed = "accord_connections_reclaimed_total";
constexpr const char* kFloodSource = "127.0.0.2";  // the legitimate clients use 127.0.0.1
constexpr const char* kRequest = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
constexpr const char* kHold = "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n";

// Plain TCP sockets from `source` that send `bytes` (possibly nothing) and then stay silent.
class RawFlood {
 public:
  ~RawFlood() {
    for (int fd : fds_) ::close(fd);
  }
  // Returns how many connected (the server may close them at once; that still counts).
  int open(const char* source, std::uint16_t port, int count, const std::string& bytes) {
    int connected = 0;
    for (int i = 0; i < count; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      sockaddr_in remote{};
      remote.sin_family = AF_INET;
      remote.sin_port = htons(port);
      ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
          ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        ::close(fd);
        continue;
      }
      if (!bytes.empty()) (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      fds_.push_back(fd);
      ++connected;
    }
    return connected;
  }

 private:
  std::vector<int> fds_;
};

class FloodTest : public ServerTest {
 protected:
  // `count` new connections of `name`, one request each; how many got 200.
  int served(const std::string& name, int count) {
    int ok = 0;
    for (int i = 0; i < count; ++i) {
      auto c = client(name);
      if (!c) continue;
      auto res = c->request(bhttp::verb::get, "/echo");
      if (res.ok() && res->status == 200) ++ok;
    }
    return ok;
  }

  // A TLS connection of `name` that made one request and now waits idle.
  std::unique_ptr<testing::TlsProbe> idle_connection(const std::string& name) {
    auto probe = std::make_unique<testing::TlsProbe>(probe_options(name));
    EXPECT_TRUE(probe->connect_and_handshake(port()).ok());
    EXPECT_TRUE(probe->write(kRequest).ok());
    auto res = probe->read_response();
    EXPECT_TRUE(res.ok() && res->result_int() == 200u);
    return probe;
  }

  // A TLS connection of `name` with a request parked in the handler (/hold).
  std::unique_ptr<testing::TlsProbe> busy_connection(const std::string& name) {
    const auto before = handler_.held();
    auto probe = std::make_unique<testing::TlsProbe>(probe_options(name));
    EXPECT_TRUE(probe->connect_and_handshake(port()).ok());
    EXPECT_TRUE(probe->write(kHold).ok());
    EXPECT_TRUE(testing::wait_until([&] { return handler_.held() > before; }));
    return probe;
  }
};

// ---- a flood from one source, or one agency holding its cap: another agency is served ----

enum class Flood { idle_tcp, slow_client_hello, agency_at_cap };

struct FloodRow {
  const char* name;
  Flood flood;
  int count;  // flood connections
  std::size_t max_connections;
  const char* metric;  // the family that counts what the flood lost
  const char* reason;
  double at_least;  // how many it must count
};

class FloodRows : public FloodTest, public ::testing::WithParamInterface<FloodRow> {};

TEST_P(FloodRows, AnotherAgencyIsStillServed) {
  const FloodRow& row = GetParam();
  auto o = options();
  o.max_connections = row.max_connections;
  o.max_pending_handshakes_per_source = 8;
  o.max_connections_per_agency = 6;
  o.handshake_timeout = std::chrono::milliseconds(60'000);  // the flood outlasts the test
  o.idle_timeout = std::chrono::milliseconds(60'000);
  start(o);

  RawFlood raw;
  std::vector<std::unique_ptr<testing::TlsProbe>> held;
  switch (row.flood) {
    case Flood::idle_tcp:
      ASSERT_EQ(raw.open(kFloodSource, port(), row.count, ""), row.count);
      break;
    case Flood::slow_client_hello:
      // A TLS record header announcing a ClientHello that never comes.
      ASSERT_EQ(
          raw.open(kFloodSource, port(), row.count, std::string("\x16\x03\x01\x02\x00\x01", 6)),
          row.count);
      break;
    case Flood::agency_at_cap:
      for (int i = 0; i < row.count; ++i) held.push_back(idle_connection("agency-police.met"));
      break;
  }
  EXPECT_GE(await_metric(row.metric, {{"reason", row.reason}}, row.at_least), row.at_least);

  constexpr int kLegitimate = 20;
  EXPECT_EQ(served("agency-cps.london", kLegitimate), kLegitimate);
  EXPECT_LE(server_->peer_connections(PeerRole::agency, "police.met"), 6u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, FloodRows,
    ::testing::Values(
        // 200 sockets that never send a ClientHello fill 100 slots on the old code.
        FloodRow{"IdleTcp", Flood::idle_tcp, 200, 100, kRejected, "per_source", 192},
        FloodRow{"SlowClientHello", Flood::slow_client_hello, 200, 100, kRejected, "per_source",
                 192},
        // One agency opening as many connections as there are slots: its own idle ones are
        // reclaimed past its cap of 6, so it holds 6 and the rest stay free.
        FloodRow{"AgencyHoldingItsCap", Flood::agency_at_cap, 16, 16, kReclaimed, "per_agency",
                 10}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- at max_connections: the longest-idle connection makes room; busy ones never do ----

TEST_F(FloodTest, AtMaxConnectionsTheLongestIdleConnectionIsReclaimed) {
  auto o = options();
  o.max_connections = 3;
  start(o);
  auto oldest = idle_connection("agency-police.met");
  auto middle = idle_connection("agency-wcu.met");
  auto newest = idle_connection("agency-police.met");

  EXPECT_EQ(served("agency-cps.london", 1), 1);
  EXPECT_TRUE(oldest->wait_closed().ok());
  EXPECT_EQ(metric(kReclaimed, {{"reason", "max_connections"}}), 1);
  // The others are still open and usable.
  ASSERT_TRUE(middle->write(kRequest).ok());
  EXPECT_TRUE(middle->read_response().ok());
  ASSERT_TRUE(newest->write(kRequest).ok());
  EXPECT_TRUE(newest->read_response().ok());
}

TEST_F(FloodTest, AtMaxConnectionsWithNothingIdleANewSocketIsRefused) {
  auto o = options();
  o.max_connections = 2;
  start(o);
  auto a = busy_connection("agency-police.met");
  auto b = busy_connection("agency-wcu.met");

  EXPECT_EQ(served("agency-cps.london", 1), 0);
  EXPECT_GE(await_metric(kRejected, {{"reason", "max_connections"}}, 1), 1);
  EXPECT_EQ(metric(kReclaimed, {{"reason", "max_connections"}}), 0);
  handler_.release_held();
  EXPECT_TRUE(a->read_response().ok());
  EXPECT_TRUE(b->read_response().ok());
}

// ---- per agency: its own longest-idle connection makes room; busy ones never do ----

TEST_F(FloodTest, PerAgencyCapReclaimsThatAgencysIdleConnection) {
  auto o = options();
  o.max_connections_per_agency = 2;
  start(o);
  auto first = idle_connection("agency-police.met");
  auto second = idle_connection("agency-police.met");
  auto other = idle_connection("agency-cps.london");

  EXPECT_EQ(served("agency-police.met", 1), 1);
  EXPECT_TRUE(first->wait_closed().ok());
  EXPECT_EQ(metric(kReclaimed, {{"reason", "per_agency"}}), 1);
  ASSERT_TRUE(other->write(kRequest).ok());  // another agency's idle connection is untouched
  EXPECT_TRUE(other->read_response().ok());
}

TEST_F(FloodTest, PerAgencyCapWithNothingIdleRefusesThatAgencyOnly) {
  auto o = options();
  o.max_connections_per_agency = 2;
  start(o);
  auto a = busy_connection("agency-police.met");
  auto b = busy_connection("agency-police.met");

  EXPECT_EQ(served("agency-police.met", 1), 0);
  EXPECT_GE(await_metric(kRejected, {{"reason", "per_agency"}}, 1), 1);
  EXPECT_EQ(served("agency-cps.london", 3), 3);
  EXPECT_EQ(server_->peer_connections(PeerRole::agency, "police.met"), 2u);
  handler_.release_held();
  EXPECT_TRUE(a->read_response().ok());
  EXPECT_TRUE(b->read_response().ok());
}

// ---- the registry by peer: what revocation uses to close a revoked agency's connections ----

TEST_F(FloodTest, ClosePeerConnectionsClosesThatPeerOnly) {
  start();
  auto p1 = idle_connection("agency-police.met");
  auto p2 = idle_connection("agency-police.met");
  auto cps = idle_connection("agency-cps.london");
  EXPECT_EQ(server_->peer_connections(PeerRole::agency, "police.met"), 2u);
  EXPECT_EQ(server_->peer_connections(PeerRole::admin, "police.met"), 0u);

  EXPECT_EQ(server_->close_peer_connections(PeerRole::agency, "police.met"), 2u);
  EXPECT_TRUE(p1->wait_closed().ok());
  EXPECT_TRUE(p2->wait_closed().ok());
  EXPECT_TRUE(testing::wait_until(
      [&] { return server_->peer_connections(PeerRole::agency, "police.met") == 0; }));
  ASSERT_TRUE(cps->write(kRequest).ok());
  EXPECT_TRUE(cps->read_response().ok());
}

TEST_F(FloodTest, ClosePeerConnectionsLetsARequestInFlightFinishWithConnectionClose) {
  start();
  auto busy = busy_connection("agency-police.met");
  EXPECT_EQ(server_->close_peer_connections(PeerRole::agency, "police.met"), 1u);
  handler_.release_held();
  auto res = busy->read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(busy->wait_closed().ok());
}

// ---- accept failing with EMFILE: back off, log once, recover ----

// Lowers RLIMIT_NOFILE and uses up every descriptor left, until destroyed.
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lower = saved_;
    lower.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 4096);
    ::setrlimit(RLIMIT_NOFILE, &lower);
    for (;;) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fds_.push_back(fd);
    }
  }
  ~DescriptorExhaustion() {
    for (int fd : fds_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> fds_;
};

TEST_F(FloodTest, AcceptFailingWithEmfileBacksOffLogsOnceAndRecovers) {
  auto o = options();
  o.accept_backoff_initial = std::chrono::milliseconds(1);
  o.accept_backoff_max = std::chrono::milliseconds(20);
  o.accept_error_log_interval = std::chrono::hours(1);  // so "once" does not depend on speed
  // The sink is added before the io threads start and removed after they stop: a logger's
  // sink list is not safe to change while other threads log.
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::default_logger()->sinks().push_back(sink);
  start(o);

  // The socket exists before the descriptors run out; connect() needs no new one, and the
  // kernel completes it into the listen backlog, where accept() keeps failing.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  {
    DescriptorExhaustion exhaustion;
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port());
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote), 0);
    EXPECT_GE(await_metric("accord_accept_errors_total", {{"reason", "emfile"}}, 5), 5);
  }
  ::close(fd);
  // Descriptors are back: the listener accepts again.
  EXPECT_EQ(served("agency-cps.london", 2), 2);

  threads_.reset();
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::find(sinks.begin(), sinks.end(), sink));
  std::size_t lines = 0;
  std::istringstream text(log.str());
  for (std::string line; std::getline(text, line);) {
    if (line.find("accept failed") != std::string::npos) ++lines;
  }
  EXPECT_EQ(lines, 1u) << log.str();
}

}  // namespace
}  // namespace accord::server::test
