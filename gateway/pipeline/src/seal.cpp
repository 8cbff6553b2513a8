#include "accord/pipeline/seal.hpp"

#include <algorithm>

#include "accord/core/time_format.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/signing_input.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/pipeline/content_hash.hpp"

namespace accord::pipeline {
namespace {

// Encrypts the copy's fields to seal in place, or says why it cannot (fail closed).
Status seal_fields(PlannedCopy& planned, const SealContext& context,
                   crypto::EpochKeyCache& field_keys) {
  // A copy with no field to seal asks for no key: no public-key work for it.
  if (!planned.seal_key || planned.to_seal.empty()) return Status::Ok();
  auto data_key = field_keys.key_for(*planned.seal_key, context.received_at_ms);
  if (!data_key.ok()) return data_key.error();
  auto encryptor = crypto::make_field_encryptor(
      std::move(data_key.value()), {context.message_id, context.sender, planned.recipient});
  if (!encryptor.ok()) return encryptor.error();
  return agreements::seal_fields(planned.copy, planned.to_seal, encryptor.value());
}

}  // namespace

Sealed seal(std::vector<PlannedCopy> copies, const SealContext& context,
            const crypto::GatewaySigner& signer, crypto::EpochKeyCache& field_keys) {
  Sealed out;
  out.copies.reserve(copies.size());
  // The receipt time as the inbox prints it, so a recipient can rebuild the signed bytes.
  const std::string received_at = format_time_ms(context.received_at_ms);
  for (auto& planned : copies) {
    if (auto s = seal_fields(planned, context, field_keys); !s.ok()) {
      out.refusals.push_back(
          {planned.recipient, s.error().code, s.error().message, planned.agreement});
      continue;
    }
    // One encoding of the copy is both what is stored and (as the canonical envelope) what is
    // signed, so the copy is neither re-parsed nor encoded twice (crypto/signing_input.hpp).
    const auto encoded = crypto::encode_for_delivery(
        {context.sender, planned.recipient, context.message_id, received_at}, planned.copy);
    const auto signature = signer.sign(encoded.signing_input);
    // receipts::copy_hash's digest (docs/receipts.md §1), through OpenSSL's SHA-256: about
    // half the instructions of libsodium's portable one (docs/benchmarks.md (n)).
    auto hash = content_hash(encoded.signing_input);
    out.copies.push_back(
        {std::move(planned.recipient), std::move(planned.agreement), std::move(planned.fields),
         delivered_document(encoded.envelope_json, signature), planned.consent_based,
         std::move(planned.reason), std::move(hash), planned.receipt_required});
  }
  return out;
}

void withhold_unsealed(Plan& plan, std::vector<PlannedRefusal> unsealed) {
  for (auto& refusal : unsealed) {
    for (auto& shadow : plan.shadow) {
      if (shadow.recipient != refusal.recipient) continue;
      shadow.enforced.clear();
      for (auto& field : shadow.enforced_fields) field.action = "drop";
    }
    const auto at = std::upper_bound(plan.refusals.begin(), plan.refusals.end(), refusal.recipient,
                                     [](const std::string& recipient, const PlannedRefusal& r) {
                                       return recipient < r.recipient;
                                     });
    plan.refusals.insert(at, std::move(refusal));
  }
}

std::string delivered_document(std::string_view envelope_json,
                               const crypto::DeliverySignature& signature) {
  const std::string signature_json = signature.to_json();
  std::string document;
  document.reserve(envelope_json.size() + signature_json.size() + 27);
  document += "{\"envelope\":";
  document += envelope_json;
  document += ",\"signature\":";
  document += signature_json;
  document += '}';
  return document;
}

}  // namespace accord::pipeline
