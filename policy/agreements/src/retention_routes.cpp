#include "accord/agreements/retention_routes.hpp"

#include <algorithm>
#include <chrono>

namespace accord::agreements {

RetentionTable::RetentionTable(const std::vector<Agreement>& agreements, std::int64_t now_ms) {
  const Instant now{std::chrono::seconds(now_ms / 1000)};
  // In id order (then version, highest first), so a route's periods list does not depend on
  // file order.
  std::vector<const Agreement*> order;
  for (const auto& a : agreements) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](const Agreement* x, const Agreement* y) {
    return std::tie(x->id, y->version) < std::tie(y->id, x->version);
  });
  for (const Agreement* a : order) {
    if (!a->in_force(now) || a->mode != Mode::enforce) continue;
    const std::string label = a->id + "@" + std::to_string(a->version);
    for (const Flow& flow : a->flows) {
      const std::vector<std::string>& to = flow.to.empty() ? a->recipients : flow.to;
      for (const std::string& recipient : to) {
        // The recipient's shortest entry in this agreement: the one ending first from now.
        const Retention* shortest = nullptr;
        for (const Retention& r : a->retention) {
          if (r.agency != recipient) continue;
          if (shortest == nullptr ||
              add_duration_ms(now_ms, r.duration) < add_duration_ms(now_ms, shortest->duration)) {
            shortest = &r;
          }
        }
        if (shortest == nullptr) continue;
        for (const std::string& event : flow.events) {
          auto& periods = routes_[std::make_tuple(a->provider, recipient, event)];
          const bool listed = std::any_of(periods.begin(), periods.end(), [&](const auto& p) {
            return p.agreement == label && p.duration == shortest->duration;
          });
          if (!listed) periods.push_back({shortest->period, shortest->duration, label});
        }
      }
    }
  }
}

const std::vector<RoutePeriod>* RetentionTable::periods(const std::string& provider,
                                                        const std::string& recipient,
                                                        const std::string& event_type) const {
  const auto it = routes_.find(std::make_tuple(provider, recipient, event_type));
  return it == routes_.end() ? nullptr : &it->second;
}

bool RetentionTable::past(const std::string& provider, const std::string& recipient,
                          const std::string& event_type, std::int64_t received_ms,
                          std::int64_t now_ms, const IsoDuration& default_period) const {
  const auto* route = periods(provider, recipient, event_type);
  if (route == nullptr) return past_retention(received_ms, default_period, now_ms);
  return std::any_of(route->begin(), route->end(), [&](const RoutePeriod& p) {
    return past_retention(received_ms, p.duration, now_ms);
  });
}

}  // namespace accord::agreements
