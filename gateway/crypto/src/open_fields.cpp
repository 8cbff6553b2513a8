#include <sodium.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/crypto/bytes.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "flatten.hpp"

namespace accord::crypto {
namespace detail {
namespace {

// value.dump(), except that doubles take the canonical form of docs/envelope.md §3
// (envelope::format_double), as decode() writes them: nlohmann's own text differs.
void append_leaf_text(const nlohmann::ordered_json& value, std::string& out) {
  if (value.is_number_float()) {
    out += envelope::format_double(value.get<double>());
  } else if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ',';
      append_leaf_text(value[i], out);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) out += ',';
      first = false;
      out += nlohmann::ordered_json(key).dump();
      out += ':';
      append_leaf_text(member, out);
    }
    out += '}';
  } else {
    out += value.dump();
  }
}

void flatten_into(const nlohmann::ordered_json& value, const std::string& path,
                  std::vector<envelope::Field>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, member] : value.items()) flatten_into(member, path + "." + key, out);
    return;
  }
  std::string text;
  append_leaf_text(value, text);
  out.push_back(envelope::Field{path, std::move(text)});
}

}  // namespace

envelope::Envelope flatten_object_leaves(const envelope::Envelope& e) {
  envelope::Envelope out = e;
  bool changed = false;
  std::vector<envelope::Field> data;
  data.reserve(e.data.size());
  for (const auto& field : e.data) {
    if (field.json.size() > 2 && field.json.front() == '{') {
      auto value = nlohmann::ordered_json::parse(field.json, nullptr, false);
      if (!value.is_discarded()) {
        flatten_into(value, field.path, data);
        changed = true;
        continue;
      }
    }
    data.push_back(field);
  }
  if (changed) {
    std::sort(data.begin(), data.end(),
              [](const envelope::Field& a, const envelope::Field& b) { return a.path < b.path; });
  }
  out.data = std::move(data);
  return out;
}

}  // namespace detail

namespace {

constexpr std::string_view kMembers[] = {"accord_enc", "alg", "ct", "kid", "nonce", "wrapped_key"};

Error field_error(std::string code, std::string message, const std::string& path) {
  return make_error(std::move(code), path + ": " + message, path);
}

// The unquoted text of a JSON string leaf that needs no unescaping (base64, kid, alg), or
// nullopt.
std::optional<std::string> plain_string(const std::string& json) {
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') return std::nullopt;
  std::string s = json.substr(1, json.size() - 2);
  if (s.find('\\') != std::string::npos) return std::nullopt;
  return s;
}

// The leaves of one encrypted field, by member name.
using Members = std::map<std::string, std::string, std::less<>>;

struct UnwrappedKey {
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> bytes{};
  ~UnwrappedKey() { sodium_memzero(bytes.data(), bytes.size()); }
};

Result<std::string> open_one(const std::string& path, const Members& m,
                             std::span<const AgencySecretKey> keys, std::string_view message_id,
                             std::string_view sender, std::string_view recipient,
                             std::map<std::string, UnwrappedKey>& unwrapped) {
  if (m.at("accord_enc") != "1") {
    return field_error("unknown_format_version",
                       "accord_enc " + m.at("accord_enc") +
                           " is not a version this program reads (1, accord-fe-1)",
                       path);
  }
  for (const auto& [name, _] : m) {
    if (std::find(std::begin(kMembers), std::end(kMembers), name) == std::end(kMembers)) {
      return field_error("malformed_field", "unexpected member \"" + name + "\"", path);
    }
  }
  for (std::string_view name : kMembers) {
    if (!m.contains(name)) {
      return field_error("malformed_field", "member \"" + std::string(name) + "\" missing", path);
    }
  }
  auto alg = plain_string(m.at("alg"));
  if (!alg || *alg != kFieldAlg) {
    return field_error("unknown_algorithm",
                       "alg " + m.at("alg") + " is not \"" + std::string(kFieldAlg) + "\"", path);
  }
  auto kid = plain_string(m.at("kid"));
  auto ct_text = plain_string(m.at("ct"));
  auto nonce_text = plain_string(m.at("nonce"));
  auto wrapped_text = plain_string(m.at("wrapped_key"));
  if (!kid || !ct_text || !nonce_text || !wrapped_text) {
    return field_error("malformed_field", "kid, ct, nonce and wrapped_key must be strings", path);
  }
  auto ct = from_base64(*ct_text);
  auto nonce = from_base64(*nonce_text);
  if (!ct || !nonce) return field_error("malformed_field", "ct or nonce is not base64", path);
  if (nonce->size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      ct->size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return field_error("malformed_field", "nonce must be 24 bytes and ct at least 16", path);
  }
  const AgencySecretKey* key = nullptr;
  for (const auto& k : keys) {
    if (k.pub.kid == *kid) key = &k;
  }
  if (key == nullptr) {
    return field_error("unknown_kid",
                       "encrypted to key " + *kid + ", which is not among the keys given", path);
  }
  if (key->pub.agency != recipient) {
    return field_error("wrong_recipient",
                       "key " + *kid + " belongs to " + key->pub.agency +
                           " but the copy was delivered to " + std::string(recipient),
                       path);
  }
  auto found = unwrapped.find(*wrapped_text);
  if (found == unwrapped.end()) {
    auto wrapped = from_base64(*wrapped_text);
    if (!wrapped) return field_error("malformed_field", "wrapped_key is not base64", path);
    if (wrapped->size() != crypto_box_SEALBYTES + crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
      return field_error("malformed_field", "wrapped_key must be 80 bytes", path);
    }
    UnwrappedKey dk;
    if (crypto_box_seal_open(dk.bytes.data(), wrapped->data(), wrapped->size(),
                             key->pub.public_key.data(), key->secret_key.bytes.data()) != 0) {
      return field_error(
          "unwrap_failed",
          "the data key does not open with key " + *kid + " (wrong key, or wrapped_key altered)",
          path);
    }
    found = unwrapped.emplace(*wrapped_text, dk).first;
  }
  const std::string ad = field_associated_data(message_id, path, sender, recipient, *kid);
  std::string plain(ct->size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr, ct->data(),
          ct->size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce->data(),
          found->second.bytes.data()) != 0) {
    return field_error("decrypt_failed",
                       "authentication failed: the ciphertext, nonce or kid was altered, or the "
                       "field was moved from another path, message, sender or recipient",
                       path);
  }
  plain.resize(static_cast<std::size_t>(plain_len));
  auto value = nlohmann::json::parse(plain, nullptr, false);
  if (value.is_discarded() || (value.is_object() && !value.empty())) {
    sodium_memzero(plain.data(), plain.size());
    return field_error("malformed_field", "the decrypted value is not one JSON leaf value", path);
  }
  return plain;
}

}  // namespace

