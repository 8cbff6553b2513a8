// Signed delivery receipts (docs/receipts.md §1-§4): the recipient agency's Ed25519 statement
// "I received this exact copy", made with its agreement signing key (`*.sign.pub.json`, the
// governance::SignerRegistry the gateway already loads) over the copy's hash.
//
//   copy_hash     = lower-case hex SHA-256 of the copy's delivery signing input
//                   (docs/field-encryption.md §4.1)
//   signing input = LP("accord-receipt-v1") || LP(recipient) || LP(sender) || LP(message_id)
//                   || LP(copy_hash as its 64 ASCII hex characters)
//   receipt       = {"alg":"ed25519","kid":..,"copy_hash":..,"sig":<base64 of 64 bytes>}
//
// Pure apart from libsodium: no files, no clock. check() is the gateway's whole verdict on one
// ack's receipt, its codes in the documented order.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/governance/signing.hpp"

namespace accord::receipts {

inline constexpr std::string_view kReceiptDomain = "accord-receipt-v1";
inline constexpr std::string_view kReceiptAlg = "ed25519";

// Lower-case hex SHA-256 of `delivery_signing_input` (the bytes the gateway signs for a copy).
std::string copy_hash(std::string_view delivery_signing_input);
// 64 lower-case hex digits.
bool is_copy_hash(std::string_view text);

// The copy a receipt is about, as the gateway stored it.
struct CopySubject {
  std::string recipient;
  std::string sender;
  std::string message_id;
  std::string copy_hash;
};

struct Receipt {
  std::string alg{kReceiptAlg};
  std::string kid;
  std::string copy_hash;
  std::string sig;  // standard padded base64 of the 64-byte signature
};

// The exact bytes signed: LP(domain) || LP(recipient) || LP(sender) || LP(message_id) ||
// LP(copy_hash).
std::string signing_input(const CopySubject& copy);

// {"alg","kid","copy_hash","sig"} minified, members in that order.
std::string to_json(const Receipt& receipt);

// A receipt from its JSON value. invalid_receipt (path `path` or `path`.<member>): not an
// object of exactly the 4 members, a member not text, alg not "ed25519", copy_hash not 64
// lower-case hex, sig not padded base64 of 64 bytes, kid empty.
Result<Receipt> parse(const nlohmann::json& value, const std::string& path);

// Signs `copy` with the recipient's signing key (kid from the key).
Receipt sign(const CopySubject& copy, const governance::SigningSecret& secret);

// The gateway's verdict on the receipt (JSON, or nullptr when the ack carried none) for a copy
// acked by `copy.recipient`, in this order, the first failure winning:
//   invalid_receipt        parse() refuses it
//   receipt_unknown_key    its kid is not a registered signing key
//   receipt_wrong_agency   the kid is registered to another agency than copy.recipient
//   receipt_hash_mismatch  its copy_hash is not copy.copy_hash
//   receipt_bad_signature  the signature does not verify under the kid's key
//   receipt_required       no receipt, and `required`
// The error's path is `path` (e.g. "receipt", "receipts.17"), or `path`.<member>.
// Ok(nullopt): no receipt, none required.
Result<std::optional<Receipt>> check(const nlohmann::json* receipt, const CopySubject& copy,
                                     bool required, const governance::SignerRegistry& signers,
                                     const std::string& path);

}  // namespace accord::receipts
