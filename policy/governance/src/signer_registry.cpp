// Signing keys: generation, their two files and the registry the gateway builds from the
// public ones (docs/agreements.md, "Signing keys and signed statements").
#include <sodium.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "accord/core/time_format.hpp"
#include "accord/governance/signing.hpp"
#include "accord/keys/bytes.hpp"
#include "accord/keys/key_files.hpp"
#include "accord/keys/key_ids.hpp"

namespace accord::governance {
namespace {

using nlohmann::json;

Error key_error(std::string_view source, const std::string& message) {
  return make_error("bad_key_file", std::string(source) + ": " + message, std::string(source));
}

Result<std::string> text_member(const json& j, const char* name, std::string_view source) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return key_error(source, std::string("member \"") + name + "\" missing or not text");
  }
  return it->get<std::string>();
}

// Strict base64 of exactly N bytes.
template <std::size_t N>
Result<std::array<unsigned char, N>> bytes_member(const json& j, const char* name,
                                                  std::string_view source) {
  auto text = text_member(j, name, source);
  if (!text) return text.error();
  auto bytes = keys::from_base64(*text);
  if (!bytes) return key_error(source, std::string("\"") + name + "\" is not base64");
  if (bytes->size() != N) {
    const std::size_t got = bytes->size();
    sodium_memzero(bytes->data(), bytes->size());
    return key_error(source, std::string("\"") + name + "\" must be " + std::to_string(N) +
                                 " bytes, not " + std::to_string(got));
  }
  std::array<unsigned char, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return out;
}

const std::set<std::string, std::less<>> kPublicMembers = {
    "agency", "alg", "created", "kid", "public_key", "purpose", "signer"};

// The members both files share, every other member refused unless listed in `extra`.
Result<SigningKey> parse_common(const json& j, std::string_view source,
                                const std::set<std::string, std::less<>>& extra) {
  if (!j.is_object()) return key_error(source, "not a JSON object");
  for (const auto& [name, value] : j.items()) {
    if (!kPublicMembers.contains(name) && !extra.contains(name)) {
      return key_error(source, "unknown member \"" + name + "\"");
    }
  }
  SigningKey key;
  key.source = std::string(source);
  auto purpose = text_member(j, "purpose", source);
  if (!purpose) return purpose.error();
  if (*purpose != kSigningPurpose) {
    return key_error(source, "purpose \"" + *purpose + "\" is not signing");
  }
  auto alg = text_member(j, "alg", source);
  if (!alg) return alg.error();
  if (*alg != kSigningAlg) return key_error(source, "alg \"" + *alg + "\" is not ed25519");
  auto agency = text_member(j, "agency", source);
  if (!agency) return agency.error();
  if (!keys::is_valid_agency_id(*agency)) {
    return key_error(source, "agency \"" + *agency + "\" is not an agency id (<kind>.<name>)");
  }
  key.agency = *agency;
  auto kid = text_member(j, "kid", source);
  if (!kid) return kid.error();
  if (!keys::is_valid_kid(*kid, key.agency)) {
    return key_error(source,
                     "kid \"" + *kid + "\" is not " + key.agency + ":<yyyymmddThhmmssZ>:<4 hex>");
  }
  key.kid = *kid;
  auto created = text_member(j, "created", source);
  if (!created) return created.error();
  if (!keys::is_created_time(*created)) {
    return key_error(source, "created must be YYYY-MM-DDTHH:MM:SS.mmmZ");
  }
  key.created = *created;
  if (j.contains("signer")) {
    auto signer = text_member(j, "signer", source);
    if (!signer) return signer.error();
    const std::string problem = text_problem(*signer, kMaxSignerBytes);
    if (!problem.empty()) return key_error(source, "signer " + problem);
    key.signer = *signer;
  }
  auto pk = bytes_member<32>(j, "public_key", source);
  if (!pk) return pk.error();
  key.public_key = *pk;
  return key;
}

Result<json> parse_json(std::string_view text, std::string_view source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return key_error(source, "not valid JSON");
  return j;
}

// nlohmann::json orders members by name: the files' documented order.
json public_members(const SigningKey& key) {
  json j{{"agency", key.agency},
         {"alg", kSigningAlg},
         {"created", key.created},
         {"kid", key.kid},
         {"public_key", keys::to_base64(key.public_key)},
         {"purpose", kSigningPurpose}};
  if (!key.signer.empty()) j["signer"] = key.signer;
  return j;
}

