// The path of one submission: decode → route/decide/transform (Policy) → spool.
//
// Pipeline::submit answers exactly once, from whichever thread finished the work (the
// caller's thread for refusals, the spool's writer thread after the durable commit):
//   ok       Accepted: every allowed copy is durable (fsync'd); `duplicate` when the same
//            (sender, id) was accepted before — the first answer is repeated, nothing stored.
//   refused  Error with a code from envelope/codec.hpp (decode) or:
//              not_permitted   no agreement allows any recipient (details lists why) → 422
//              id_conflict     the id was used before for different content          → 409
//              storage_unavailable / overloaded / shutting_down (spool)             → 503
// Thread-safe: submit() may be called from many threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/pipeline/policy.hpp"
#include "accord/spool/spool.hpp"

namespace accord::pipeline {

struct Accepted {
  std::string message_id;
  std::vector<std::string> recipients;
  std::int64_t received_at_ms = 0;
  bool duplicate = false;
  // Candidates the policy refused while others were allowed (empty for duplicates).
  std::vector<PlannedRefusal> withheld;
};

// A refusal with the per-recipient reasons behind it (empty for decode errors).
struct Refused {
  Error error;
  std::vector<PlannedRefusal> details;
};

using SubmitOutcome = std::variant<Accepted, Refused>;
using SubmitHandler = std::function<void(SubmitOutcome)>;

class Pipeline {
 public:
  // `vocabulary`, `spool` and `signer` must outlive the pipeline. Every stored copy is the
  // delivered document {"envelope": ..., "signature": ...}, signed by `signer` over the
  // recipient, sender, message id, receipt time and the copy (docs/field-encryption.md).
  Pipeline(const envelope::Vocabulary& vocabulary, envelope::DecodeLimits limits,
           spool::Spool& spool, const crypto::GatewaySigner& signer);

  // Swaps the policy atomically (agreement reload); submissions in flight keep the one they
  // started with.
  void set_policy(std::shared_ptr<const Policy> policy);
  std::shared_ptr<const Policy> policy() const;

  void submit(const std::string& sender, std::string_view body, std::int64_t now_ms,
              SubmitHandler done);

 private:
  const envelope::Vocabulary& vocabulary_;
  envelope::DecodeLimits limits_;
  spool::Spool& spool_;
  const crypto::GatewaySigner& signer_;
  std::shared_ptr<const Policy> policy_;  // read and written with std::atomic_load/store
};

// The delivered document for one copy: {"envelope": <canonical copy>, "signature": {...}},
// from the copy's envelope::encode (crypto::encode_for_delivery).
std::string delivered_document(std::string_view envelope_json,
                               const crypto::DeliverySignature& signature);

// The audit records of a refusal: one decision.refused per refused candidate, or one with
// no recipient when no agreement named any.
std::vector<audit::Event> refusal_events(const envelope::Envelope& envelope,
                                         const std::string& sender, const std::string& body_hash,
                                         std::int64_t now_ms, const Refused& refused);

// The audit records of the shadow outcomes (decision.shadow, docs/audit-format.md §1): per
// recipient a shadow agreement covers, what it would have shared and in which form, against
// what was actually shared.
std::vector<audit::Event> shadow_events(const envelope::Envelope& envelope,
                                        const std::string& sender, const std::string& body_hash,
                                        std::int64_t now_ms,
                                        const std::vector<ShadowOutcome>& shadow);

// Hex SHA-256 of the body: the dedup content hash.
std::string content_hash(std::string_view body);

}  // namespace accord::pipeline
