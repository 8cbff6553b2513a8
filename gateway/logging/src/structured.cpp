#include "accord/logging/structured.hpp"

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "accord/logging/json_formatter.hpp"
#include "current_fields.hpp"

namespace accord::logging {
namespace {

std::atomic<LogFormat> g_format{LogFormat::text};

// Written bare only when it cannot be misread: no space, quote, '=', control character or
// non-ASCII byte, and not empty.
bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

std::mutex& access_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

void set_format(LogFormat format) {
  g_format = format;
  auto logger = spdlog::default_logger();
  if (format == LogFormat::json) logger->set_formatter(std::make_unique<JsonFormatter>());
  std::lock_guard lock(access_mutex());
  if (auto access = spdlog::get("access"); access && format == LogFormat::json) {
    access->set_formatter(std::make_unique<JsonFormatter>());
  }
}

LogFormat format() {
  return g_format;
}

std::string text_fields(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& field : fields) {
    out += ' ';
    out += field.name;
    out += '=';
    if (const auto* text = std::get_if<std::string>(&field.value)) {
      out += needs_quotes(*text) ? nlohmann::json(*text).dump(
                                       -1, ' ', false, nlohmann::json::error_handler_t::replace)
                                 : *text;
    } else {
      out += std::to_string(std::get<std::int64_t>(field.value));
    }
  }
  return out;
}

void log_fields(spdlog::level::level_enum level, std::string_view message,
                const std::vector<Field>& fields, spdlog::logger* logger) {
  if (logger == nullptr) logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (g_format == LogFormat::text) {
    logger->log(level, "{}{}", message, text_fields(fields));
    return;
  }
  // Read by JsonFormatter while the (synchronous) sinks format this line.
  detail::current_fields() = &fields;
  logger->log(level, "{}", message);
  detail::current_fields() = nullptr;
}

spdlog::logger& access_logger() {
  std::lock_guard lock(access_mutex());
  if (auto existing = spdlog::get("access")) return *existing;
  const auto& sinks = spdlog::default_logger()->sinks();
  auto logger = std::make_shared<spdlog::logger>("access", sinks.begin(), sinks.end());
  // Its own level: an operator who asked for the access log gets it at log.level warn too.
  logger->set_level(spdlog::level::info);
  // The sinks already carry the format set_format gave them; setting a JsonFormatter again
  // keeps a text logger's pattern (which names the logger) out of JSON lines.
  if (g_format == LogFormat::json) logger->set_formatter(std::make_unique<JsonFormatter>());
  spdlog::register_logger(logger);
  return *spdlog::get("access");
}

}  // namespace accord::logging
