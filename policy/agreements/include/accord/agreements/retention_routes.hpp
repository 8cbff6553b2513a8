// How long the gateway may hold a copy (docs/compliance.md §9): per route (provider,
// recipient, event type), the retention periods the recipient agreed to in the agreements in
// force (enforce mode) that route it, counted from the gateway's receipt; a copy is past
// retention once the FIRST of them has run out (the shortest). The gateway sees only its own
// receipt; every other trigger starts later, so receipt is the safe bound. Pure: `now_ms` is
// an argument.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/agreements/retention.hpp"

namespace accord::agreements {

struct RoutePeriod {
  std::string period;     // as written ("P1Y")
  IsoDuration duration;   // parsed
  std::string agreement;  // "id@version" it comes from
};

// The periods of every route the agreements in force at `now_ms` cover, keyed by (provider,
// recipient, event type). Per agreement, the recipient's shortest entry (with several); one
// period per agreement covering the route, in agreement id order.
class RetentionTable {
 public:
  RetentionTable(const std::vector<Agreement>& agreements, std::int64_t now_ms);

  // The route's periods; nullptr when no agreement in force covers it.
  const std::vector<RoutePeriod>* periods(const std::string& provider, const std::string& recipient,
                                          const std::string& event_type) const;
  // Whether a copy of the route received at `received_ms` is past retention at `now_ms`: one
  // of the route's periods has run out (past_retention); a route no agreement covers is
  // judged by `default_period`.
  bool past(const std::string& provider, const std::string& recipient,
            const std::string& event_type, std::int64_t received_ms, std::int64_t now_ms,
            const IsoDuration& default_period) const;

  std::size_t size() const { return routes_.size(); }

 private:
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<RoutePeriod>> routes_;
};

}  // namespace accord::agreements
