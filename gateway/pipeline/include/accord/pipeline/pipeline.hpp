// The path of one submission, one step per file (docs/architecture.md, "The path of one
// case update"):
//   decode (envelope/codec) → dedup probe (dedup_probe.hpp, read only) → compliance facts
//   (compliance_record.hpp, pure) → plan (Policy, pure, shadow included) → seal (seal.hpp:
//   encrypt, sign) → compose audit records (audit_records.hpp, then the compliance.facts
//   record) → spool.append(copies, records), or spool.record(refusal records).
//
// Pipeline::submit answers exactly once, from whichever thread finished the work (the
// caller's thread for decode errors and resent duplicates, the spool's thread after the
// durable commit):
//   ok       Accepted: every allowed copy is durable (fsync'd); `duplicate` when the same
//            (sender, id) was accepted before — the first answer is repeated, nothing stored.
//   refused  Error with a code from envelope/codec.hpp (decode) or:
//              invalid_value / missing_field  a compliance fact (docs/compliance.md §3) → 422
//              not_permitted   no agreement allows any recipient (details lists why) → 422
//                              (not for an event the gateway records itself: stored with
//                              no recipients, docs/envelope.md §5)
//              id_conflict     the id was used before for different content          → 409
//              storage_unavailable / overloaded / shutting_down (spool)             → 503
// Thread-safe: submit() may be called from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "accord/crypto/signature.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/pipeline/audit_records.hpp"
#include "accord/pipeline/content_hash.hpp"
#include "accord/pipeline/outcome.hpp"
#include "accord/pipeline/policy.hpp"
#include "accord/pipeline/seal.hpp"
#include "accord/spool/spool.hpp"

namespace accord::pipeline {

// What one submission decided per recipient, told once it is durable (a stored submission
// after its append commits, not a duplicate; a refused one after its records are written):
// the flow counters behind GET /v1/admin/flows. `agreement` is "id@version", or "-" when no
// agreement granted the copy (a propagation notice) or covers the refused route; `recipient`
// is "-" for a refusal that named no recipient.
struct DecidedFlow {
  std::string recipient;
  std::string agreement;
  bool shared = false;  // a copy was stored; false: the recipient was refused
};
using DecisionObserver =
    std::function<void(const std::string& sender, const std::vector<DecidedFlow>& flows)>;

class Pipeline {
 public:
  // `vocabulary`, `spool` and `signer` must outlive the pipeline. Every stored copy is the
  // delivered document {"envelope": ..., "signature": ...}, signed by `signer` over the
  // recipient, sender, message id, receipt time and the copy (docs/field-encryption.md).
  // Encrypted fields use one data key per recipient key and epoch of
  // `field_key_epoch_seconds` (field_encryption.epoch_seconds).
  Pipeline(const envelope::Vocabulary& vocabulary, envelope::DecodeLimits limits,
           spool::Spool& spool, const crypto::GatewaySigner& signer,
           std::int64_t field_key_epoch_seconds = crypto::kDefaultEpochSeconds);

  // Swaps the policy atomically (agreement reload); submissions in flight keep the one they
  // started with.
  void set_policy(std::shared_ptr<const Policy> policy);
  std::shared_ptr<const Policy> policy() const;

  void submit(const std::string& sender, std::string_view body, std::int64_t now_ms,
              SubmitHandler done);

  // Set before the first submit(); called on the thread that answers (the spool's).
  void set_decision_observer(DecisionObserver observer) { observer_ = std::move(observer); }
  // Senders whose submissions are stored with status_callback (adapters.<agency>.
  // status_callbacks, docs/receipts.md "Status notices"). Set before the first submit().
  void set_status_callbacks(std::set<std::string, std::less<>> senders) {
    status_callbacks_ = std::move(senders);
  }

 private:
  // No copy for anyone: the refusal is answered once its records are durable.
  void refuse(Refused refused, const DecisionFacts& facts, audit::Event inputs,
              const std::vector<ShadowOutcome>& shadow, SubmitHandler done);

  const envelope::Vocabulary& vocabulary_;
  envelope::DecodeLimits limits_;
  spool::Spool& spool_;
  const crypto::GatewaySigner& signer_;
  crypto::EpochKeyCache field_keys_;
  std::shared_ptr<const Policy> policy_;  // read and written with std::atomic_load/store
  DecisionObserver observer_;
  std::set<std::string, std::less<>> status_callbacks_;
};

}  // namespace accord::pipeline
