#include "accord/testing/plain_http.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <functional>

namespace accord::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

PlainAnswer plain_exchange(std::uint16_t port, const std::string& raw,
                           std::chrono::milliseconds limit) {
  PlainAnswer answer;
  net::io_context io;
  beast::tcp_stream stream(io);
  std::string received;
  stream.expires_after(limit);
  const net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  std::array<char, 4096> chunk{};
  std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec,
                                                                    std::size_t n) {
    received.append(chunk.data(), n);
    if (ec) {
      if (ec != net::error::eof && ec != net::error::connection_reset) {
        answer.error = "read: " + ec.message();
      }
      return;
    }
    stream.async_read_some(net::buffer(chunk), on_read);
  };
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      answer.error = "connect: " + ec.message();
      return;
    }
    net::async_write(stream, net::buffer(raw), [&](beast::error_code wec, std::size_t) {
      // A server that closes before reading everything may reset the write; read anyway.
      (void)wec;
      stream.async_read_some(net::buffer(chunk), on_read);
    });
  });
  io.run();
  answer.bytes_read = received.size();
  if (!answer.error.empty()) return answer;
  if (received.empty()) {
    answer.error = "closed without an answer";
    return answer;
  }
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  beast::error_code ec;
  parser.put(net::buffer(received), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) {
    answer.error = "unparsable answer: " + (ec ? ec.message() : std::string("incomplete"));
    return answer;
  }
  const auto& response = parser.get();
  answer.status = response.result_int();
  for (const auto& field : response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    answer.headers[name] = std::string(field.value());
  }
  answer.body = response.body();
  answer.ok = true;
  return answer;
}

PlainAnswer plain_request(std::uint16_t port, const std::string& method, const std::string& target,
                          std::chrono::milliseconds limit) {
  return plain_exchange(
      port, method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
      limit);
}

}  // namespace accord::testing
