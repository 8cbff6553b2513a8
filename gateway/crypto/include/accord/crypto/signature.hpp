// The gateway's Ed25519 signature over each delivered copy (docs/field-encryption.md §4).
//
// Sealed boxes are anonymous: anyone can seal a data key to an agency. The signature is what
// proves a copy, and each encrypted field in it, came from the gateway unaltered; recipients
// verify it before trusting any field (accord decrypt does).
//
// Signing input: delivery_signing_input (signing_input.hpp, with its fast and reference
// constructions).
//
// Error codes: bad_key_file, insecure_permissions, io_error (signer key file), bad_public_key,
// bad_signature (malformed), wrong_gateway_key (signed under another kid),
// signature_invalid (does not verify: altered copy or metadata).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/crypto/signing_input.hpp"
#include "accord/env/env.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::crypto {

inline constexpr std::string_view kEd25519Alg = "ed25519";
inline constexpr std::string_view kSigningKeyFormat = "accord-gateway-signing-key-1";

struct GatewayPublicKey {
  std::string kid;  // first 16 hex digits of BLAKE2b-256(public key)
  std::array<unsigned char, 32> key{};
};

// kid of an Ed25519 public key.
std::string gateway_kid(const std::array<unsigned char, 32>& public_key);

// Either the well-known document {"alg":"ed25519","kid":..,"public_key":B64} (kid checked
// against the key) or the bare base64 key. bad_public_key otherwise.
Result<GatewayPublicKey> parse_gateway_public_key(std::string_view text);

// The well-known document for `key` (minified JSON).
std::string gateway_public_key_json(const GatewayPublicKey& key);

struct DeliverySignature {
  std::string alg{kEd25519Alg};
  std::string kid;
  std::string sig;  // base64 of the 64-byte detached signature
  // {"alg":"ed25519","kid":..,"sig":..} minified: the inbox item's "signature" member.
  std::string to_json() const;
};

// Holds the gateway's signing key. Immutable after load: sign() is thread-safe.
class GatewaySigner {
 public:
  // Loads the key file at `path`, or creates it (mode 0600, exclusively, fsynced) when
  // absent, its seed from env.random_bytes. A file readable or writable by group/others is
  // refused (insecure_permissions).
  // File: {"format":"accord-gateway-signing-key-1","alg":"ed25519","kid",
  //        "public_key":B64(32),"seed":B64(32),"created"}.
  static Result<GatewaySigner> load_or_create(const std::string& path, std::int64_t now_unix_ms,
                                              env::Env& env = env::system_env());

  DeliverySignature sign(std::string_view bytes) const;
  DeliverySignature sign_delivery(const DeliveryInfo& info,
                                  const envelope::Envelope& delivered) const {
    return sign(delivery_signing_input(info, delivered));
  }
  // A status notice's signature (docs/receipts.md, "Status notices"): over the notice
  // copy's recipient, message_id and received_at, and the status JSON text it carries.
  DeliverySignature sign_status_notice(const DeliveryInfo& info, std::string_view status) const {
    return sign(status_notice_signing_input(info, status));
  }
  const GatewayPublicKey& public_key() const { return public_; }

  GatewaySigner(const GatewaySigner&) = default;
  GatewaySigner& operator=(const GatewaySigner&) = default;
  ~GatewaySigner();

 private:
  GatewaySigner() = default;
  GatewayPublicKey public_;
  std::array<unsigned char, 64> secret_{};  // libsodium's seed || public key form
};

// Verifies `signature` over raw bytes.
Status verify_signature(std::string_view bytes, const DeliverySignature& signature,
                        const GatewayPublicKey& key);

// Verifies a delivered copy's signature.
Status verify_delivery(const DeliveryInfo& info, const envelope::Envelope& delivered,
                       const DeliverySignature& signature, const GatewayPublicKey& key);

// Verifies a status notice's signature.
Status verify_status_notice(const DeliveryInfo& info, std::string_view status,
                            const DeliverySignature& signature, const GatewayPublicKey& key);

}  // namespace accord::crypto
