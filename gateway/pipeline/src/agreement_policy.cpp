#include "accord/pipeline/agreement_policy.hpp"

#include <algorithm>
#include <cstdlib>

#include "accord/agreements/decision.hpp"
#include "accord/agreements/transform.hpp"

namespace accord::pipeline {

AgreementPolicy::AgreementPolicy(std::shared_ptr<const agreements::AgreementSet> set,
                                 std::vector<unsigned char> pseudonym_master,
                                 std::shared_ptr<const crypto::KeyRegistry> keys)
    : set_(std::move(set)),
      literals_(agreements::ConditionLiterals::of(*set_)),
      keys_(std::move(keys)) {
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

namespace {

std::string label(const agreements::Decision& d) {
  return d.agreement_id + "@" + std::to_string(d.agreement_version);
}

std::string joined_reasons(const agreements::Decision& d) {
  std::string reasons;
  for (const auto& reason : d.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
  return reasons;
}

std::vector<audit::FieldAction> field_actions(const agreements::Decision& d) {
  std::vector<audit::FieldAction> fields;
  fields.reserve(d.fields.size());
  for (const auto& field : d.fields) {
    fields.push_back({field.path, std::string(agreements::to_string(field.action))});
  }
  return fields;
}

// The shadow outcome of `decision` for `recipient`, against the copy actually planned (if any).
void add_shadow(Plan& plan, const std::string& recipient, const agreements::Decision& decision,
                std::size_t copies_before) {
  if (decision.shadow.empty()) return;
  const agreements::Decision& s = decision.shadow.front();
  ShadowOutcome out;
  out.recipient = recipient;
  out.would_share = s.allowed;
  out.agreement = s.allowed ? label(s) : s.refused_by;
  out.fields = field_actions(s);
  if (!s.allowed) out.reason = joined_reasons(s);
  if (plan.copies.size() > copies_before) {
    out.enforced = plan.copies.back().agreement;
    out.enforced_fields = plan.copies.back().fields;
  } else {
    out.enforced_fields = field_actions(decision);
    for (auto& f : out.enforced_fields) f.action = "drop";
  }
  plan.shadow.push_back(std::move(out));
}

}  // namespace

bool AgreementPolicy::reads_subject_state(const envelope::Envelope& envelope,
                                          const std::string& sender) const {
  return agreements::reads_subject_state(*set_, sender, envelope.type);
}

Plan AgreementPolicy::plan(const envelope::Envelope& envelope, const std::string& sender,
                           std::int64_t now_ms, const agreements::SubjectState& state) const {
  const agreements::Instant now{std::chrono::seconds(now_ms / 1000)};
  Plan plan;
  const auto recipients = agreements::recipients_for(envelope, sender, *set_, now);
  for (const auto& recipient : recipients) {
    const auto decision = agreements::decide(envelope, sender, recipient, *set_, now, state);
    const std::size_t copies_before = plan.copies.size();
    plan_recipient(plan, envelope, recipient, decision);
    add_shadow(plan, recipient, decision, copies_before);
  }
  // Recipients only a shadow agreement names: nothing is shared with them, but what the
  // shadow agreement would share is audited all the same (exposure it would add).
  for (const auto& recipient : agreements::shadow_recipients_for(envelope, sender, *set_, now)) {
    if (std::binary_search(recipients.begin(), recipients.end(), recipient)) continue;
    const auto decision = agreements::decide(envelope, sender, recipient, *set_, now, state);
    add_shadow(plan, recipient, decision, plan.copies.size());
  }
  return plan;
}

void AgreementPolicy::plan_recipient(Plan& plan, const envelope::Envelope& envelope,
                                     const std::string& recipient,
                                     const agreements::Decision& decision) const {
  if (!decision.allowed) {
    plan.refusals.push_back({recipient, decision.code.empty() ? "not_permitted" : decision.code,
                             joined_reasons(decision), decision.refused_by});
    return;
  }
  agreements::TransformKeys keys;
  if (auto key = pseudonym_keys_.find(recipient); key != pseudonym_keys_.end()) {
    keys.pseudonym_key = key->second;
  }
  std::optional<crypto::RecipientKey> seal_key;
  if (decision.requires_encryption) {
    // Decided here, before anything is stored: no key means no copy, never a clear one.
    const crypto::RecipientKey* key = keys_ ? keys_->current(recipient) : nullptr;
    if (!key) {
      plan.refusals.push_back(
          {recipient, "no_recipient_key",
           "the agreement requires fields encrypted for " + recipient +
               ", which has no registered public key (accord keys gen; docs/operations.md)",
           label(decision)});
      return;
    }
    seal_key = *key;
  }
  auto transformed = agreements::transform(envelope, decision, keys);
  if (!transformed.ok()) {
    // Fail closed: the copy could not take the form its agreement grants.
    plan.refusals.push_back(
        {recipient, transformed.error().code, transformed.error().message, label(decision)});
    return;
  }
  plan.copies.push_back({recipient, label(decision), std::move(transformed.value().copy),
                         field_actions(decision), std::move(seal_key),
                         std::move(transformed.value().to_seal), decision.consent_based,
                         /*reason=*/{}, decision.receipts_required});
}

}  // namespace accord::pipeline
