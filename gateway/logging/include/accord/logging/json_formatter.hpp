// log.format json (docs/operations.md, "Logs"): one JSON object per line,
//   {"time":"2026-12-06T20:59:01.123Z","level":"info","message":"...", <members>}
// time in UTC with milliseconds; level one of trace, debug, info, warn, error, critical;
// every string escaped by nlohmann::json (quotes, control characters and newlines as JSON
// escapes, valid UTF-8 kept as is, each invalid byte replaced by U+FFFD), so a message can
// never break the line or the object. Members after `message` are the structured fields of
// the call (log_fields, structured.hpp).
#pragma once

#include <spdlog/formatter.h>

#include <memory>

namespace accord::logging {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace accord::logging
