// Field-level encryption, format "accord-fe-1" (docs/field-encryption.md is normative).
//
// Fields are encrypted under a random XChaCha20-Poly1305-IETF data key sealed with
// crypto_box_seal to the recipient's X25519 key; the gateway shares one data key between the
// copies of one recipient key and epoch (epoch_keys.hpp). Each protected field's value becomes
//   {"accord_enc":1,"alg":"xchacha20poly1305-ietf","ct":B64,"kid":KID,"nonce":B64,
//    "wrapped_key":B64}
// (members in byte order, so the object is already in canonical-encoding order). The plaintext
// is the field's minified JSON value; the associated data binds the format, message id, field
// path ("data.<path>"), sender, recipient and kid (field_associated_data).
//
// Error codes of open_fields (Error::path = "data.<path>" of the field):
//   unknown_format_version  accord_enc is not 1
//   unknown_algorithm       alg is not xchacha20poly1305-ietf
//   malformed_field         members missing/extra/mistyped, bad base64 or lengths, or the
//                           plaintext is not one JSON leaf value
//   unknown_kid             no secret key with the field's kid
//   wrong_recipient         the key's agency is not the copy's recipient
//   unwrap_failed           crypto_box_seal_open failed: wrong key or tampered wrapped_key
//   decrypt_failed          AEAD failed: tampered ct/nonce/kid, or the field was moved to
//                           another path, message, sender or recipient
// make_field_encryptor: key_mismatch (key of another agency), invalid_context (empty id,
// sender or recipient), encryption_failed (DataKey::generate). decode_delivered: the envelope
// codec's codes.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/transform.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/epoch_keys.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::crypto {

inline constexpr std::string_view kFieldFormat = "accord-fe-1";
inline constexpr int kFieldFormatVersion = 1;
inline constexpr std::string_view kFieldAlg = "xchacha20poly1305-ietf";

// The copy a field encryptor works for.
struct FieldContext {
  std::string message_id;  // the envelope's id
  std::string sender;      // agency id of the sender (from its certificate)
  std::string recipient;   // agency id of the recipient; must be the key's agency
};

// The associated data of one field (docs/field-encryption.md §3): LP("accord-fe-1") ||
// LP(message_id) || LP(path) || LP(sender) || LP(recipient) || LP(kid), LP = 4-byte big-endian
// length then the bytes. `path` is the full path, "data.victim.contact.phone".
std::string field_associated_data(std::string_view message_id, std::string_view path,
                                  std::string_view sender, std::string_view recipient,
                                  std::string_view kid);

// An encryptor for every field of one copy, under `key` (for the gateway: its recipient's
// epoch key, EpochKeyCache::key_for). Each field gets a fresh random nonce. The returned
// function may be called from several threads. Its output for a field is the encrypted
// object as minified JSON.
Result<agreements::FieldEncryptor> make_field_encryptor(std::shared_ptr<const DataKey> key,
                                                        const FieldContext& ctx);

// The same with a data key of its own, drawn and sealed to `key` now (one crypto_box_seal):
// for tools and tests that encrypt one copy; the format is the same.
Result<agreements::FieldEncryptor> make_field_encryptor(const RecipientKey& key,
                                                        const FieldContext& ctx);

// Decodes a delivered envelope's JSON with the strict codec, without the gateway's
// vocabulary (the envelope's own type is accepted) and with limits sized for encrypted fields
// (each encrypted field is 6 leaves one level deeper).
Result<envelope::Envelope> decode_delivered(std::string_view envelope_json);

struct OpenedEnvelope {
  envelope::Envelope envelope;      // protected fields replaced by their plaintext values
  std::vector<std::string> opened;  // "data.<path>" of each decrypted field, sorted
};

// Decrypts every protected field of a delivered, decoded copy (decode_delivered) with the
// recipient's secret keys (found by kid). The message id is the envelope's id. Fails on the
// first field that does not open; never returns a partly opened envelope.
Result<OpenedEnvelope> open_fields(const envelope::Envelope& delivered,
                                   std::span<const AgencySecretKey> keys, std::string_view sender,
                                   std::string_view recipient);

}  // namespace accord::crypto
