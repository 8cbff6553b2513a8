#include "accord/crypto/field_encryption.hpp"

#include <sodium.h>

#include <memory>

#include "accord/crypto/bytes.hpp"
#include "accord/crypto/epoch_keys.hpp"

namespace accord::crypto {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);

// State shared by the copies of one encryptor (std::function copies its target).
struct EncryptorState {
  std::shared_ptr<const DataKey> key;
  FieldContext ctx;
};

Result<std::string> encrypt_field(EncryptorState& s, const envelope::Field& field) {
  const std::string& kid = s.key->recipient().kid;
  const std::string path = "data." + field.path;
  const std::string ad =
      field_associated_data(s.ctx.message_id, path, s.ctx.sender, s.ctx.recipient, kid);
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
  // libsodium directly, never env.random_bytes: a seeded test Env would repeat nonces, and
  // a repeated nonce under one key breaks the encryption.
  randombytes_buf(nonce.data(), nonce.size());
  std::vector<unsigned char> ct(field.json.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ct.data(), &ct_len, reinterpret_cast<const unsigned char*>(field.json.data()),
      field.json.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
      nonce.data(), s.key->bytes());
  ct.resize(static_cast<std::size_t>(ct_len));
  // Members in byte order of their names: the object is its own canonical encoding (a
  // recipient's decode + encode reproduces it), which the delivery signature relies on. The
  // kid's characters (agency id, digits, ':', 'T', 'Z', hex) need no JSON escaping.
  std::string out;
  out.reserve(160 + ct.size() * 4 / 3 + kid.size());
  out += R"({"accord_enc":1,"alg":")";
  out += kFieldAlg;
  out += R"(","ct":")";
  out += to_base64(ct);
  out += R"(","kid":")";
  out += kid;
  out += R"(","nonce":")";
  out += to_base64(nonce);
  out += R"(","wrapped_key":")";
  out += s.key->wrapped_key_b64();
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

Result<agreements::FieldEncryptor> make_field_encryptor(std::shared_ptr<const DataKey> key,
                                                        const FieldContext& ctx) {
  if (ctx.message_id.empty() || ctx.sender.empty() || ctx.recipient.empty()) {
    return make_error("invalid_context", "message id, sender and recipient must not be empty");
  }
  const RecipientKey& recipient = key->recipient();
  if (recipient.agency != ctx.recipient) {
    return make_error("key_mismatch", "key " + recipient.kid + " belongs to " + recipient.agency +
                                          ", not to " + ctx.recipient);
  }
  auto state = std::make_shared<EncryptorState>(EncryptorState{std::move(key), ctx});
  return agreements::FieldEncryptor(
      [state](const envelope::Field& field) { return encrypt_field(*state, field); });
}

Result<agreements::FieldEncryptor> make_field_encryptor(const RecipientKey& key,
                                                        const FieldContext& ctx) {
  auto data_key = DataKey::generate(key, /*epoch=*/0);
  if (!data_key.ok()) return data_key.error();
  return make_field_encryptor(std::move(data_key.value()), ctx);
}

}  // namespace accord::crypto
