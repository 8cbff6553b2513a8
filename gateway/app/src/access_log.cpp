#include "access_log.hpp"

#include <cstdint>
#include <vector>

#include "accord/logging/structured.hpp"

namespace accord::app {

std::function<void(const server::AccessRecord&)> access_log(std::string listener) {
  return [listener = std::move(listener)](const server::AccessRecord& record) {
    const std::vector<logging::Field> fields = {
        {"listener", listener},
        {"peer", record.peer},
        {"method", record.method},
        {"path", record.path},
        {"status", static_cast<std::int64_t>(record.status)},
        {"bytes", static_cast<std::int64_t>(record.bytes)},
        {"duration_ms", record.duration_ms}};
    logging::log_fields(spdlog::level::info, "access", fields, &logging::access_logger());
  };
}

}  // namespace accord::app
