// What the listeners call when they refuse a certificate (server::ServerOptions::
// on_certificate_refused): an audit record (certificate.refused) per refusal, at most
// kRefusalsPerSecond a second. Anyone can open TLS connections, and a flood of bad
// certificates must not become a flood of durable writes: the excess is counted and the count
// recorded with the next refusal that is let through (suppressed_before).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/server/peer.hpp"

namespace accord::app {

inline constexpr int kRefusalsPerSecond = 20;

using RefusalRecorder = std::function<void(std::string_view reason, const std::string& remote,
                                           const server::PresentedCertificate& presented)>;

// One budget shared by every listener given the result. `record` must not block.
RefusalRecorder certificate_refusal_recorder(std::function<std::int64_t()> clock,
                                             std::function<void(std::vector<audit::Event>)> record);

}  // namespace accord::app
