// A real HTTPS receiver for the webhook tests: Beast over TLS on 127.0.0.1, port 0, that
// requires a client certificate signed by the dev CA and answers each request the way its
// Mode says. Records every request it read and the DER of the client's certificate.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "accord/testing/io_threads.hpp"

namespace accord::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  std::string body;
  std::string client_cert_der;
};

class Receiver {
 public:
  enum class Mode {
    answer,                // a complete response with `status`, then closes
    keep_alive,            // the same, keeps the connection open and serves the next request
    close_after_answer,    // answers "keep-alive" but closes (an idle timeout that struck)
    hang,                  // reads the request, never answers
    close_mid_response,    // a 200 status line and half the promised body, then closes
    close_without_answer,  // reads the request and closes
    garbage,               // answers with bytes that are not HTTP
  };
  Receiver(Mode mode, unsigned status = 200);
  ~Receiver();

  std::uint16_t port() const { return port_; }
  std::vector<ReceivedRequest> requests() const;
  int handshakes() const;

 private:
  void accept();
  void serve(boost::asio::ip::tcp::socket socket);
  void read_next(std::shared_ptr<struct Session> session, std::string client_cert_der);

  Mode mode_;
  unsigned status_;
  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  int handshakes_ = 0;
  IoThreads threads_;
};

}  // namespace accord::testing
