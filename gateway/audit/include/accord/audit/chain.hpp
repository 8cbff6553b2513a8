// The hash chain and signed checkpoints of the audit log (docs/audit-format.md §4, §5).
//
//   d_n = SHA-256(record_n)                         the record's digest
//   h_0 = 32 zero bytes
//   h_n = SHA-256("accord-audit-chain-v1" || h_(n-1) || d_n)
//
// Chaining digests rather than records lets an extract carry only d_n for the records it
// leaves out and still be checked against a checkpoint. A checkpoint signs (seq N, h_N, at)
// with the gateway's Ed25519 key: every record up to N is then fixed.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"

namespace accord::audit {

using Digest = std::array<unsigned char, 32>;

inline constexpr std::string_view kChainDomain = "accord-audit-chain-v1";
inline constexpr std::string_view kCheckpointDomain = "accord-audit-checkpoint-v1";

Digest record_digest(std::string_view record);
Digest chain_next(const Digest& previous, const Digest& record_digest);

std::string to_hex(const Digest& digest);
// Exactly 64 lower- or upper-case hex digits; Error code bad_hex otherwise.
Result<Digest> digest_from_hex(std::string_view hex);

struct Checkpoint {
  std::int64_t seq = 0;                 // the last record it covers (0: an empty log)
  Digest head{};                        // h_seq
  std::string at;                       // RFC 3339 UTC with milliseconds, when it was made
  crypto::DeliverySignature signature;  // alg, kid, sig over checkpoint_signing_input()
};

// LP("accord-audit-checkpoint-v1") || LP(decimal seq) || LP(hex head) || LP(at), where LP is
// a 4-byte big-endian length then the bytes (the same framing as delivery signatures).
std::string checkpoint_signing_input(std::int64_t seq, const Digest& head, std::string_view at);

using Sign = std::function<crypto::DeliverySignature(std::string_view bytes)>;
Checkpoint make_checkpoint(std::int64_t seq, const Digest& head, std::int64_t at_ms,
                           const Sign& sign);

// {"seq":N,"head":"<hex>","at":"...","alg":"ed25519","kid":"...","sig":"<base64>"}
std::string encode_checkpoint(const Checkpoint& checkpoint);
// Strict: exactly those members with those types. Error code bad_checkpoint.
Result<Checkpoint> parse_checkpoint(std::string_view json);

// Checks the signature (wrong_gateway_key, signature_invalid: see crypto/signature.hpp).
Status verify_checkpoint(const Checkpoint& checkpoint, const crypto::GatewayPublicKey& key);

}  // namespace accord::audit
