// drain(): stop accepting, close idle connections, finish in-flight requests with
// Connection: close, then call done.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "accord/testing/wait_until.hpp"
#include "server_fixture.hpp"

namespace accord::server::test {
namespace {

namespace bhttp = boost::beast::http;

TEST_F(ServerTest, DrainFinishesInFlightRequestsThenCallsDone) {
  start();
  // An idle keep-alive connection, opened and used before the drain.
  testing::TlsProbe idle(probe_options("agency-cps.london"));
  ASSERT_TRUE(idle.connect_and_handshake(port()).ok());
  ASSERT_TRUE(idle.write("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(idle.read_response().ok());

  // A request the handler parks: in flight when the drain starts.
  Result<client::HttpResult> slow = make_error("not_run", "");
  std::thread in_flight([&] {
    auto c = client("agency-police.met");
    slow = c->request(bhttp::verb::get, "/hold");
  });
  ASSERT_TRUE(testing::wait_until([&] { return handler_.held() == 1; }));

  std::atomic<bool> done{false};
  server_->drain([&] { done = true; });

  // The idle connection is closed; a new one is not served.
  EXPECT_TRUE(idle.wait_closed().ok());
  auto late = client("agency-wcu.met");
  auto refused = late->request(bhttp::verb::get, "/echo");
  EXPECT_FALSE(refused.ok());
  EXPECT_FALSE(done.load()) << "done() fired while a request was still in flight";

  handler_.release_held();
  in_flight.join();
  ASSERT_TRUE(slow.ok()) << slow.error().message;
  EXPECT_EQ(slow->status, 200u);
  EXPECT_EQ(slow->body, "released");
  EXPECT_EQ(slow->headers["connection"], "close");
  EXPECT_TRUE(testing::wait_until([&] { return done.load(); }));
  EXPECT_EQ(metric("accord_connections_open"), 0);
  // Exactly two requests reached the handler: the idle one's and the parked one.
  EXPECT_EQ(handler_.peers().size(), 2u);
}

TEST_F(ServerTest, DrainWithNothingOpenCallsDoneAndRefusesConnections) {
  start();
  std::atomic<bool> done{false};
  server_->drain([&] { done = true; });
  EXPECT_TRUE(testing::wait_until([&] { return done.load(); }));
  testing::TlsProbe probe(probe_options("agency-police.met"));
  Status st = probe.connect_and_handshake(port());
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace accord::server::test
