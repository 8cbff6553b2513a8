#include "accord/crypto/signature.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "accord/crypto/bytes.hpp"
#include "accord/crypto/key_files.hpp"

namespace accord::crypto {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == 32);

using nlohmann::json;

Error key_error(std::string code, const std::string& message, const std::string& path) {
  return make_error(std::move(code), path + ": " + message, path);
}

Result<std::array<unsigned char, 32>> bytes32(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return make_error("bad", "missing");
  auto bytes = from_base64(it->get<std::string>());
  if (!bytes || bytes->size() != 32) return make_error("bad", "not 32 bytes of base64");
  std::array<unsigned char, 32> out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return out;
}

}  // namespace

std::string gateway_kid(const std::array<unsigned char, 32>& public_key) {
  ensure_sodium();
  unsigned char hash[32];
  crypto_generichash(hash, sizeof hash, public_key.data(), public_key.size(), nullptr, 0);
  return to_hex(std::span<const unsigned char>(hash, 8));
}

Result<GatewayPublicKey> parse_gateway_public_key(std::string_view text) {
  ensure_sodium();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  GatewayPublicKey key;
  if (!text.empty() && text.front() == '{') {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return make_error("bad_public_key", "the gateway key document is not a JSON object");
    }
    if (!j.contains("alg") || j["alg"] != kEd25519Alg) {
      return make_error("bad_public_key", "the gateway key's alg is not \"ed25519\"");
    }
    auto pk = bytes32(j, "public_key");
    if (!pk) return make_error("bad_public_key", "public_key must be 32 bytes of base64");
    key.key = *pk;
    key.kid = gateway_kid(key.key);
    if (!j.contains("kid") || j["kid"] != key.kid) {
      return make_error(
          "bad_public_key",
          "the document's kid does not match its public key (expected " + key.kid + ")");
    }
    return key;
  }
  auto bytes = from_base64(text);
  if (!bytes || bytes->size() != 32) {
    return make_error("bad_public_key", "expected the gateway key document or 32 bytes of base64");
  }
  std::copy(bytes->begin(), bytes->end(), key.key.begin());
  key.kid = gateway_kid(key.key);
  return key;
}

std::string gateway_public_key_json(const GatewayPublicKey& key) {
  return json{{"alg", kEd25519Alg}, {"kid", key.kid}, {"public_key", to_base64(key.key)}}.dump();
}

std::string DeliverySignature::to_json() const {
  return json{{"alg", alg}, {"kid", kid}, {"sig", sig}}.dump();
}

GatewaySigner::~GatewaySigner() {
  sodium_memzero(secret_.data(), secret_.size());
}

Result<GatewaySigner> GatewaySigner::load_or_create(const std::string& path,
                                                    std::int64_t now_unix_ms, env::Env& env) {
  ensure_sodium();
  GatewaySigner signer;
  std::array<unsigned char, 32> seed{};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    env.random_bytes(seed);
    crypto_sign_seed_keypair(signer.public_.key.data(), signer.secret_.data(), seed.data());
    signer.public_.kid = gateway_kid(signer.public_.key);
    json j{{"format", kSigningKeyFormat}, {"alg", kEd25519Alg},
           {"kid", signer.public_.kid},   {"public_key", to_base64(signer.public_.key)},
           {"seed", to_base64(seed)},     {"created", format_utc_ms(now_unix_ms)}};
    std::string text = j.dump(2) + "\n";
    sodium_memzero(seed.data(), seed.size());
    std::string& s = j["seed"].get_ref<std::string&>();
    sodium_memzero(s.data(), s.size());
    Status written = write_new_file(path, text, 0600, env);
    sodium_memzero(text.data(), text.size());
    if (written) return signer;
    if (written.error().code != "file_exists") return written.error();
    // Another process created it between our stat and open: use theirs.
  }
  // Refuse a key file others may read, before reading it (the check of read_secret_key_file).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return key_error("io_error", std::strerror(errno), path);
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return key_error(
        "insecure_permissions",
        "group or others may access the gateway signing key; run `chmod 600 " + path + "`", path);
  }
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  sodium_memzero(buffer, sizeof buffer);
  if (n < 0) return key_error("io_error", "read failed", path);
  auto j = json::parse(text, nullptr, false);
  sodium_memzero(text.data(), text.size());
  if (j.is_discarded() || !j.is_object() || !j.contains("format") ||
      j["format"] != kSigningKeyFormat || !j.contains("alg") || j["alg"] != kEd25519Alg) {
    return key_error("bad_key_file",
                     "not a gateway signing key file (" + std::string(kSigningKeyFormat) + ")",
                     path);
  }
  auto s = bytes32(j, "seed");
  auto pk = bytes32(j, "public_key");
  std::string& seed_text = j["seed"].get_ref<std::string&>();
  sodium_memzero(seed_text.data(), seed_text.size());
  if (!s || !pk) return key_error("bad_key_file", "seed and public_key must be 32 bytes", path);
  seed = *s;
  crypto_sign_seed_keypair(signer.public_.key.data(), signer.secret_.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  if (sodium_memcmp(signer.public_.key.data(), pk->data(), 32) != 0) {
    return key_error("bad_key_file", "seed does not match public_key", path);
  }
  signer.public_.kid = gateway_kid(signer.public_.key);
  return signer;
}

DeliverySignature GatewaySigner::sign(std::string_view bytes) const {
  std::array<unsigned char, crypto_sign_BYTES> sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size(), secret_.data());
  DeliverySignature out;
  out.kid = public_.kid;
  out.sig = to_base64(sig);
  return out;
}

Status verify_signature(std::string_view bytes, const DeliverySignature& signature,
                        const GatewayPublicKey& key) {
  ensure_sodium();
  if (signature.alg != kEd25519Alg) {
    return make_error("bad_signature", "signature alg \"" + signature.alg + "\" is not ed25519");
  }
  if (signature.kid != key.kid) {
    return make_error("wrong_gateway_key", "signed with gateway key " + signature.kid +
                                               ", but the gateway key given is " + key.kid);
  }
  auto sig = from_base64(signature.sig);
  if (!sig || sig->size() != crypto_sign_BYTES) {
    return make_error("bad_signature", "sig must be 64 bytes of base64");
  }
  if (crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                  bytes.size(), key.key.data()) != 0) {
    return make_error("signature_invalid",
                      "the gateway signature does not verify: the copy or its delivery details "
                      "were altered");
  }
  return Status::Ok();
}

Status verify_delivery(const DeliveryInfo& info, const envelope::Envelope& delivered,
                       const DeliverySignature& signature, const GatewayPublicKey& key) {
  return verify_signature(delivery_signing_input(info, delivered), signature, key);
}

Status verify_status_notice(const DeliveryInfo& info, std::string_view status,
                            const DeliverySignature& signature, const GatewayPublicKey& key) {
  return verify_signature(status_notice_signing_input(info, status), signature, key);
}

}  // namespace accord::crypto
