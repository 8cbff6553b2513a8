// The Policy backed by data-sharing agreements: route (recipients_for) → decide (per
// recipient) → transform (the recipient's copy, fields to encrypt named, not encrypted). Immutable
// once built; a reload builds a new one and swaps it in (Pipeline::set_policy).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/decision.hpp"
#include "accord/agreements/decision_inputs.hpp"
#include "accord/crypto/key_registry.hpp"
#include "accord/pipeline/policy.hpp"

namespace accord::pipeline {

class AgreementPolicy : public Policy {
 public:
  // `pseudonym_master` is the gateway's secret for keyed pseudonyms (>= 16 bytes);
  // per-recipient keys are derived from it once here, for every recipient in the set.
  // `keys` holds the agencies' registered public keys: a copy with `encrypt` fields is
  // planned to be sealed to the recipient's current key, or refused (no_recipient_key) when
  // it has none.
  AgreementPolicy(std::shared_ptr<const agreements::AgreementSet> set,
                  std::vector<unsigned char> pseudonym_master,
                  std::shared_ptr<const crypto::KeyRegistry> keys);

  using Policy::plan;
  Plan plan(const envelope::Envelope& envelope, const std::string& sender, std::int64_t now_ms,
            const agreements::SubjectState& state) const override;
  bool reads_subject_state(const envelope::Envelope& envelope,
                           const std::string& sender) const override;
  const agreements::ConditionLiterals& condition_literals() const override { return literals_; }

  const agreements::AgreementSet& set() const { return *set_; }

 private:
  // Decides one candidate recipient's copy, or its refusal, into `plan`.
  void plan_recipient(Plan& plan, const envelope::Envelope& envelope, const std::string& recipient,
                      const agreements::Decision& decision) const;

  std::shared_ptr<const agreements::AgreementSet> set_;
  agreements::ConditionLiterals literals_;  // of every agreement in set_, any status or mode
  std::shared_ptr<const crypto::KeyRegistry> keys_;
  std::map<std::string, std::vector<unsigned char>, std::less<>> pseudonym_keys_;
};

}  // namespace accord::pipeline
