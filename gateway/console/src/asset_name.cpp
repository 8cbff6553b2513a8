#include "accord/console/asset_name.hpp"

#include <algorithm>

namespace accord::console {
namespace {

bool in_alphabet(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '/';
}

Error unknown(std::string_view rest) {
  return make_error("not_found", "no such console file: " + std::string(rest), "target");
}

}  // namespace

Result<std::string> asset_name(std::string_view rest) {
  if (rest.empty()) return std::string("index.html");
  for (const char c : rest) {
    if (!in_alphabet(c)) {
      // Not echoed: the byte may be NUL or a control character.
      return make_error("invalid_request",
                        "a console file name is letters, digits, '.', '_', '-' and '/' only (no "
                        "percent-escapes, backslashes or control bytes)",
                        "target");
    }
  }
  std::size_t start = 0;
  while (start <= rest.size()) {
    const std::size_t end = std::min(rest.find('/', start), rest.size());
    const std::string_view segment = rest.substr(start, end - start);
    if (segment.empty() || segment.front() == '.') return unknown(rest);
    start = end + 1;
  }
  return std::string(rest);
}

}  // namespace accord::console