Result<envelope::Envelope> decode_delivered(std::string_view envelope_json) {
  envelope::DecodeLimits limits;
  limits.max_bytes = 8 * 1024 * 1024;
  limits.max_depth = 17;     // an encrypted leaf at the deepest level adds one
  limits.max_fields = 4096;  // 512 fields, each encrypted one counting 6 leaves
  limits.allow_encrypted_fields = true;
  // The recipient needs no vocabulary: accept the envelope's own type, if it is well formed.
  std::string type;
  auto j = nlohmann::json::parse(envelope_json, nullptr, false);
  if (j.is_object() && j.contains("type") && j["type"].is_string()) {
    type = j["type"].get<std::string>();
  }
  const bool type_ok =
      !type.empty() && type.size() <= 128 && std::all_of(type.begin(), type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || c == '_' || c == '.';
      });
  auto vocabulary = envelope::Vocabulary::parse(
      type_ok ? "version: 1\nevent_types:\n  - name: \"" + type +
                    "\"\n    description: delivered\n    from: [any]\n    to: [any]\n"
              : std::string("version: 1\nevent_types:\n  - name: x.unknown\n    description: "
                            "none\n    from: [any]\n    to: [any]\n"));
  if (!vocabulary) {
    return make_error("unknown_event_type", "event type \"" + type + "\" is not well formed",
                      "type");
  }
  return envelope::decode(envelope_json, *vocabulary, limits);
}

Result<OpenedEnvelope> open_fields(const envelope::Envelope& delivered,
                                   std::span<const AgencySecretKey> keys, std::string_view sender,
                                   std::string_view recipient) {
  ensure_sodium();
  // Group the leaves "<P>.<member>" of every encrypted field P (marked by P.accord_enc).
  std::map<std::string, Members> encrypted;
  for (const auto& f : delivered.data) {
    constexpr std::string_view kMarker = ".accord_enc";
    if (f.path.ends_with(kMarker)) encrypted[f.path.substr(0, f.path.size() - kMarker.size())];
  }
  OpenedEnvelope out;
  out.envelope = delivered;
  out.envelope.data.clear();
  for (const auto& f : delivered.data) {
    const auto dot = f.path.rfind('.');
    if (dot != std::string::npos) {
      auto it = encrypted.find(f.path.substr(0, dot));
      if (it != encrypted.end()) {
        it->second.emplace(f.path.substr(dot + 1), f.json);
        continue;
      }
    }
    out.envelope.data.push_back(f);
  }
  std::map<std::string, UnwrappedKey> unwrapped;  // wrapped_key text -> data key, per copy
  for (const auto& [leaf, members] : encrypted) {
    const std::string path = "data." + leaf;
    // A member nested deeper ("P.ct.x") leaves P.ct absent and shows up as a plain leaf.
    for (const auto& f : out.envelope.data) {
      if (f.path.starts_with(leaf + ".")) {
        return field_error("malformed_field", "unexpected member \"" + f.path + "\"", path);
      }
    }
    auto plain = open_one(path, members, keys, delivered.id, sender, recipient, unwrapped);
    if (!plain) return plain.error();
    out.envelope.data.push_back(envelope::Field{leaf, std::move(*plain)});
    out.opened.push_back(path);
  }
  std::sort(out.envelope.data.begin(), out.envelope.data.end(),
            [](const envelope::Field& a, const envelope::Field& b) { return a.path < b.path; });
  return out;
}

}  // namespace accord::crypto