Result<SigningSecret> from_keypair_seed(std::string_view agency, std::string_view signer,
                                        std::int64_t now_ms,
                                        const std::array<unsigned char, 32>& seed,
                                        const std::array<unsigned char, 2>& kid_suffix) {
  keys::ensure_sodium();
  if (!keys::is_valid_agency_id(agency)) {
    return make_error("invalid_agency", "agency id \"" + std::string(agency) +
                                            "\" is not <kind>.<name> (lowercase letters, "
                                            "digits, '-', '.'; kind police, cps, wcu, court, "
                                            "probation, provider, oversight or gateway)");
  }
  if (!signer.empty()) {
    const std::string problem = text_problem(signer, kMaxSignerBytes);
    if (!problem.empty()) return make_error("invalid_signer", "--signer " + problem);
  }
  SigningSecret secret;
  secret.key.agency = std::string(agency);
  secret.key.signer = std::string(signer);
  secret.key.created = format_time_ms(now_ms);
  secret.key.kid = keys::make_kid(agency, secret.key.created, kid_suffix);
  crypto_sign_seed_keypair(secret.key.public_key.data(), secret.secret_key.data(), seed.data());
  return secret;
}

}  // namespace

Result<SigningSecret> generate_signing_key(std::string_view agency, std::string_view signer,
                                           std::int64_t now_ms) {
  keys::ensure_sodium();
  std::array<unsigned char, 32> seed{};
  std::array<unsigned char, 2> suffix{};
  randombytes_buf(seed.data(), seed.size());
  randombytes_buf(suffix.data(), suffix.size());
  auto secret = from_keypair_seed(agency, signer, now_ms, seed, suffix);
  sodium_memzero(seed.data(), seed.size());
  return secret;
}

Result<SigningSecret> signing_key_from_seed(std::string_view agency, std::string_view signer,
                                            std::int64_t now_ms,
                                            const std::array<unsigned char, 32>& seed,
                                            const std::array<unsigned char, 2>& kid_suffix) {
  return from_keypair_seed(agency, signer, now_ms, seed, kid_suffix);
}

std::string public_file_name(const SigningKey& key) {
  return keys::key_file_stem(key.kid) + std::string(kSigningPublicSuffix);
}

std::string secret_file_name(const SigningKey& key) {
  return keys::key_file_stem(key.kid) + std::string(kSigningSecretSuffix);
}

std::string public_key_json(const SigningKey& key) {
  return public_members(key).dump() + "\n";
}

std::string secret_key_json(const SigningSecret& secret) {
  json j = public_members(secret.key);
  j["format"] = kSigningSecretFormat;
  j["secret_key"] = keys::to_base64(secret.secret_key);
  std::string text = j.dump() + "\n";
  // The JSON value holds a copy of the encoded secret: wipe it before it is freed.
  std::string& s = j["secret_key"].get_ref<std::string&>();
  sodium_memzero(s.data(), s.size());
  return text;
}

Result<SigningKey> parse_public_key(std::string_view json_text, std::string source) {
  auto j = parse_json(json_text, source);
  if (!j) return j.error();
  if (j->is_object() && j->contains("secret_key")) {
    return key_error(source,
                     "this is a secret key file: register the .sign.pub.json file only, and "
                     "keep this one on the signer's machine");
  }
  return parse_common(*j, source, {});
}

Result<SigningSecret> parse_secret_key(std::string_view json_text, std::string source) {
  keys::ensure_sodium();
  auto j = parse_json(json_text, source);
  if (!j) return j.error();
  auto key = parse_common(*j, source, {"format", "secret_key"});
  if (!key) return key.error();
  auto format = text_member(*j, "format", source);
  if (!format) return format.error();
  if (*format != kSigningSecretFormat) {
    return key_error(source,
                     "format \"" + *format + "\" is not " + std::string(kSigningSecretFormat));
  }
  auto sk = bytes_member<64>(*j, "secret_key", source);
  if (auto it = j->find("secret_key"); it != j->end() && it->is_string()) {
    std::string& encoded = it->get_ref<std::string&>();
    sodium_memzero(encoded.data(), encoded.size());
  }
  if (!sk) return sk.error();
  SigningSecret secret;
  secret.key = std::move(*key);
  secret.secret_key = *sk;
  sodium_memzero(sk->data(), sk->size());
  // The secret is seed || public key: the whole pair must come from its seed and match.
  std::array<unsigned char, 32> pk{};
  std::array<unsigned char, 64> derived{};
  crypto_sign_seed_keypair(pk.data(), derived.data(), secret.secret_key.data());
  const bool matches = sodium_memcmp(pk.data(), secret.key.public_key.data(), pk.size()) == 0 &&
                       sodium_memcmp(derived.data(), secret.secret_key.data(), derived.size()) == 0;
  sodium_memzero(derived.data(), derived.size());
  if (!matches) return key_error(source, "secret_key does not match public_key");
  return secret;
}

Result<SignerRegistry> SignerRegistry::parse(
    const std::vector<std::pair<std::string, std::string>>& files) {
  // Only signing keys: an encryption key, or anything else, is not this registry's.
  auto keys = keys::parse_key_files<SigningKey>(
      files, [](const std::string& name) { return name.ends_with(kSigningPublicSuffix); },
      [](const std::string& text, const std::string& name) {
        return parse_public_key(text, name);
      });
  if (!keys.ok()) return keys.error();
  SignerRegistry registry;
  registry.keys_ = std::move(keys.value());
  return registry;
}

const SigningKey* SignerRegistry::find_kid(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

}  // namespace accord::governance
