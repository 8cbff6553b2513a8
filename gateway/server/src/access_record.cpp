#include <string>
#include <string_view>

#include "accord/server/http_server.hpp"

namespace accord::server {

std::string loggable_path(std::string_view target) {
  constexpr std::size_t kMaxPath = 512;  // a log line stays a line, whatever the client sent
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty()) return "-";
  if (target.size() > kMaxPath) return std::string(target.substr(0, kMaxPath)) + "...";
  return std::string(target);
}

}  // namespace accord::server
