#include "accord/pipeline/agreement_policy.hpp"

#include <cstdlib>

#include "accord/agreements/decision.hpp"
#include "accord/agreements/transform.hpp"

namespace accord::pipeline {

AgreementPolicy::AgreementPolicy(std::shared_ptr<const agreements::AgreementSet> set,
                                 std::vector<unsigned char> pseudonym_master)
    : set_(std::move(set)) {
  for (const auto& agreement : set_->agreements()) {
    for (const auto& recipient : agreement.recipients) {
      if (pseudonym_keys_.contains(recipient)) continue;
      auto key = agreements::derive_pseudonym_key(pseudonym_master, recipient);
      // The loader guarantees a master of the right size; a failure here is a bug.
      if (!key.ok()) std::abort();
      pseudonym_keys_.emplace(recipient, std::move(key.value()));
    }
  }
}

Plan AgreementPolicy::plan(const envelope::Envelope& envelope, const std::string& sender,
                           std::int64_t now_ms) const {
  const agreements::Instant now{std::chrono::seconds(now_ms / 1000)};
  Plan plan;
  for (const auto& recipient : agreements::recipients_for(envelope, sender, *set_, now)) {
    const auto decision = agreements::decide(envelope, sender, recipient, *set_, now);
    if (!decision.allowed) {
      std::string reasons;
      for (const auto& reason : decision.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
      plan.refusals.push_back({recipient, "not_permitted", std::move(reasons)});
      continue;
    }
    agreements::TransformKeys keys;
    if (auto key = pseudonym_keys_.find(recipient); key != pseudonym_keys_.end()) {
      keys.pseudonym_key = key->second;
    }
    auto transformed = agreements::transform(envelope, decision, keys);
    if (!transformed.ok()) {
      // Fail closed: e.g. encryption_unavailable means the copy would leave in clear.
      plan.refusals.push_back({recipient, transformed.error().code, transformed.error().message});
      continue;
    }
    plan.copies.push_back({recipient,
                           decision.agreement_id + "@" + std::to_string(decision.agreement_version),
                           std::move(transformed.value().copy)});
  }
  return plan;
}

}  // namespace accord::pipeline
