// Step 4 of a submission, seal: the only crypto on the path. Each planned copy's fields to
// seal are encrypted for its recipient's key (docs/field-encryption.md), under the data key
// of that key and the epoch of received_at_ms (`field_keys`), then the copy is signed by the
// gateway and becomes the delivered document {"envelope":..,"signature":..}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accord/crypto/epoch_keys.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/pipeline/policy.hpp"

namespace accord::pipeline {

// A copy ready to store: what the recipient will receive, with the facts of its decision.
struct SealedCopy {
  std::string recipient;
  std::string agreement;                   // "id@version" that granted it
  std::vector<audit::FieldAction> fields;  // each field of the submission and its action
  std::string document;                    // the delivered document, signed
  bool consent_based = false;              // PlannedCopy::consent_based
  std::string reason = {};                 // PlannedCopy::reason
  // Lower-case hex SHA-256 of the signing input the gateway signed for this copy: what a
  // recipient's receipt is over (docs/receipts.md §1).
  std::string copy_hash = {};
  bool receipt_required = false;  // PlannedCopy::receipt_required
};

struct Sealed {
  std::vector<SealedCopy> copies;  // in plan order
  // Copies that could not be sealed (the encryptor refused the key, or failed): withheld,
  // never sent in clear. Code key_mismatch, invalid_context or encryption_failed.
  std::vector<PlannedRefusal> refusals;
};

// What every copy of one submission is signed with (docs/field-encryption.md §4.1).
struct SealContext {
  std::string sender;
  std::string message_id;
  std::int64_t received_at_ms = 0;
};

Sealed seal(std::vector<PlannedCopy> copies, const SealContext& context,
            const crypto::GatewaySigner& signer, crypto::EpochKeyCache& field_keys);

// Folds the copies seal() withheld back into `plan` as if the plan had refused them: into
// plan.refusals in recipient order (the order the plan decides in), and each such
// recipient's shadow outcome compared against nothing shared. So the records of a withheld
// copy are the same whichever step withheld it.
void withhold_unsealed(Plan& plan, std::vector<PlannedRefusal> unsealed);

// The delivered document for one copy: {"envelope": <canonical copy>, "signature": {...}},
// from the copy's envelope::encode (crypto::encode_for_delivery).
std::string delivered_document(std::string_view envelope_json,
                               const crypto::DeliverySignature& signature);

}  // namespace accord::pipeline
