// The flow counters behind GET /v1/admin/flows and accord_flow_copies_total /
// accord_flow_refusals_total: per (sender, recipient, agreement), the copies stored and the
// recipients refused since the gateway started, as the pipeline tells them once each
// submission is durable (pipeline::DecisionObserver). Thread-safe: the spool's thread adds,
// the admin pool and /metrics read.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "accord/api/admin_handler.hpp"
#include "accord/pipeline/pipeline.hpp"

namespace accord::app {

class FlowCounters {
 public:
  void add(const std::string& sender, const std::vector<pipeline::DecidedFlow>& flows);
  // Every (sender, recipient, agreement) counted so far, in that order.
  std::vector<api::FlowCount> snapshot() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // sender, recipient, agreement
  mutable std::mutex mu_;
  std::map<Key, std::pair<std::int64_t, std::int64_t>> counts_;  // shared, refused; guarded
};

}  // namespace accord::app
