// The health listener over real loopback TCP: /livez, /readyz (ready, and 503 while the
// readiness hook says why not), 404 and 405, bounded requests, a client that says too
// little is cut after the configured timeout, the connection cap, stop(), and one access
// record per answer with the path and never the query.
#include "accord/server/health_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "accord/testing/io_threads.hpp"
#include "accord/testing/plain_http.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::server {
namespace {

using nlohmann::json;
using testing::plain_exchange;
using testing::plain_request;

class HealthServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop();
    threads_.reset();
    server_.reset();
  }

  HealthOptions options() {
    HealthOptions o;
    // Short: the slow-client tests wait for it (never asserted as a duration).
    o.timeout = std::chrono::milliseconds(300);
    o.unavailable = [this]() -> std::optional<Error> {
      std::lock_guard lock(mu_);
      return unavailable_;
    };
    o.on_access = [this](const AccessRecord& record) {
      std::lock_guard lock(mu_);
      records_.push_back(record);
    };
    return o;
  }
  void start(HealthOptions o) {
    server_ = make_health_server(io_, std::move(o));
    ASSERT_TRUE(server_->start().ok());
    threads_.emplace(io_, 2);
  }
  void start() { start(options()); }
  std::uint16_t port() const { return server_->port(); }
  void set_unavailable(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    unavailable_ = std::move(error);
  }
  std::vector<AccessRecord> records(std::size_t at_least) {
    testing::wait_until([&] {
      std::lock_guard lock(mu_);
      return records_.size() >= at_least;
    });
    std::lock_guard lock(mu_);
    return records_;
  }

  boost::asio::io_context io_;
  std::unique_ptr<HealthServer> server_;
  std::optional<testing::IoThreads> threads_;
  std::mutex mu_;
  std::optional<Error> unavailable_;
  std::vector<AccessRecord> records_;
};

struct RouteRow {
  const char* name;
  const char* method;
  const char* target;
  unsigned status;
  const char* status_member;  // {"status": ...} of a 200, or "" for an error body
  const char* code;           // error.code of a refusal, or ""
};

class HealthRoutes : public HealthServerTest, public ::testing::WithParamInterface<RouteRow> {};

