// One CSV field (RFC 4180): a field with a comma, quote or line break is quoted, quotes doubled.
#pragma once

#include <string>

namespace accord {

inline std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace accord
