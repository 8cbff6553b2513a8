#include "certificate_refusals.hpp"

#include <memory>
#include <mutex>

namespace accord::app {

RefusalRecorder certificate_refusal_recorder(
    std::function<std::int64_t()> clock, std::function<void(std::vector<audit::Event>)> record) {
  struct Budget {
    std::mutex mu;
    std::int64_t second = 0;
    int used = 0;
    std::int64_t suppressed = 0;
  };
  auto budget = std::make_shared<Budget>();
  return [clock = std::move(clock), record = std::move(record), budget](
             std::string_view reason, const std::string& remote,
             const server::PresentedCertificate& presented) {
    audit::Event event;
    event.kind = audit::kind::kCertificateRefused;
    event.at_ms = clock();
    event.code = std::string(reason);
    event.details = {{"remote", remote}, {"subject", presented.subject}};
    // URIs contain no spaces (RFC 3986), so one space-separated string is unambiguous.
    std::string uris;
    for (const auto& uri : presented.san_uris) uris += (uris.empty() ? "" : " ") + uri;
    if (!uris.empty()) event.details.emplace_back("san_uris", uris);
    {
      std::lock_guard lock(budget->mu);
      if (budget->second != event.at_ms / 1000) {
        budget->second = event.at_ms / 1000;
        budget->used = 0;
      }
      if (++budget->used > kRefusalsPerSecond) {
        ++budget->suppressed;
        return;
      }
      if (budget->suppressed > 0) {
        event.details.emplace_back("suppressed_before", std::to_string(budget->suppressed));
        budget->suppressed = 0;
      }
    }
    record({std::move(event)});
  };
}

}  // namespace accord::app
