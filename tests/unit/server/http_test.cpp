// HTTP/1.1 over the mTLS connection: limits, malformed input, deadlines, and handlers that
// answer late, twice or never.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "accord/testing/wait_until.hpp"
#include "server_fixture.hpp"

namespace accord::server::test {
namespace {

namespace bhttp = boost::beast::http;
constexpr const char* kRequests = "accord_http_requests_total";
constexpr const char* kTimeouts = "accord_connection_timeouts_total";
const std::string kAgency = "agency-police.met";

std::string error_code_of(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.contains("error")) return "<not an error body: " + body + ">";
  return j["error"].value("code", "");
}

// ---- body limit: 413 before the body is read, then close ----

struct BodyRow {
  std::size_t size;
  unsigned status;
};

class BodyLimit : public ServerTest, public ::testing::WithParamInterface<BodyRow> {};

TEST_P(BodyLimit, Row) {
  auto o = options();
  o.max_body_bytes = 1024;
  start(o);
  auto c = client(kAgency);
  auto res = c->request(bhttp::verb::post, "/echo", std::string(GetParam().size, 'x'));
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, GetParam().status);
  if (GetParam().status == 413) {
    EXPECT_EQ(error_code_of(res->body), "too_large");
    EXPECT_EQ(res->headers["connection"], "close");
  }
  EXPECT_EQ(await_metric(kRequests, {{"code", std::to_string(GetParam().status)}}, 1), 1);
}

INSTANTIATE_TEST_SUITE_P(Table, BodyLimit,
                         ::testing::Values(BodyRow{0, 200}, BodyRow{1024, 200}, BodyRow{1025, 413},
                                           BodyRow{64 * 1024, 413}));

TEST_F(ServerTest, DeclaredOversizedBodyIsRefusedBeforeItIsSent) {
  auto o = options();
  o.max_body_bytes = 1024;
  start(o);
  testing::TlsProbe probe(probe_options(kAgency));
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  // Only the header: the 413 must come from Content-Length alone.
  ASSERT_TRUE(
      probe.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n").ok());
  auto res = probe.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(probe.wait_closed().ok());
  EXPECT_TRUE(handler_.peers().empty());
}

// ---- header limit (16 KiB): 431 ----

struct HeaderRow {
  int fields;  // 1 KiB each
  unsigned status;
};

class HeaderLimit : public ServerTest, public ::testing::WithParamInterface<HeaderRow> {};

TEST_P(HeaderLimit, Row) {
  start();
  testing::TlsProbe probe(probe_options(kAgency));
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  std::string req = "GET /echo HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < GetParam().fields; ++i) {
    req += "X-Flood-" + std::to_string(i) + ": " + std::string(1024, 'a') + "\r\n";
  }
  req += "\r\n";
  Status written = probe.write(req);
  if (GetParam().status == 431) {
    // The server answers and closes after 16 KiB; a flood far past that may still be
    // being written when it closes, so the client can see the close before the 431.
    if (written.ok()) {
      auto res = probe.read_response();
      if (res.ok()) {
        EXPECT_EQ(res->result_int(), 431u);
        EXPECT_EQ(error_code_of(res->body()), "headers_too_large");
        EXPECT_FALSE(res->keep_alive());
      }
    }
    EXPECT_EQ(await_metric(kRequests, {{"code", "431"}}, 1), 1);
    EXPECT_TRUE(handler_.peers().empty());
    return;
  }
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto res = probe.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->result_int(), GetParam().status);
}

TEST_F(ServerTest, HeaderJustOverTheLimitGets431) {
  start();
  testing::TlsProbe probe(probe_options(kAgency));
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  std::string req =
      "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n";
  ASSERT_TRUE(probe.write(req).ok());
  auto res = probe.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->result_int(), 431u);
  EXPECT_EQ(error_code_of(res->body()), "headers_too_large");
  EXPECT_TRUE(probe.wait_closed().ok());
}

INSTANTIATE_TEST_SUITE_P(Table, HeaderLimit,
                         ::testing::Values(HeaderRow{8, 200}, HeaderRow{20, 431},
                                           HeaderRow{64, 431}));

// ---- malformed requests: 400 and close ----

struct MalformedRow {
  std::string name;
  std::string bytes;
};

class Malformed : public ServerTest, public ::testing::WithParamInterface<MalformedRow> {};

