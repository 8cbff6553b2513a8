#include "accord/crypto/field_encryption.hpp"

#include <sodium.h>

#include <memory>

#include "accord/crypto/bytes.hpp"

namespace accord::crypto {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);

// State shared by the copies of one encryptor (std::function copies its target).
struct EncryptorState {
  RecipientKey key;
  FieldContext ctx;
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> data_key{};
  std::string wrapped_key_b64;  // sealed on first use
  ~EncryptorState() { sodium_memzero(data_key.data(), data_key.size()); }
};

Result<std::string> encrypt_field(EncryptorState& s, const envelope::Field& field) {
  if (s.wrapped_key_b64.empty()) {
    std::array<unsigned char, crypto_box_SEALBYTES + crypto_aead_xchacha20poly1305_ietf_KEYBYTES>
        wrapped;
    if (crypto_box_seal(wrapped.data(), s.data_key.data(), s.data_key.size(),
                        s.key.public_key.data()) != 0) {
      return make_error("encryption_failed", "crypto_box_seal failed (invalid public key)",
                        "data." + field.path);
    }
    s.wrapped_key_b64 = to_base64(wrapped);
  }
  const std::string path = "data." + field.path;
  const std::string ad =
      field_associated_data(s.ctx.message_id, path, s.ctx.sender, s.ctx.recipient, s.key.kid);
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
  // libsodium directly, never env.random_bytes: a seeded test Env would repeat nonces, and
  // a repeated nonce under one key breaks the encryption.
  randombytes_buf(nonce.data(), nonce.size());
  std::vector<unsigned char> ct(field.json.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ct.data(), &ct_len, reinterpret_cast<const unsigned char*>(field.json.data()),
      field.json.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
      nonce.data(), s.data_key.data());
  ct.resize(static_cast<std::size_t>(ct_len));
  // Members in byte order of their names: the object is its own canonical encoding (a
  // recipient's decode + encode reproduces it), which the delivery signature relies on. The
  // kid's characters (agency id, digits, ':', 'T', 'Z', hex) need no JSON escaping.
  std::string out;
  out.reserve(160 + ct.size() * 4 / 3 + s.key.kid.size());
  out += R"({"accord_enc":1,"alg":")";
  out += kFieldAlg;
  out += R"(","ct":")";
  out += to_base64(ct);
  out += R"(","kid":")";
  out += s.key.kid;
  out += R"(","nonce":")";
  out += to_base64(nonce);
  out += R"(","wrapped_key":")";
  out += s.wrapped_key_b64;
  out += "\"}";
  return out;
}

}  // namespace

std::string field_associated_data(std::string_view message_id, std::string_view path,
                                  std::string_view sender, std::string_view recipient,
                                  std::string_view kid) {
  std::string ad;
  ad.reserve(kFieldFormat.size() + message_id.size() + path.size() + sender.size() +
             recipient.size() + kid.size() + 24);
  append_length_prefixed(ad, kFieldFormat);
  append_length_prefixed(ad, message_id);
  append_length_prefixed(ad, path);
  append_length_prefixed(ad, sender);
  append_length_prefixed(ad, recipient);
  append_length_prefixed(ad, kid);
  return ad;
}

Result<agreements::FieldEncryptor> make_field_encryptor(const RecipientKey& key,
                                                        const FieldContext& ctx) {
  ensure_sodium();
  if (ctx.message_id.empty() || ctx.sender.empty() || ctx.recipient.empty()) {
    return make_error("invalid_context", "message id, sender and recipient must not be empty");
  }
  if (key.agency != ctx.recipient) {
    return make_error("key_mismatch",
                      "key " + key.kid + " belongs to " + key.agency + ", not to " + ctx.recipient);
  }
  auto state = std::make_shared<EncryptorState>();
  state->key = key;
  state->ctx = ctx;
  crypto_aead_xchacha20poly1305_ietf_keygen(state->data_key.data());
  return agreements::FieldEncryptor(
      [state](const envelope::Field& field) { return encrypt_field(*state, field); });
}

}  // namespace accord::crypto
