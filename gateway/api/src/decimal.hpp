// The one reader of decimal counts and ids in query strings, paths and JSON strings.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace accord::api {

// A non-negative decimal integer of at most `max_digits` digits; the whole text must be
// digits (no sign, no spaces). 19 digits reach INT64_MAX (from_chars refuses overflow);
// callers that multiply the value (lease_seconds * 1000) take fewer.
inline std::optional<std::int64_t> parse_count(std::string_view text, std::size_t max_digits) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Delivery ids and audit seqs as the JSON integer form allows: up to INT64_MAX.
inline constexpr std::size_t kIdDigits = 19;
// Counts and durations in query strings: small enough that seconds * 1000 cannot overflow.
inline constexpr std::size_t kQueryCountDigits = 15;

}  // namespace accord::api
