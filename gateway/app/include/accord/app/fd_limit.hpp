// The gateway's file descriptors against RLIMIT_NOFILE, checked at start: with the soft limit
// below what the connection caps allow, accept() fails with EMFILE under load, which no cap
// inside the process can repair. So the soft limit is raised to what the configuration needs
// (never above the hard limit), and when even the hard limit is too low the gateway refuses
// to start and says which numbers to change.
#pragma once

#include <cstdint>

#include "accord/app/config.hpp"
#include "accord/core/result.hpp"

namespace accord::app {

// Descriptors beyond the connections: the spool (database, WAL, shared memory), logs, the io
// threads' epoll and timers, adapters and ZeroMQ sockets, with room to spare.
inline constexpr std::uint64_t kReservedDescriptors = 256;

// max_connections for each listener (agency, and admin when enabled) + kReservedDescriptors.
std::uint64_t descriptors_needed(const GatewayConfig& config);

// Pure: the soft limit to run with, given what is needed and the current soft and hard
// limits (RLIM_INFINITY as the largest value). The current soft limit when it is enough;
// else `needed` when the hard limit allows it. Errors: fd_limit, naming the numbers.
Result<std::uint64_t> plan_descriptor_limit(std::uint64_t needed, std::uint64_t soft,
                                            std::uint64_t hard);

// Reads RLIMIT_NOFILE, raises the soft limit as plan_descriptor_limit() says and logs it when
// it did (a warning: the configured limit was too low). Errors: fd_limit (as above, or the OS
// refused to raise it).
Status ensure_descriptor_limit(const GatewayConfig& config);

}  // namespace accord::app
