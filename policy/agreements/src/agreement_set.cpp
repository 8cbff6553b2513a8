#include "accord/agreements/agreement_set.hpp"

#include <algorithm>
#include <numeric>

namespace accord::agreements {
namespace {

std::string route_key(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string k;
  k.reserve(a.size() + b.size() + c.size() + 2);
  k.append(a).push_back('\x1f');
  k.append(b).push_back('\x1f');
  k.append(c);
  return k;
}

}  // namespace

const FieldRule* AgreementSet::FlowIndex::resolve(std::string_view path) const {
  // Exact beats wildcard; among wildcards the longest prefix wins. Walk the path's own
  // prefixes from longest to shortest: cost is the depth of the path, not the rule count.
  std::string key(path);
  if (const auto it = exact.find(key); it != exact.end()) return it->second;
  if (wildcard.empty()) return nullptr;
  while (true) {
    const auto dot = key.rfind('.');
    if (dot == std::string::npos) break;
    key.resize(dot);
    if (const auto it = wildcard.find(key); it != wildcard.end()) return it->second;
  }
  const auto all = wildcard.find(std::string());
  return all == wildcard.end() ? nullptr : all->second;
}

AgreementSet::AgreementSet(std::vector<Agreement> agreements) : agreements_(std::move(agreements)) {
  std::vector<std::uint32_t> order(agreements_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    const Agreement& a = agreements_[x];
    const Agreement& b = agreements_[y];
    if (a.id != b.id) return a.id < b.id;
    return a.version > b.version;
  });
  flow_indexes_.resize(agreements_.size());
  for (std::uint32_t ai : order) {
    const Agreement& a = agreements_[ai];
    auto& indexes = flow_indexes_[ai];
    indexes.resize(a.flows.size());
    for (std::uint32_t fi = 0; fi < a.flows.size(); ++fi) {
      const Flow& f = a.flows[fi];
      for (const FieldRule& r : f.fields) {
        // A file with a duplicate pattern does not validate; first one wins if it gets here.
        (r.wildcard ? indexes[fi].wildcard : indexes[fi].exact).emplace(r.prefix, &r);
      }
      const std::vector<std::string>& to = f.to.empty() ? a.recipients : f.to;
      for (const std::string& event : f.events) {
        for (const std::string& recipient : to) {
          by_route_[route_key(a.provider, recipient, event)].push_back({ai, fi});
          by_sender_event_[route_key(a.provider, event)].push_back({recipient, {ai, fi}});
        }
      }
    }
  }
}

const std::vector<AgreementSet::Candidate>* AgreementSet::candidates(std::string_view provider,
                                                                     std::string_view recipient,
                                                                     std::string_view event) const {
  const auto it = by_route_.find(route_key(provider, recipient, event));
  return it == by_route_.end() ? nullptr : &it->second;
}

const std::vector<AgreementSet::Route>* AgreementSet::routes(std::string_view provider,
                                                             std::string_view event) const {
  const auto it = by_sender_event_.find(route_key(provider, event));
  return it == by_sender_event_.end() ? nullptr : &it->second;
}

}  // namespace accord::agreements
