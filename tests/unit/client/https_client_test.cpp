// accord_client against a real TLS server (tls_server.py) over loopback, with certificates
// made by certs/gen-dev-pki.sh.
#include "accord/client/https_client.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace accord::client {
namespace {

using boost::beast::http::verb;
using nlohmann::json;
using testing::PythonTlsServer;
using testing::TempDir;

class HttpsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir();
    ASSERT_TRUE(testing::make_dev_pki(pki_->path(), {"police.met"}));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static std::string file(const std::string& name) { return pki_->path() + "/" + name; }

  static std::vector<std::string> server_args(const std::string& client_cert = "required") {
    return {"--cert", file("server.pem"), "--key",         file("server.key"),
            "--ca",   file("ca.pem"),     "--client-cert", client_cert};
  }

  static ClientOptions agency_options(unsigned short port) {
    ClientOptions o;
    o.port = port;
    o.ca = file("ca.pem");
    o.cert = file("agency-police.met.pem");
    o.key = file("agency-police.met.key");
    o.timeout = std::chrono::milliseconds(10'000);
    return o;
  }

  static std::unique_ptr<HttpsClient> make(const ClientOptions& o) {
    auto c = HttpsClient::create(o);
    EXPECT_TRUE(c.ok()) << c.error().code << ": " << c.error().message;
    return c.ok() ? std::move(c.value()) : nullptr;
  }

  static TempDir* pki_;
};

TempDir* HttpsClientTest::pki_ = nullptr;

struct RoundTripRow {
  verb method;
  std::string target;
  std::string body;
  unsigned status;
};

TEST_F(HttpsClientTest, RoundTripsOnOneKeptAliveConnection) {
  PythonTlsServer server(server_args());
  ASSERT_TRUE(server.running());
  auto client = make(agency_options(server.port()));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->connect().ok());

  const std::vector<RoundTripRow> rows = {
      {verb::get, "/echo", "", 200},
      {verb::post, "/echo", R"({"id":"m-1","type":"victim.contact_updated"})", 200},
      {verb::post, "/echo", "", 200},
      {verb::get, "/missing", "", 404},
      {verb::post, "/missing", "{}", 404},
  };
  std::set<int> connections;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.target + " " + row.body);
    auto r = client->request(row.method, row.target, row.body);
    ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    EXPECT_EQ(r->status, row.status);
    EXPECT_EQ(r->headers["content-type"], "application/json");
    const json answer = json::parse(r->body);
    if (row.status != 200) {
      EXPECT_EQ(answer["error"]["code"], "not_found");
      continue;
    }
    EXPECT_EQ(answer["method"], std::string(boost::beast::http::to_string(row.method)));
    EXPECT_EQ(answer["path"], row.target);
    EXPECT_EQ(answer["body"], row.body);
    EXPECT_EQ(answer["peer"], "urn:accord:agency:police.met");
    connections.insert(answer["conn"].get<int>());
  }
  EXPECT_EQ(connections.size(), 1u) << "keep-alive should reuse the connection";
}

// One row per way of setting up a connection: what the client is given, what the server
// demands, and the outcome ("ok" or an error code; several codes separated by '|').
struct SetupRow {
  std::string name;
  std::string server_mode;  // required | optional | none (no server: a bound, closed port)
  std::function<void(ClientOptions&)> change;
  std::string want;
  std::string message_fragment;
};

TEST_F(HttpsClientTest, ConnectionSetupTable) {
  const auto f = [](const std::string& n) { return file(n); };
  const std::vector<SetupRow> rows = {
      {"agency cert", "required", [](ClientOptions&) {}, "ok", ""},
      {"IP literal as server name", "required",
       [](ClientOptions& o) { o.server_name = "127.0.0.1"; }, "ok", ""},
      {"no cert, server optional", "optional",
       [](ClientOptions& o) { o.cert.clear(), o.key.clear(); }, "ok", ""},
      {"no cert, server requires one", "required",
       [](ClientOptions& o) { o.cert.clear(), o.key.clear(); }, "handshake_failed|io", ""},
      {"TLS 1.2 only", "required", [](ClientOptions& o) { o.max_tls_version = TLS1_2_VERSION; },
       "ok", ""},
      {"no cert, TLS 1.2, server requires one", "required",
       [](ClientOptions& o) {
         o.cert.clear(), o.key.clear();
         o.max_tls_version = TLS1_2_VERSION;
       },
       "handshake_failed", "handshake"},
      {"no TLS version left", "required",
       [](ClientOptions& o) {
         o.min_tls_version = TLS1_3_VERSION;
         o.max_tls_version = TLS1_2_VERSION;
       },
       "handshake_failed", "no protocols available"},
      {"rogue cert", "required",
       [f](ClientOptions& o) { o.cert = f("rogue.pem"), o.key = f("rogue.key"); },
       "handshake_failed|io", ""},
      {"wrong CA for the server", "required", [f](ClientOptions& o) { o.ca = f("rogue-ca.pem"); },
       "handshake_failed", "certificate verify failed"},
      {"server name not in the certificate", "required",
       [](ClientOptions& o) { o.server_name = "gateway.example.org"; }, "handshake_failed",
       "certificate verify failed"},
      {"closed port", "none", [](ClientOptions&) {}, "connect_failed", "cannot connect"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    std::unique_ptr<PythonTlsServer> server;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket bound(io);
    unsigned short port = 0;
    if (row.server_mode == "none") {
      // Bound but not listening: connecting is refused, and no one else can take the port.
      bound.open(boost::asio::ip::tcp::v4());
      bound.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
      port = bound.local_endpoint().port();
    } else {
      server = std::make_unique<PythonTlsServer>(server_args(row.server_mode));
      ASSERT_TRUE(server->running());
      port = server->port();
    }
    ClientOptions o = agency_options(port);
    row.change(o);
    auto client = make(o);
    ASSERT_NE(client, nullptr);
    auto r = client->request(verb::get, "/echo");
    if (row.want == "ok") {
      ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
      EXPECT_EQ(r->status, 200u);
      continue;
    }
    ASSERT_FALSE(r.ok()) << "status " << r->status << " body " << r->body;
    EXPECT_NE(("|" + row.want + "|").find("|" + r.error().code + "|"), std::string::npos)
        << r.error().code << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(row.message_fragment), std::string::npos) << r.error().message;
  }
}

