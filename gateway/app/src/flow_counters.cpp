#include "flow_counters.hpp"

namespace accord::app {

void FlowCounters::add(const std::string& sender, const std::vector<pipeline::DecidedFlow>& flows) {
  std::lock_guard lock(mu_);
  for (const auto& f : flows) {
    auto& [shared, refused] = counts_[{sender, f.recipient, f.agreement}];
    ++(f.shared ? shared : refused);
  }
}

std::vector<api::FlowCount> FlowCounters::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<api::FlowCount> out;
  out.reserve(counts_.size());
  for (const auto& [key, n] : counts_) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), n.first, n.second});
  }
  return out;
}

}  // namespace accord::app
