// The recipient's copy: the envelope with each data field shared, dropped, masked,
// generalised, pseudonymised or encrypted as its decision says (docs/agreements.md
// "Actions" gives the exact output of each). Pure apart from libsodium's keyed hash.
//
// Error codes: not_allowed (the decision denies), decision_mismatch (the decision was made
// for another envelope), encryption_unavailable (a field needs encrypt and no encryptor was
// given: the gateway must not deliver the copy), invalid_key (pseudonym key missing or of the
// wrong size), encryption_failed (the encryptor's own error).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/decision.hpp"
#include "accord/core/result.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::agreements {

// Bytes of a pseudonymisation key (crypto_generichash_KEYBYTES).
inline constexpr std::size_t kPseudonymKeyBytes = 32;

// Replaces one field's value with its encrypted form (minified JSON). Supplied by the crypto
// layer for the recipient's registered key; without one the gateway refuses the recipient
// (no_recipient_key) before transform is called.
using FieldEncryptor = std::function<Result<std::string>(const envelope::Field&)>;

struct TransformKeys {
  // The recipient's pseudonymisation key (kPseudonymKeyBytes). Needed only when some field is
  // pseudonymised. Derive it per recipient with derive_pseudonym_key().
  std::span<const unsigned char> pseudonym_key;
  FieldEncryptor encrypt;  // may be empty
};

struct Transformed {
  envelope::Envelope copy;
  // Granted fields withheld because their value could not take the granted form (e.g. a
  // date of birth that is not a date under generalise): fail closed, report the path.
  std::vector<std::string> withheld;
};

Result<Transformed> transform(const envelope::Envelope& envelope, const Decision& decision,
                              const TransformKeys& keys);

// The per-recipient key: BLAKE2b keyed by the gateway's master secret (>= 16 bytes) over
// "accord-pseudonym-v1" || 0x00 || recipient id. Stable per recipient, independent across them.
Result<std::vector<unsigned char>> derive_pseudonym_key(std::span<const unsigned char> master,
                                                        std::string_view recipient);

// One field's transformed value (minified JSON), or an error code when the value cannot take
// the form ("ungeneralisable"). Used by transform() and by `agreements explain`.
// `reference_date` is the envelope's occurred_at (age bands are counted to it).
Result<std::string> apply_action(const envelope::Field& field, const FieldRule& rule,
                                 std::string_view reference_date,
                                 std::span<const unsigned char> pseudonym_key);

}  // namespace accord::agreements
