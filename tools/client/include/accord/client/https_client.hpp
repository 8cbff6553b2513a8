// A small synchronous HTTPS/1.1 client with client certificates (Boost.Beast + OpenSSL),
// used by the `accord` CLI, the integration tests and the load generator.
//
// One client holds one keep-alive connection and reconnects when the server closed it.
// Not thread-safe: use one client per thread. Never throws; failures are Error values:
//   invalid_options   a file could not be loaded (message names it)
//   connect_failed    TCP connect refused / unreachable
//   handshake_failed  TLS refused (message carries OpenSSL's reason)
//   timeout           no answer within `timeout`
//   io                the connection broke mid-request
#pragma once

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "accord/core/result.hpp"

namespace accord::client {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string server_name = "localhost";  // SNI and the name verified in the server cert
  std::string ca;                         // PEM CA file that signs the server certificate
  std::string cert;                       // PEM client certificate; empty = present none
  std::string key;                        // PEM client private key
  std::chrono::milliseconds timeout{30'000};
  int min_tls_version = 0;  // 0 = OpenSSL default; else e.g. TLS1_1_VERSION (for tests)
  int max_tls_version = 0;
  bool verify_server = true;  // false only in tests that say why
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class HttpsClient {
 public:
  static Result<std::unique_ptr<HttpsClient>> create(const ClientOptions& options);
  virtual ~HttpsClient() = default;

  // Connects and handshakes now (otherwise the first request does).
  virtual Status connect() = 0;
  virtual Result<HttpResult> request(boost::beast::http::verb method, const std::string& target,
                                     const std::string& body = {},
                                     const std::string& content_type = "application/json") = 0;
  virtual void close() = 0;
};

}  // namespace accord::client
