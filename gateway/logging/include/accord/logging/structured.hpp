// Log lines with structured members, in the configured format (log.format): in JSON they are
// members of the line's object after "message"; in text they follow the message as
// ` name=value` (a value with a space, a quote, '=' or a control character, or an empty one,
// is written as a JSON string). And the "access" logger: the access log's lines go through
// it, into the same sinks as the gateway's log, whatever log.level says.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace accord::logging {

enum class LogFormat { text, json };

struct Field {
  std::string name;  // never time, level or message (those are the line's own)
  std::variant<std::string, std::int64_t> value;
};

// Sets the format of every sink of the default logger (and so of the access logger, which
// shares them). Before this call lines are text. Call once at start, before other threads log.
void set_format(LogFormat format);
LogFormat format();

// Logs `message` with `fields` to `logger` (the default logger when null) at `level`.
void log_fields(spdlog::level::level_enum level, std::string_view message,
                const std::vector<Field>& fields, spdlog::logger* logger = nullptr);

// The access log's logger: the default logger's sinks, level info whatever log.level says.
// Made on first use; call set_format first.
spdlog::logger& access_logger();

// The text form of `fields` (" a=1 b=\"x y\""); what text lines append to the message.
std::string text_fields(const std::vector<Field>& fields);

}  // namespace accord::logging
