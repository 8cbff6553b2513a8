// A plain-HTTP (no TLS) client for the health listener: sends the exact bytes given (so a
// test can send a bad method, a huge header or half a request) and reads until the server
// closes. Every call has a deadline, a hang guard rather than a timing assertion.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace accord::testing {

struct PlainAnswer {
  bool ok = false;    // a whole response was read
  std::string error;  // why not, otherwise
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::size_t bytes_read = 0;  // everything the server sent before closing
};

// Connects to 127.0.0.1:`port`, writes `raw`, reads until the server closes or `limit` passes.
PlainAnswer plain_exchange(std::uint16_t port, const std::string& raw,
                           std::chrono::milliseconds limit = std::chrono::seconds(20));

// "METHOD target HTTP/1.1" with a Host header and Connection: close.
PlainAnswer plain_request(std::uint16_t port, const std::string& method, const std::string& target,
                          std::chrono::milliseconds limit = std::chrono::seconds(20));

}  // namespace accord::testing