TEST_P(Malformed, Answers400AndCloses) {
  start();
  testing::TlsProbe probe(probe_options(kAgency));
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  ASSERT_TRUE(probe.write(GetParam().bytes).ok());
  auto res = probe.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->result_int(), 400u);
  EXPECT_EQ(error_code_of(res->body()), "bad_request");
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(probe.wait_closed().ok());
  EXPECT_TRUE(handler_.peers().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, Malformed,
    ::testing::Values(
        MalformedRow{"garbage", std::string("\x01\x02\x03\xff garbage\r\n\r\n", 16)},
        MalformedRow{"bad_version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n"},
        MalformedRow{"bad_content_length", "POST / HTTP/1.1\r\nContent-Length: ab\r\n\r\n"},
        MalformedRow{"space_in_target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"},
        MalformedRow{"bad_chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}),
    [](const auto& info) { return info.param.name; });

// ---- deadlines ----

TEST_F(ServerTest, SlowlorisIsCutAtRequestTimeout) {
  auto o = options();
  o.request_timeout = std::chrono::milliseconds(500);
  start(o);
  testing::TlsProbe probe(probe_options(kAgency));
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  // One byte per 100 ms, every one on time for any per-read deadline; 60 bytes would take
  // 6 s, far past request_timeout.
  const std::string headers =
      "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  bool cut = false;
  for (char ch : headers) {
    if (!probe.write(std::string_view(&ch, 1)).ok()) {
      cut = true;
      break;
    }
    if (metric(kTimeouts, {{"phase", "request"}}) >= 1) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(cut);
  EXPECT_TRUE(probe.wait_closed().ok());
  EXPECT_EQ(await_metric(kTimeouts, {{"phase", "request"}}, 1), 1);
  EXPECT_TRUE(handler_.peers().empty());
}

TEST_F(ServerTest, IdleKeepAliveIsCutAfterIdleTimeout) {
  auto o = options();
  o.idle_timeout = std::chrono::milliseconds(300);
  start(o);
  testing::TlsProbe probe(probe_options(kAgency));
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  for (int i = 0; i < 2; ++i) {  // keep-alive works while the client is active
    ASSERT_TRUE(probe.write("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n").ok());
    auto res = probe.read_response();
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_TRUE(res->keep_alive());
  }
  EXPECT_TRUE(probe.wait_closed().ok());
  EXPECT_EQ(await_metric(kTimeouts, {{"phase", "idle"}}, 1), 1);
}

// ---- handlers ----

TEST_F(ServerTest, HandlerMayAnswerFromAnotherThread) {
  start();
  auto c = client(kAgency);
  for (int i = 0; i < 3; ++i) {
    auto res = c->request(bhttp::verb::get, "/thread");
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->body, "from thread");
  }
  EXPECT_EQ(metric("accord_connections_total"), 1);
}

TEST_F(ServerTest, SecondAnswerIsDroppedAndTheConnectionStaysInStep) {
  start();
  auto c = client(kAgency);
  auto res = c->request(bhttp::verb::get, "/twice");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body, "first");
  auto next = c->request(bhttp::verb::get, "/echo");
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->body, "agency:police.met");
  EXPECT_EQ(metric(kRequests, {{"code", "200"}}), 2);
}

TEST_F(ServerTest, UnansweredRequestGets500) {
  start();
  auto c = client(kAgency);
  auto res = c->request(bhttp::verb::get, "/drop");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 500u);
  EXPECT_EQ(error_code_of(res->body), "internal");
}

TEST_F(ServerTest, ManyClientsOnSeveralThreads) {
  start();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  const std::vector<std::string> names = {"agency-police.met", "agency-cps.london", "admin",
                                          "auditor"};
  for (const auto& name : names) {
    threads.emplace_back([&, name] {
      auto c = client(name);
      for (int i = 0; i < 10; ++i) {
        auto res = c->request(bhttp::verb::get, i % 2 ? "/thread" : "/echo");
        if (res.ok() && res->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(metric(kRequests, {{"code", "200"}}), 40);
}

// ---- connection cap ----

TEST_F(ServerTest, ConnectionsOverTheCapAreClosedAtOnce) {
  auto o = options();
  o.max_connections = 1;
  start(o);
  // Busy, not idle: an idle connection would be reclaimed to make room (flood_test.cpp).
  testing::TlsProbe first(probe_options(kAgency));
  ASSERT_TRUE(first.connect_and_handshake(port()).ok());
  ASSERT_TRUE(first.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(testing::wait_until([&] { return handler_.held() == 1; }));
  testing::TlsProbe second(probe_options(kAgency));
  ASSERT_TRUE(second.connect(port()).ok());  // the kernel accepts; the server closes
  EXPECT_FALSE(second.handshake().ok());
  EXPECT_EQ(await_metric("accord_connections_rejected_total", {{"reason", "max_connections"}}, 1),
            1);
  // The first connection is unaffected.
  handler_.release_held();
  auto res = first.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(metric("accord_connections_open"), 1);
}

TEST_F(ServerTest, MetricsRenderHasTheServerFamilies) {
  start();
  auto c = client(kAgency);
  ASSERT_TRUE(c->request(bhttp::verb::get, "/echo").ok());
  auto anonymous = client("");  // refused: no certificate
  EXPECT_FALSE(anonymous->request(bhttp::verb::get, "/echo").ok());
  await_metric("accord_tls_handshake_failures_total", {{"reason", "no_certificate"}}, 1);
  const std::string text = metrics_.render();
  EXPECT_NE(text.find("accord_connections_total 2"), std::string::npos) << text;
  EXPECT_NE(text.find("accord_http_requests_total{code=\"200\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE accord_tls_handshake_failures_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE accord_connections_open gauge"), std::string::npos);
}

}  // namespace
}  // namespace accord::server::test
