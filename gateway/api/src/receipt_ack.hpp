// One recipient ack of one copy, with its receipt checked first (docs/receipts.md §3-§4): the
// single ack route and the batch route both ack through here.
//
//   1. The copy's facts (Spool::copy_facts, read on the calling thread): none, another
//      agency's, dead or purged → not_found, nothing written.
//   2. Already acknowledged by its recipient → acked as before (already_acked); a receipt sent
//      with it is neither checked nor stored.
//   3. receipts::check (invalid_receipt, receipt_unknown_key, receipt_wrong_agency,
//      receipt_hash_mismatch, receipt_bad_signature, receipt_required): a refusal leaves the
//      copy as it is and is audited as delivery.receipt_refused in its own transaction.
//   4. Spool::ack as the recipient, with the verified receipt.
// Thread-safe; `done` runs once, on a spool thread or the caller's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "accord/core/result.hpp"
#include "accord/governance/signing.hpp"
#include "accord/spool/spool.hpp"

namespace accord::api {

struct CopyAck {
  enum class Kind { acked, already_acked, not_found, refused };
  Kind kind = Kind::acked;
  Error refusal = {};  // refused: the receipt's code, message and path
};
// An error is a spool failure (storage_unavailable, overloaded, shutting_down, ...).
using CopyAckHandler = std::function<void(Result<CopyAck>)>;

// Acks copy `delivery_id` as `recipient`. `receipt` is the receipt as sent (nullptr: none),
// read only before this returns; `receipt_path` names it in a refusal ("receipt",
// "receipts.17"). `signers` may be null (no signing key registered).
void ack_copy(spool::Spool& spool, const governance::SignerRegistry* signers,
              const std::string& recipient, std::int64_t delivery_id, const nlohmann::json* receipt,
              const std::string& receipt_path, std::int64_t now_ms, CopyAckHandler done);

}  // namespace accord::api
