// The recipient's copy: the envelope with each data field shared, dropped, masked,
// generalised, pseudonymised or encrypted as its decision says (docs/agreements.md
// "Actions" gives the exact output of each). Pure apart from libsodium's keyed hash: a field
// to encrypt is not encrypted here, it is listed (Transformed::to_seal) and left as a
// placeholder that the gateway's seal step replaces with the sealed value (seal_fields).
//
// Error codes: not_allowed (the decision denies), decision_mismatch (the decision was made
// for another envelope), invalid_key (pseudonym key missing or of the wrong size);
// seal_fields: encryption_failed (the encryptor's own error).
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
// (no_recipient_key) and never builds the copy.
using FieldEncryptor = std::function<Result<std::string>(const envelope::Field&)>;

struct TransformKeys {
  // The recipient's pseudonymisation key (kPseudonymKeyBytes). Needed only when some field is
  // pseudonymised. Derive it per recipient with derive_pseudonym_key().
  std::span<const unsigned char> pseudonym_key;
};

// The value a field to encrypt holds in a copy until it is sealed: never the plaintext, so a
// copy that skipped sealing leaks nothing.
inline constexpr std::string_view kSealPlaceholder = "null";

// A granted field whose action is encrypt: copy.data[index] holds kSealPlaceholder and
// `plaintext` (the submitted field) is what must be sealed for the recipient.
struct FieldToSeal {
  std::size_t index = 0;
  envelope::Field plaintext;
};

struct Transformed {
  envelope::Envelope copy;
  // Granted fields withheld because their value could not take the granted form (e.g. a
  // date of birth that is not a date under generalise): fail closed, report the path.
  std::vector<std::string> withheld;
  // In copy order; non-empty exactly when decision.requires_encryption.
  std::vector<FieldToSeal> to_seal;
};

Result<Transformed> transform(const envelope::Envelope& envelope, const Decision& decision,
                              const TransformKeys& keys);

// Puts encrypt(field) in place of each placeholder of `to_seal` in `copy`. All or nothing:
// on an error `copy` may be partly sealed and must be discarded (encryption_failed).
accord::Status seal_fields(envelope::Envelope& copy, const std::vector<FieldToSeal>& to_seal,
                           const FieldEncryptor& encrypt);

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
