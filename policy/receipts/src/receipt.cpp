#include "accord/receipts/receipt.hpp"

#include <sodium.h>

#include <array>
#include <nlohmann/json.hpp>

#include "accord/keys/bytes.hpp"

namespace accord::receipts {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::array<std::string_view, 4> kMembers = {"alg", "kid", "copy_hash", "sig"};

Error invalid(const std::string& path, std::string_view member, const std::string& message) {
  std::string where = path;
  if (!member.empty()) where += (where.empty() ? "" : ".") + std::string(member);
  return make_error("invalid_receipt", "the receipt is malformed: " + message, where);
}

Error refused(std::string code, std::string message, const std::string& path) {
  return make_error(std::move(code), std::move(message), path);
}

}  // namespace

std::string copy_hash(std::string_view delivery_signing_input) {
  keys::ensure_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(),
                     reinterpret_cast<const unsigned char*>(delivery_signing_input.data()),
                     delivery_signing_input.size());
  return keys::to_hex(digest);
}

bool is_copy_hash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string signing_input(const CopySubject& copy) {
  std::string out;
  keys::append_length_prefixed(out, kReceiptDomain);
  keys::append_length_prefixed(out, copy.recipient);
  keys::append_length_prefixed(out, copy.sender);
  keys::append_length_prefixed(out, copy.message_id);
  keys::append_length_prefixed(out, copy.copy_hash);
  return out;
}

std::string to_json(const Receipt& receipt) {
  ordered_json j;
  j["alg"] = receipt.alg;
  j["kid"] = receipt.kid;
  j["copy_hash"] = receipt.copy_hash;
  j["sig"] = receipt.sig;
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

Result<Receipt> parse(const json& value, const std::string& path) {
  if (!value.is_object()) {
    return invalid(path, "", "a receipt is an object {\"alg\",\"kid\",\"copy_hash\",\"sig\"}");
  }
  for (const auto& [key, member] : value.items()) {
    if (std::find(kMembers.begin(), kMembers.end(), key) == kMembers.end()) {
      return invalid(path, key,
                     "unknown member '" + key + "'; a receipt has alg, kid, copy_hash and sig");
    }
  }
  std::array<std::string, 4> text;
  for (std::size_t i = 0; i < kMembers.size(); ++i) {
    const auto it = value.find(kMembers[i]);
    if (it == value.end() || !it->is_string()) {
      return invalid(path, kMembers[i], "member '" + std::string(kMembers[i]) + "' must be text");
    }
    text[i] = it->get<std::string>();
  }
  Receipt receipt{text[0], text[1], text[2], text[3]};
  if (receipt.alg != kReceiptAlg) return invalid(path, "alg", "alg must be \"ed25519\"");
  if (receipt.kid.empty()) return invalid(path, "kid", "kid is empty");
  if (!is_copy_hash(receipt.copy_hash)) {
    return invalid(path, "copy_hash", "copy_hash must be 64 lower-case hex digits");
  }
  auto sig = keys::from_base64(receipt.sig);
  if (!sig || sig->size() != crypto_sign_BYTES) {
    return invalid(path, "sig", "sig must be padded base64 of a 64-byte Ed25519 signature");
  }
  return receipt;
}

Receipt sign(const CopySubject& copy, const governance::SigningSecret& secret) {
  keys::ensure_sodium();
  const std::string input = signing_input(copy);
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), secret.secret_key.data());
  return Receipt{std::string(kReceiptAlg), secret.key.kid, copy.copy_hash, keys::to_base64(sig)};
}

Result<std::optional<Receipt>> check(const json* receipt_json, const CopySubject& copy,
                                     bool required, const governance::SignerRegistry& signers,
                                     const std::string& path) {
  if (receipt_json == nullptr) {
    if (!required) return std::optional<Receipt>{};
    return refused("receipt_required",
                   "the agreement flow for this copy requires a signed receipt with the ack", path);
  }
  auto receipt = parse(*receipt_json, path);
  if (!receipt) return receipt.error();
  const Receipt& r = receipt.value();
  const governance::SigningKey* key = signers.find_kid(r.kid);
  if (key == nullptr) {
    return refused("receipt_unknown_key",
                   "kid \"" + r.kid + "\" is not a signing key registered with the gateway",
                   path + ".kid");
  }
  if (key->agency != copy.recipient) {
    return refused("receipt_wrong_agency",
                   "kid \"" + r.kid + "\" is registered to " + key->agency + ", not to " +
                       copy.recipient + " which acknowledges the copy",
                   path + ".kid");
  }
  if (r.copy_hash != copy.copy_hash) {
    return refused("receipt_hash_mismatch",
                   "copy_hash is not the hash of this copy (a receipt for another copy, or over "
                   "altered bytes)",
                   path + ".copy_hash");
  }
  keys::ensure_sodium();
  const auto sig = keys::from_base64(r.sig);  // parse() checked it is 64 bytes
  const std::string input = signing_input(copy);
  if (crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>(input.data()),
                                  input.size(), key->public_key.data()) != 0) {
    return refused("receipt_bad_signature",
                   "the receipt's signature does not verify under kid \"" + r.kid + "\"",
                   path + ".sig");
  }
  return std::optional<Receipt>{r};
}

}  // namespace accord::receipts
