// Shared fixtures for the crypto tests: a sample envelope, agency keys, and a copy with some
// fields encrypted the way the gateway's transform does it.
#pragma once

#include <string>
#include <vector>

#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::crypto::testing {

inline constexpr std::int64_t kNowMs = 1795339800123;  // 2026-11-22T09:30:00.123Z

// A decoded 1 KB-ish referral envelope with contact details, needs and offence data.
envelope::Envelope sample_envelope(const std::string& id = "msg-0001");

AgencySecretKey make_key(const std::string& agency, std::int64_t unix_ms = kNowMs);

// The recipient's copy: every field whose path is in `protect` replaced by its encrypted
// object, the rest unchanged (as transform() builds it). Aborts the test on error.
envelope::Envelope encrypt_copy(const envelope::Envelope& e,
                                const std::vector<std::string>& protect, const RecipientKey& key,
                                const std::string& sender, const std::string& recipient);

// What the recipient decodes from the delivered JSON: decode_delivered(encode(copy)).
envelope::Envelope as_delivered(const envelope::Envelope& copy);

// Replace the JSON text of the leaf at `path` (aborts if absent).
void set_leaf(envelope::Envelope& e, const std::string& path, const std::string& json);
const std::string& leaf(const envelope::Envelope& e, const std::string& path);

// Flip one bit of the base64 value held by the JSON string leaf at `path`.
void flip_base64_leaf(envelope::Envelope& e, const std::string& path, std::size_t byte = 0);

}  // namespace accord::crypto::testing
