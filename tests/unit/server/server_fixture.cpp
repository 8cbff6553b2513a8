#include "server_fixture.hpp"

#include "accord/testing/metric_value.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::server::test {

TestHandler::~TestHandler() {
  for (auto& t : threads_) t.join();
}

void TestHandler::handle(Request request, Respond respond) {
  const std::string target(request.http.target());
  std::lock_guard lock(mu_);
  peers_.push_back(request.peer);
  auto ok = [](std::string body) {
    HttpResponse res{http::status::ok, 11};
    res.body() = std::move(body);
    return res;
  };
  if (target == "/thread") {
    threads_.emplace_back([respond, ok] { respond(ok("from thread")); });
  } else if (target == "/hold") {
    held_.push_back(std::move(respond));
  } else if (target == "/twice") {
    respond(ok("first"));
    respond(ok("second"));
  } else if (target == "/drop") {
    // Respond goes out of scope unanswered.
  } else {
    respond(ok(std::string(role_name(request.peer.role)) + ":" + request.peer.id));
  }
}

std::vector<PeerIdentity> TestHandler::peers() const {
  std::lock_guard lock(mu_);
  return peers_;
}

std::size_t TestHandler::held() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

void TestHandler::release_held() {
  std::vector<Respond> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
  }
  for (auto& respond : held) {
    HttpResponse res{http::status::ok, 11};
    res.body() = "released";
    respond(std::move(res));
  }
}

void ServerTest::SetUp() {
  ASSERT_TRUE(pki().ok()) << pki().error();
}

void ServerTest::TearDown() {
  threads_.reset();
  server_.reset();
}

ServerOptions ServerTest::options() const {
  ServerOptions o;
  o.tls = {pki().ca(), pki().crl(), pki().server_cert(), pki().server_key()};
  o.handshake_timeout = std::chrono::milliseconds(2000);
  o.request_timeout = std::chrono::milliseconds(2000);
  o.idle_timeout = std::chrono::milliseconds(2000);
  return o;
}

void ServerTest::start(ServerOptions opts) {
  server_ = make_http_server(io_, std::move(opts), handler_, metrics_);
  Status st = server_->start();
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_NE(server_->port(), 0);
  threads_.emplace(io_, 2);
}

std::unique_ptr<client::HttpsClient> ServerTest::client(const std::string& name) {
  client::ClientOptions o;
  o.port = port();
  o.ca = pki().ca();
  if (!name.empty()) {
    o.cert = pki().cert(name);
    o.key = pki().key(name);
  }
  o.timeout = std::chrono::milliseconds(5000);
  auto c = client::HttpsClient::create(o);
  if (!c) ADD_FAILURE() << c.error().message;
  return c ? std::move(*c) : nullptr;
}

testing::ProbeOptions ServerTest::probe_options(const std::string& name) const {
  testing::ProbeOptions o;
  o.ca = pki().ca();
  if (!name.empty()) {
    o.cert = pki().cert(name);
    o.key = pki().key(name);
  }
  return o;
}

double ServerTest::metric(const std::string& family,
                          const std::map<std::string, std::string>& labels) {
  return testing::metric_value(metrics_.registry(), family, labels).value_or(0);
}

double ServerTest::await_metric(const std::string& family,
                                const std::map<std::string, std::string>& labels, double want) {
  testing::wait_until([&] { return metric(family, labels) >= want; });
  return metric(family, labels);
}

}  // namespace accord::server::test
