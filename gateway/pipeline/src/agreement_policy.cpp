#include "accord/pipeline/agreement_policy.hpp"

#include <cstdlib>

#include "accord/agreements/decision.hpp"
#include "accord/agreements/transform.hpp"
#include "accord/crypto/field_encryption.hpp"

namespace accord::pipeline {

AgreementPolicy::AgreementPolicy(std::shared_ptr<const agreements::AgreementSet> set,
                                 std::vector<unsigned char> pseudonym_master,
                                 std::shared_ptr<const crypto::KeyRegistry> keys)
    : set_(std::move(set)), keys_(std::move(keys)) {
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
    if (decision.requires_encryption) {
      // Decided here, before anything is stored: no key means no copy, never a clear one.
      const crypto::RecipientKey* key = keys_ ? keys_->current(recipient) : nullptr;
      if (!key) {
        plan.refusals.push_back(
            {recipient, "no_recipient_key",
             "the agreement requires fields encrypted for " + recipient +
                 ", which has no registered public key (accord keys gen; docs/operations.md)"});
        continue;
      }
      auto encryptor = crypto::make_field_encryptor(*key, {envelope.id, sender, recipient});
      if (!encryptor.ok()) {
        plan.refusals.push_back({recipient, encryptor.error().code, encryptor.error().message});
        continue;
      }
      keys.encrypt = std::move(encryptor.value());
    }
    auto transformed = agreements::transform(envelope, decision, keys);
    if (!transformed.ok()) {
      // Fail closed: e.g. encryption_unavailable means the copy would leave in clear.
      plan.refusals.push_back({recipient, transformed.error().code, transformed.error().message});
      continue;
    }
    std::vector<audit::FieldAction> fields;
    fields.reserve(decision.fields.size());
    for (const auto& field : decision.fields) {
      fields.push_back({field.path, std::string(agreements::to_string(field.action))});
    }
    plan.copies.push_back({recipient,
                           decision.agreement_id + "@" + std::to_string(decision.agreement_version),
                           std::move(transformed.value().copy), std::move(fields)});
  }
  return plan;
}

}  // namespace accord::pipeline
