// Content hashes, the signing input of a statement, signing and the verdict on a statement
// (docs/agreements.md, "Signing keys and signed statements").
#include "accord/governance/signing.hpp"

#include <sodium.h>

#include <algorithm>

#include "accord/keys/bytes.hpp"

namespace accord::governance {
namespace {

constexpr std::string_view kSignatureDomain = "accord-agreement-signature-v1";
constexpr std::string_view kSuspensionDomain = "accord-agreement-suspension-v1";

Verdict refuse(std::string code, std::string reason) {
  return Verdict{false, std::move(code), std::move(reason)};
}

std::string id_at(std::string_view agreement, int version) {
  return std::string(agreement) + " v" + std::to_string(version);
}

// Length of the UTF-8 sequence led by `lead`, or 0 if `lead` cannot start one.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

}  // namespace

std::string content_hash(std::string_view text) {
  keys::ensure_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size());
  return "sha256:" + keys::to_hex(digest);
}

std::string text_problem(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return "is empty";
  if (text.size() > max_bytes) {
    return "is " + std::to_string(text.size()) + " bytes, more than " + std::to_string(max_bytes);
  }
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(lead);
    if (n == 0 || i + n > text.size()) return "is not valid UTF-8 (byte " + std::to_string(i) + ")";
    std::uint32_t cp = n == 1 ? lead : lead & (0x7f >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xc0) != 0x80) return "is not valid UTF-8 (byte " + std::to_string(i) + ")";
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return "is not valid UTF-8 (byte " + std::to_string(i) + ")";
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      return "holds a control character (byte " + std::to_string(i) + ")";
    }
    i += n;
  }
  return "";
}

std::string_view to_string(StatementKind kind) {
  return kind == StatementKind::signature ? "signature" : "suspension";
}

std::string signing_input(const Statement& statement) {
  std::string out;
  const bool suspension = statement.kind == StatementKind::suspension;
  keys::append_length_prefixed(out, suspension ? kSuspensionDomain : kSignatureDomain);
  keys::append_length_prefixed(out, statement.agreement);
  keys::append_length_prefixed(out, std::to_string(statement.version));
  keys::append_length_prefixed(out, statement.content_hash);
  keys::append_length_prefixed(out, statement.agency);
  keys::append_length_prefixed(out, statement.kid);
  keys::append_length_prefixed(out, statement.signed_at);
  if (suspension) keys::append_length_prefixed(out, statement.reason);
  return out;
}

Statement sign(Statement statement, const SigningSecret& secret) {
  keys::ensure_sodium();
  statement.agency = secret.key.agency;
  statement.kid = secret.key.kid;
  const std::string input = signing_input(statement);
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), secret.secret_key.data());
  statement.sig = keys::to_base64(sig);
  return statement;
}

Verdict verify(const Statement& statement, const VersionRef& version,
               const SignerRegistry& signers) {
  keys::ensure_sodium();
  const SigningKey* key = signers.find_kid(statement.kid);
  if (key == nullptr) {
    return refuse("unknown_signer", "signing key " + statement.kid +
                                        " is not registered (no such *.sign.pub.json in the "
                                        "gateway's keys directory)");
  }
  if (key->agency != statement.agency) {
    return refuse("signer_not_of_agency", "signing key " + statement.kid + " is registered for " +
                                              key->agency + ", not for " + statement.agency);
  }
  if (std::find(version.parties.begin(), version.parties.end(), statement.agency) ==
      version.parties.end()) {
    return refuse("not_a_party", statement.agency + " is not a party to " +
                                     id_at(version.agreement, version.version));
  }
  if (statement.agreement != version.agreement || statement.version != version.version) {
    return refuse("other_version", "the " + std::string(to_string(statement.kind)) + " is over " +
                                       id_at(statement.agreement, statement.version) + ", not " +
                                       id_at(version.agreement, version.version));
  }
  if (statement.content_hash != version.content_hash) {
    return refuse("text_changed", "the " + std::string(to_string(statement.kind)) + " is over " +
                                      statement.content_hash + " but the file of " +
                                      id_at(version.agreement, version.version) + " is now " +
                                      version.content_hash + " (edited after signing)");
  }
  auto sig = keys::from_base64(statement.sig);
  const std::string input = signing_input(statement);
  if (!sig || sig->size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>(input.data()),
                                  input.size(), key->public_key.data()) != 0) {
    return refuse("bad_signature", "the signature does not verify under " + statement.kid +
                                       " (another key, or a member altered after signing)");
  }
  return Verdict{true, "", ""};
}

}  // namespace accord::governance