TEST_F(HttpsClientTest, CreateRefusesUnusableFiles) {
  struct Row {
    std::string name;
    std::function<void(ClientOptions&)> change;
    std::string fragment;
  };
  const auto f = [](const std::string& n) { return file(n); };
  const std::vector<Row> rows = {
      {"missing CA", [f](ClientOptions& o) { o.ca = f("nope.pem"); }, "CA file"},
      {"missing cert", [f](ClientOptions& o) { o.cert = f("nope.pem"); }, "client certificate"},
      {"missing key", [f](ClientOptions& o) { o.key = f("nope.key"); }, "client key"},
      {"key of another cert", [f](ClientOptions& o) { o.key = f("rogue.key"); }, "mismatch"},
      {"cert without key", [](ClientOptions& o) { o.key.clear(); }, "both cert and key"},
      {"CA is not PEM", [f](ClientOptions& o) { o.ca = f("ca-db/index.txt"); }, "CA file"},
      {"no port", [](ClientOptions& o) { o.port = 0; }, "port"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    ClientOptions o = agency_options(4433);
    row.change(o);
    auto c = HttpsClient::create(o);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, "invalid_options");
    EXPECT_NE(c.error().message.find(row.fragment), std::string::npos) << c.error().message;
  }
  // Control: the unchanged options are accepted.
  EXPECT_TRUE(HttpsClient::create(agency_options(4433)).ok());
}

TEST_F(HttpsClientTest, TimesOutWhenTheServerNeverAnswers) {
  PythonTlsServer server(server_args());
  ASSERT_TRUE(server.running());
  ClientOptions o = agency_options(server.port());
  o.timeout = std::chrono::milliseconds(300);
  auto client = make(o);
  ASSERT_NE(client, nullptr);
  auto r = client->request(verb::get, "/hang");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "timeout") << r.error().message;
  // The client is usable again afterwards, on a new connection.
  auto again = client->request(verb::get, "/echo");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, 200u);
}

TEST_F(HttpsClientTest, TimesOutWhenTheTlsHandshakeStalls) {
  // Listening, so the kernel completes TCP connects, but nobody ever speaks TLS.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  ClientOptions o = agency_options(acceptor.local_endpoint().port());
  o.timeout = std::chrono::milliseconds(300);
  auto client = make(o);
  ASSERT_NE(client, nullptr);
  Status s = client->connect();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "timeout") << s.error().message;
}

TEST_F(HttpsClientTest, ReconnectsOnceWhenTheServerClosedAnIdleConnection) {
  PythonTlsServer server(server_args());
  ASSERT_TRUE(server.running());
  auto client = make(agency_options(server.port()));
  ASSERT_NE(client, nullptr);

  auto first = client->request(verb::get, "/close");  // answers keep-alive, then hangs up
  ASSERT_TRUE(first.ok()) << first.error().message;
  const int first_conn = json::parse(first->body)["conn"].get<int>();
  ASSERT_TRUE(server.wait_for_line("closed " + std::to_string(first_conn)));

  auto second = client->request(verb::post, "/echo", "{}");
  ASSERT_TRUE(second.ok()) << second.error().code << ": " << second.error().message;
  EXPECT_EQ(second->status, 200u);
  EXPECT_NE(json::parse(second->body)["conn"].get<int>(), first_conn);
}

TEST_F(HttpsClientTest, NeverResendsARequestTheServerMayHaveReceived) {
  PythonTlsServer server(server_args());
  ASSERT_TRUE(server.running());
  auto client = make(agency_options(server.port()));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->request(verb::get, "/echo").ok());  // a kept-alive connection to reuse

  auto dropped = client->request(verb::post, "/drop", R"({"id":"m-1"})");  // read, then hang up
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.error().code, "io") << dropped.error().message;

  auto count = client->request(verb::get, "/count");
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(json::parse(count->body)["drop"], 1) << "the request was sent more than once";
}

}  // namespace
}  // namespace accord::client
