// A raw TLS client over loopback for the cases a well-behaved client cannot express: an
// old protocol version, no certificate, arbitrary bytes, a request trickled byte by byte,
// reading until the server closes. Synchronous API over a private io_context; every call
// has the probe's deadline, so a server bug makes a call fail, never hang.
//
// Errors: connect_failed, handshake_failed (message: OpenSSL's reason), timeout, io,
// closed (the server closed the connection: EOF, close_notify or truncation).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::testing {

struct ProbeOptions {
  std::string ca;    // verifies the server; empty = do not verify (say why in the test)
  std::string cert;  // client certificate; empty = present none
  std::string key;
  int min_version = 0;  // e.g. TLS1_1_VERSION; 0 = OpenSSL default
  int max_version = 0;
  int security_level = -1;  // -1 = default; 0 lets OpenSSL 3 send a TLS 1.0/1.1 hello
  std::chrono::milliseconds timeout{5000};  // per call
};

class TlsProbe {
 public:
  explicit TlsProbe(ProbeOptions options);
  ~TlsProbe();
  TlsProbe(const TlsProbe&) = delete;
  TlsProbe& operator=(const TlsProbe&) = delete;

  Status connect(std::uint16_t port);  // TCP to 127.0.0.1
  Status handshake();
  Status connect_and_handshake(std::uint16_t port);
  Status write(std::string_view bytes);
  // One HTTP response (the connection stays usable if the server keeps it alive).
  Result<boost::beast::http::response<boost::beast::http::string_body>> read_response();
  // Waits for the server to close; ok when it did within the deadline, else timeout.
  // Bytes that arrive meanwhile are discarded.
  Status wait_closed();

 private:
  // Runs the private io_context until `finished` or the deadline (then cancels the stream).
  bool run(const bool& finished);

  ProbeOptions options_;
  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace accord::testing