TEST_P(HealthRoutes, Row) {
  start();
  const auto& row = GetParam();
  auto answer = plain_request(port(), row.method, row.target);
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_EQ(answer.status, row.status) << answer.body;
  EXPECT_EQ(answer.headers["content-type"], "application/json");
  EXPECT_EQ(answer.headers["connection"], "close");
  const auto body = json::parse(answer.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << answer.body;
  if (*row.status_member != '\0') {
    EXPECT_EQ(body["status"], row.status_member) << answer.body;
  }
  if (*row.code != '\0') {
    EXPECT_EQ(body["error"]["code"], row.code) << answer.body;
  }
  if (row.status == 405) {
    EXPECT_EQ(answer.headers["allow"], "GET");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Routes, HealthRoutes,
    ::testing::Values(RouteRow{"livez", "GET", "/livez", 200, "alive", ""},
                      RouteRow{"readyz", "GET", "/readyz", 200, "ready", ""},
                      RouteRow{"readyz_query_ignored", "GET", "/readyz?verbose=1", 200, "ready",
                               ""},
                      RouteRow{"post_livez", "POST", "/livez", 405, "", "method_not_allowed"},
                      RouteRow{"put_readyz", "PUT", "/readyz", 405, "", "method_not_allowed"},
                      RouteRow{"delete_livez", "DELETE", "/livez", 405, "", "method_not_allowed"},
                      RouteRow{"healthz_is_tls_only", "GET", "/healthz", 404, "", "not_found"},
                      RouteRow{"metrics_not_here", "GET", "/metrics", 404, "", "not_found"},
                      RouteRow{"root", "GET", "/", 404, "", "not_found"},
                      RouteRow{"unknown_post", "POST", "/v1/messages", 404, "", "not_found"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(HealthServerTest, ReadyzIs503WhileUnavailableThenReadyAgain) {
  start();
  set_unavailable(
      make_error("storage_unavailable", "the spool cannot store: disk full", "storage"));
  auto down = plain_request(port(), "GET", "/readyz");
  ASSERT_TRUE(down.ok) << down.error;
  EXPECT_EQ(down.status, 503u);
  EXPECT_EQ(down.headers["retry-after"], "5");
  const auto body = json::parse(down.body);
  EXPECT_EQ(body["status"], "unavailable");
  EXPECT_EQ(body["code"], "storage_unavailable");
  EXPECT_EQ(body["error"]["code"], "storage_unavailable");
  EXPECT_EQ(body["error"]["path"], "storage");
  // Liveness is not readiness: the process still serves.
  EXPECT_EQ(plain_request(port(), "GET", "/livez").status, 200u);
  set_unavailable(std::nullopt);
  EXPECT_EQ(plain_request(port(), "GET", "/readyz").status, 200u);
}

struct BadRequestRow {
  const char* name;
  std::string raw;
  unsigned status;
  const char* code;
};

class HealthBadRequests : public HealthServerTest,
                          public ::testing::WithParamInterface<BadRequestRow> {};

TEST_P(HealthBadRequests, AnsweredThenClosed) {
  start();
  const auto answer = plain_exchange(port(), GetParam().raw);
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_EQ(answer.status, GetParam().status) << answer.body;
  EXPECT_EQ(json::parse(answer.body)["error"]["code"], GetParam().code) << answer.body;
}

INSTANTIATE_TEST_SUITE_P(
    Bounded, HealthBadRequests,
    ::testing::Values(
        BadRequestRow{
            "header_over_1k",
            "GET /livez HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(2048, 'a') + "\r\n\r\n", 431,
            "headers_too_large"},
        BadRequestRow{"body_over_1k",
                      "POST /livez HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" +
                          std::string(4096, 'b'),
                      413, "too_large"},
        BadRequestRow{"not_http", "HELLO THERE\r\n\r\n", 400, "bad_request"},
        BadRequestRow{"bad_version", "GET /livez HTTP/9.x\r\n\r\n", 400, "bad_request"}),
    [](const auto& info) { return std::string(info.param.name); });

// The server's timeout (300 ms here) cuts a client that never finishes its request; the
// client's own limit (20 s) is only a hang guard, so reaching it fails the test.
TEST_F(HealthServerTest, ASlowClientIsClosedWithoutAnAnswer) {
  start();
  const auto half = plain_exchange(port(), "GET /livez HTTP/1.1\r\nHost: x\r\n");
  EXPECT_FALSE(half.ok);
  EXPECT_EQ(half.error, "closed without an answer");
  EXPECT_EQ(half.bytes_read, 0u);
  const auto silent = plain_exchange(port(), "");
  EXPECT_EQ(silent.error, "closed without an answer");
  // And it still serves.
  EXPECT_EQ(plain_request(port(), "GET", "/livez").status, 200u);
}

TEST_F(HealthServerTest, OverTheConnectionCapASocketIsClosedAtAccept) {
  auto o = options();
  o.max_connections = 1;
  o.timeout = std::chrono::seconds(30);  // the held connection must not be cut meanwhile
  start(o);
  boost::asio::io_context client_io;
  boost::asio::ip::tcp::socket held(client_io);
  held.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
  // The held connection takes the one slot once accepted; a probe meanwhile is refused.
  ASSERT_TRUE(testing::wait_until([&] {
    return plain_request(port(), "GET", "/livez", std::chrono::seconds(5)).error ==
           "closed without an answer";
  }));
  held.close();
  // The slot is free again once the server sees the close.
  EXPECT_TRUE(testing::wait_until(
      [&] { return plain_request(port(), "GET", "/livez", std::chrono::seconds(5)).ok; },
      std::chrono::seconds(40)));
}

TEST_F(HealthServerTest, AccessRecordsCarryThePathNeverTheQuery) {
  start();
  const auto answer = plain_request(port(), "GET", "/readyz?subject_ref=SECRET");
  ASSERT_TRUE(answer.ok) << answer.error;
  plain_request(port(), "DELETE", "/nowhere?SECRET");
  const auto seen = records(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].peer, "-");
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/readyz");
  EXPECT_EQ(seen[0].status, 200u);
  EXPECT_EQ(seen[0].bytes, answer.body.size());
  EXPECT_EQ(seen[1].method, "DELETE");
  EXPECT_EQ(seen[1].path, "/nowhere");
  EXPECT_EQ(seen[1].status, 404u);
}

TEST_F(HealthServerTest, AfterStopProbesFail) {
  start();
  ASSERT_EQ(plain_request(port(), "GET", "/readyz").status, 200u);
  server_->stop();
  EXPECT_TRUE(testing::wait_until(
      [&] { return !plain_request(port(), "GET", "/readyz", std::chrono::seconds(5)).ok; }));
}

TEST_F(HealthServerTest, AnAddressThatIsNotOneIsABindError) {
  auto o = options();
  o.address = "localhost:80";
  auto server = make_health_server(io_, o);
  const auto status = server->start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "bind");
}

}  // namespace
}  // namespace accord::server
