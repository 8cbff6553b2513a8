// The seam where agreements decide (the pipeline's "plan" step): for one decoded envelope
// from one sender, which recipients get a copy and what each copy holds. The pipeline calls
// it once per submission; an implementation routes (candidate recipients), decides
// (allow/deny with reasons per recipient) and transforms (the recipient's copy), all without
// I/O and without crypto: fields to encrypt are named, with the key to seal them to, and the
// seal step (seal.hpp) encrypts them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accord/agreements/decision_inputs.hpp"
#include "accord/agreements/subject_state.hpp"
#include "accord/agreements/transform.hpp"
#include "accord/audit/event.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::pipeline {

// One allowed recipient and the envelope it will receive once sealed.
struct PlannedCopy {
  std::string recipient;
  std::string agreement;  // "id@version" that granted it
  // The transformed copy; each field of `to_seal` holds agreements::kSealPlaceholder.
  envelope::Envelope copy;
  std::vector<audit::FieldAction> fields;  // each field of the submission and its action
  // Set exactly when the agreement encrypts fields of this copy: the recipient's current
  // registered key, to which the seal step encrypts every field of `to_seal`.
  std::optional<crypto::RecipientKey> seal_key = {};
  std::vector<agreements::FieldToSeal> to_seal = {};
  // Granted by a consent_based flow: recorded as a consent-based holding (docs/compliance.md §7).
  bool consent_based = false;
  // Why the copy exists when no agreement granted it (a propagation notice, §8): the
  // decision.accepted record's reason. Empty for an agreement's copy.
  std::string reason = {};
  // The granting flow says `receipts: required` (docs/receipts.md): the recipient's ack must
  // carry a signed receipt. Never for a propagation notice.
  bool receipt_required = false;
};

// One candidate recipient that was refused, and why (for the sender and the audit log).
struct PlannedRefusal {
  std::string recipient;
  std::string code;  // e.g. not_permitted, agreement_expired, no_recipient_key, key_mismatch
  std::string reason;
  // The agreement ("id@version") whose status, validity, condition or rule refused; empty
  // when no agreement covers the route.
  std::string agreement = {};
};

// What a shadow-mode agreement would have done for one recipient, next to what was done.
// Audited (decision.shadow), never enforced.
struct ShadowOutcome {
  std::string recipient;
  std::string agreement;  // the shadow agreement, "id@version"
  bool would_share = false;
  std::vector<audit::FieldAction> fields;  // the shadow's action per field (drop when refused)
  std::string reason;                      // why it would refuse (names only); else empty
  std::string enforced;                    // "id@version" that granted the actual copy, or empty
  std::vector<audit::FieldAction> enforced_fields;  // what was shared (all drop when nothing)
};

struct Plan {
  std::vector<PlannedCopy> copies;
  std::vector<PlannedRefusal> refusals;
  std::vector<ShadowOutcome> shadow = {};  // one per recipient a shadow agreement covers
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Pure: the same arguments give the same plan. Thread-safe (called from many threads).
  // `state`: the subject's stored state (empty when not read, see reads_subject_state).
  virtual Plan plan(const envelope::Envelope& envelope, const std::string& sender,
                    std::int64_t now_ms, const agreements::SubjectState& state) const = 0;
  Plan plan(const envelope::Envelope& envelope, const std::string& sender,
            std::int64_t now_ms) const {
    return plan(envelope, sender, now_ms, agreements::SubjectState{});
  }
  // Whether plan() for this envelope from `sender` can depend on the subject's stored state:
  // the pipeline reads the state (one spool read) only then.
  virtual bool reads_subject_state(const envelope::Envelope& envelope,
                                   const std::string& sender) const {
    (void)envelope;
    (void)sender;
    return false;
  }
  // The literals the policy's conditions compare data fields with, built once per policy:
  // what the submission's decision.inputs record may keep of a tested field (decision_inputs.hpp).
  virtual const agreements::ConditionLiterals& condition_literals() const {
    static const agreements::ConditionLiterals kNone;
    return kNone;
  }
};

}  // namespace accord::pipeline
