// RFC 3339 UTC timestamps with milliseconds, the one form the gateway prints and signs
// (e.g. 2026-11-22T09:30:00.123Z).
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace accord {

inline std::string format_time_ms(std::int64_t unix_ms) {
  // Floor, not truncation: a time before 1970 (an envelope's occurred_at may be one) keeps
  // its milliseconds in 000..999.
  const std::int64_t floor_seconds = unix_ms / 1000 - (unix_ms % 1000 < 0 ? 1 : 0);
  const std::time_t seconds = static_cast<std::time_t>(floor_seconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms - floor_seconds * 1000));
  return buffer;
}

}  // namespace accord
