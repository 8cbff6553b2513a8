// A real HttpServer on 127.0.0.1:0 with the dev PKI, run on two io threads, plus a
// TestHandler whose behaviour is chosen by the request target:
//   /echo (any other)  200 "<role>:<id>" at once
//   /thread            200 "from thread", answered from another thread
//   /hold              parked until release_held() (drain and in-flight tests)
//   /twice             answers twice (the second must be dropped)
//   /drop              never answers and lets Respond go (the server must answer 500)
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accord/client/https_client.hpp"
#include "accord/server/http_server.hpp"
#include "accord/testing/dev_pki.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/tls_probe.hpp"

namespace accord::server::test {

class TestHandler : public RequestHandler {
 public:
  ~TestHandler() override;
  void handle(Request request, Respond respond) override;

  std::vector<PeerIdentity> peers() const;
  std::size_t held() const;
  void release_held();  // answers every parked request, from this thread

 private:
  mutable std::mutex mu_;
  std::vector<PeerIdentity> peers_;
  std::vector<Respond> held_;
  std::vector<std::thread> threads_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  static const testing::DevPki& pki() { return testing::dev_pki(); }
  // Options with the dev PKI and short deadlines; tests shorten what they exercise.
  ServerOptions options() const;
  void start(ServerOptions opts);
  void start() { start(options()); }
  std::uint16_t port() const { return server_->port(); }

  // accord_client as `name` ("agency-police.met", "admin", ...); empty = no certificate.
  std::unique_ptr<client::HttpsClient> client(const std::string& name);
  testing::ProbeOptions probe_options(const std::string& name) const;

  double metric(const std::string& family, const std::map<std::string, std::string>& labels = {});
  // Waits (bounded) until the metric reaches `want`; returns the last value seen.
  double await_metric(const std::string& family, const std::map<std::string, std::string>& labels,
                      double want);

  // Destruction order matters: threads stop first, then the server and handler, then the
  // io_context destroys what is left of the connections, which report to metrics_.
  Metrics metrics_;
  boost::asio::io_context io_;
  TestHandler handler_;
  std::unique_ptr<HttpServer> server_;
  std::optional<testing::IoThreads> threads_;
};

}  // namespace accord::server::test
