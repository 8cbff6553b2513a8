// Instants for agreement validity and review dates. Pure: parsing and formatting only; the
// current time is always passed in by the caller (policy/ never reads a clock).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace accord::agreements {

// Whole seconds since the Unix epoch, UTC.
using Instant = std::chrono::sys_seconds;

// Accepts "YYYY-MM-DD" (midnight UTC) or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"
// (fractional seconds are truncated). Returns nullopt for anything else, including impossible
// dates such as 2025-02-30.
std::optional<Instant> parse_instant(std::string_view text);

// "2025-04-01T00:00:00Z".
std::string format_instant(Instant instant);

// "2025-04-01" (UTC date of the instant).
std::string format_date(Instant instant);

}  // namespace accord::agreements
