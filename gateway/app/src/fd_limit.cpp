#include "accord/app/fd_limit.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace accord::app {

std::uint64_t descriptors_needed(const GatewayConfig& config) {
  const std::uint64_t listeners = config.admin_enabled ? 2 : 1;
  return listeners * config.server.max_connections + kReservedDescriptors;
}

Result<std::uint64_t> plan_descriptor_limit(std::uint64_t needed, std::uint64_t soft,
                                            std::uint64_t hard) {
  if (soft >= needed) return soft;
  if (hard >= needed) return needed;
  return make_error("fd_limit",
                    "limits.max_connections needs about " + std::to_string(needed) +
                        " file descriptors (" + std::to_string(kReservedDescriptors) +
                        " of them for the spool, logs and adapters) but RLIMIT_NOFILE allows " +
                        std::to_string(hard) +
                        " (hard limit); raise it (ulimit -n, LimitNOFILE= in a systemd unit) "
                        "or lower limits.max_connections",
                    "limits.max_connections");
}

Status ensure_descriptor_limit(const GatewayConfig& config) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return make_error("fd_limit",
                      std::string("cannot read RLIMIT_NOFILE: ") + std::strerror(errno));
  }
  const std::uint64_t needed = descriptors_needed(config);
  auto plan = plan_descriptor_limit(needed, limit.rlim_cur, limit.rlim_max);
  if (!plan.ok()) return plan.error();
  if (*plan == limit.rlim_cur) return Status::Ok();
  const auto before = limit.rlim_cur;
  limit.rlim_cur = static_cast<rlim_t>(*plan);
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return make_error("fd_limit", "cannot raise the RLIMIT_NOFILE soft limit from " +
                                      std::to_string(before) + " to " + std::to_string(*plan) +
                                      ": " + std::strerror(errno));
  }
  spdlog::warn("raised the open file limit (RLIMIT_NOFILE soft) from {} to {} for {} connections",
               before, *plan, config.server.max_connections);
  return Status::Ok();
}

}  // namespace accord::app
