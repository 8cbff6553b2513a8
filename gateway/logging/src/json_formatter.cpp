#include "accord/logging/json_formatter.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "current_fields.hpp"

namespace accord::logging {
namespace {

using nlohmann::json;

// The names log.level uses (spdlog says "warning"; the config says warn).
std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// "2026-12-06T20:59:01.123Z"
std::string utc_millis(spdlog::log_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  long millis = static_cast<long>(ms.count() % 1000);
  if (millis < 0) millis += 1000, --seconds;  // before 1970: still a valid time
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return text;
}

// A JSON string that cannot fail: invalid UTF-8 bytes become U+FFFD instead of throwing.
std::string json_string(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

bool reserved(std::string_view name) {
  return name == "time" || name == "level" || name == "message";
}

}  // namespace

void JsonFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  append(dest, "{\"time\":\"");
  append(dest, utc_millis(msg.time));
  append(dest, "\",\"level\":\"");
  append(dest, level_name(msg.level));
  append(dest, "\",\"message\":");
  append(dest, json_string(std::string_view(msg.payload.data(), msg.payload.size())));
  if (const auto* fields = detail::current_fields()) {
    for (const Field& field : *fields) {
      if (reserved(field.name)) continue;
      append(dest, ",");
      append(dest, json_string(field.name));
      append(dest, ":");
      if (const auto* text = std::get_if<std::string>(&field.value)) {
        append(dest, json_string(*text));
      } else {
        append(dest, std::to_string(std::get<std::int64_t>(field.value)));
      }
    }
  }
  append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const {
  return std::make_unique<JsonFormatter>();
}

}  // namespace accord::logging
