// An immutable, indexed set of agreements: the unit the gateway loads, validates and swaps
// atomically (hold it in a shared_ptr<const AgreementSet>; readers need no lock).
//
// The index is keyed by (provider, recipient, event type) and (provider, event type), so the
// cost of a decision depends on the flows for that route, not on how many agreements exist.
// Every agreement is indexed whatever its status, so a decision can say "suspended" rather
// than "no agreement".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "accord/agreements/agreement.hpp"

namespace accord::agreements {

class AgreementSet {
 public:
  struct Candidate {
    std::uint32_t agreement;
    std::uint32_t flow;
  };
  // A flow's field rules compiled for lookup: exact paths and wildcard prefixes.
  struct FlowIndex {
    std::unordered_map<std::string, const FieldRule*> exact;
    std::unordered_map<std::string, const FieldRule*> wildcard;  // key: prefix ("" = data.*)
    const FieldRule* resolve(std::string_view path) const;       // nullptr when not named
  };
  struct Route {
    std::string recipient;
    Candidate candidate;
  };

  AgreementSet() = default;
  // Takes the agreements as loaded (normally validated first). Candidates for one route are
  // ordered by agreement id, then version (highest first), then flow order.
  explicit AgreementSet(std::vector<Agreement> agreements);

  // Pointers into the set (Decision::agreement, FieldDecision::rule) stay valid while the set
  // lives, and across a move; copying would break them.
  AgreementSet(const AgreementSet&) = delete;
  AgreementSet& operator=(const AgreementSet&) = delete;
  AgreementSet(AgreementSet&&) = default;
  AgreementSet& operator=(AgreementSet&&) = default;

  const std::vector<Agreement>& agreements() const { return agreements_; }
  const std::vector<Candidate>* candidates(std::string_view provider, std::string_view recipient,
                                           std::string_view event) const;
  const std::vector<Route>* routes(std::string_view provider, std::string_view event) const;
  const FlowIndex& flow_index(Candidate c) const { return flow_indexes_[c.agreement][c.flow]; }

 private:
  std::vector<Agreement> agreements_;
  std::vector<std::vector<FlowIndex>> flow_indexes_;
  std::unordered_map<std::string, std::vector<Candidate>> by_route_;
  std::unordered_map<std::string, std::vector<Route>> by_sender_event_;
};

}  // namespace accord::agreements
