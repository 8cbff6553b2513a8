// Agreement signing (docs/agreements.md, "Signing and co-signed activation"): the signing keys
// of the people who may sign an agency's agreements, and the two signed statements a party
// makes about one exact version of an agreement file: its signature (needed from every party
// before the version grants) and its suspension (one party's is enough, at once).
//
// Pure apart from libsodium: bytes in, values out; no files, no clock (times are arguments).
// docs/agreements.md "Signing keys and signed statements" is the contract for every format here.
// Ed25519 (crypto_sign_detached) over a length-prefixed signing input, like the gateway's
// delivery signatures and checkpoints (docs/field-encryption.md §4.1).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::governance {

// "sha256:<64 lower-case hex>" of the exact bytes of an agreement file: the identity of one
// version's text. Signatures, suspensions and the audit log's archive name a version by it.
std::string content_hash(std::string_view text);

// A registered public signing key: the operator copies the agency's `*.sign.pub.json` into the
// gateway's `keys` directory (the same directory and workflow as encryption keys).
struct SigningKey {
  std::string agency;   // police.met
  std::string kid;      // "<agency>:<yyyymmddThhmmssZ>:<4 hex>", as encryption keys
  std::string created;  // YYYY-MM-DDTHH:MM:SS.mmmZ
  std::string signer;   // who holds it, e.g. "J. Smith, DPO" (optional, may be empty)
  std::array<unsigned char, 32> public_key{};
  std::string source;  // the file it was read from
};

// The signer's secret half (`*.sign.secret.json`, mode 0600, never on the gateway).
struct SigningSecret {
  SigningKey key;
  std::array<unsigned char, 64> secret_key{};  // libsodium's Ed25519 secret key (seed || pk)
};

inline constexpr std::string_view kSigningAlg = "ed25519";
inline constexpr std::string_view kSigningPurpose = "signing";
inline constexpr std::string_view kSigningSecretFormat = "accord-signing-secret-key-1";
inline constexpr std::string_view kSignatureFormat = "accord-agreement-signature-1";
inline constexpr std::string_view kSuspensionFormat = "accord-agreement-suspension-1";
inline constexpr std::string_view kSigningPublicSuffix = ".sign.pub.json";
inline constexpr std::string_view kSigningSecretSuffix = ".sign.secret.json";
inline constexpr std::size_t kMaxSignerBytes = 200;
inline constexpr std::size_t kMaxReasonBytes = 500;

// A new key pair for `agency` created at `now_ms` (`signer` may be empty). Random from
// libsodium. Errors: invalid_agency, invalid_signer (check_text).
Result<SigningSecret> generate_signing_key(std::string_view agency, std::string_view signer,
                                           std::int64_t now_ms);
// The same from a fixed 32-byte seed and kid suffix (crypto_sign_seed_keypair): test vectors
// and reproducible development keys only.
Result<SigningSecret> signing_key_from_seed(std::string_view agency, std::string_view signer,
                                            std::int64_t now_ms,
                                            const std::array<unsigned char, 32>& seed,
                                            const std::array<unsigned char, 2>& kid_suffix);

// The rule for free text signed into a file (a signer's name, a suspension's reason): valid
// UTF-8, at most `max_bytes` bytes, not empty, no control character (U+0000-U+001F, U+007F,
// U+0080-U+009F). Returns what is wrong with it, or "" when it is fine.
std::string text_problem(std::string_view text, std::size_t max_bytes);

// File names: "<agency>.<yyyymmddThhmmssZ>-<4 hex>.sign.pub.json" / ".sign.secret.json".
std::string public_file_name(const SigningKey& key);
std::string secret_file_name(const SigningKey& key);
// The files' JSON text (docs/agreements.md gives the members).
std::string public_key_json(const SigningKey& key);
std::string secret_key_json(const SigningSecret& secret);
// Errors (bad_key_file, with the source named): not JSON, a missing or wrong member, alg not
// ed25519, purpose not signing, a key of the wrong length, a kid not of the agency, a secret
// that does not match its public key.
Result<SigningKey> parse_public_key(std::string_view json_text, std::string source);
Result<SigningSecret> parse_secret_key(std::string_view json_text, std::string source);

// Every registered signing key, by kid. Immutable once built.
class SignerRegistry {
 public:
  // (file name, text) pairs; only names ending ".sign.pub.json" are read, others ignored.
  // Errors: bad_key_file, duplicate_kid (one kid in two files).
  static Result<SignerRegistry> parse(
      const std::vector<std::pair<std::string, std::string>>& files);
  // Reading a directory is the caller's (policy/ reads no files): the gateway and the CLI
  // list "*.sign.pub.json" in the keys directory and pass the texts here.
  const SigningKey* find_kid(std::string_view kid) const;
  // Sorted by agency, then created.
  const std::vector<SigningKey>& all() const { return keys_; }

 private:
  std::vector<SigningKey> keys_;
};

enum class StatementKind { signature, suspension };
std::string_view to_string(StatementKind);

// One signed statement about one version (a `*.sig.json` or `*.suspend.json` file, or the body
// of POST /v1/admin/agreements/signatures | suspensions).
struct Statement {
  StatementKind kind = StatementKind::signature;
  std::string agreement;     // the agreement id
  int version = 0;           // its version
  std::string content_hash;  // content_hash() of the exact file bytes signed
  std::string agency;        // the party signing
  std::string kid;           // its signing key
  std::string signed_at;     // YYYY-MM-DDTHH:MM:SS.mmmZ (the signer's claim; not trusted for order)
  std::string reason;        // suspension only: why (at most 500 bytes, no case data)
  std::string sig;           // standard base64 of the 64-byte Ed25519 signature
  std::string source;        // where it came from: a file name, or "api"
};

// The exact bytes signed: LP("accord-agreement-signature-v1" | "accord-agreement-suspension-v1")
// || LP(agreement) || LP(decimal version) || LP(content_hash) || LP(agency) || LP(kid) ||
// LP(signed_at) [|| LP(reason), suspension only]; LP(x) = 4-byte big-endian length || x.
std::string signing_input(const Statement& statement);

// Fills `sig` (and kid/agency from the key) over `statement`'s other members.
Statement sign(Statement statement, const SigningSecret& secret);

// The statement's file text (one JSON object, members in the documented order) and its parse.
// Parse errors (code malformed_statement): not JSON, unknown format, a missing member or one
// of the wrong type, a bad base64 signature, a reason on a signature.
std::string to_json(const Statement& statement);
Result<Statement> parse_statement(std::string_view json_text, std::string source);

// The file name a statement is written under: "<agreement>.v<version>.<agency>.sig.json" or
// "....suspend.json".
std::string statement_file_name(const Statement& statement);

// The version a statement is checked against.
struct VersionRef {
  std::string agreement;
  int version = 0;
  std::string content_hash;
  std::vector<std::string> parties;  // agency ids of the agreement's `parties`
};

// Why a statement does not count (code is the audit record's `code`, reason its `reason`):
//   unknown_signer        the kid is not registered
//   signer_not_of_agency  the kid is registered for another agency than the one it signs for
//   not_a_party           the agency is not one of the version's parties
//   other_version         it names another version of the agreement (id@version differs):
//                         e.g. an old version's signature replayed on a new one
//   text_changed          same id@version but another content hash: the file was edited after
//                         it was signed (a replayed signature over other text)
//   bad_signature         the signature does not verify under the kid's key (wrong key,
//                         or any member altered)
// The checks run in this order: the first that fails is the verdict.
struct Verdict {
  bool ok = false;
  std::string code;
  std::string reason;
};
Verdict verify(const Statement& statement, const VersionRef& version,
               const SignerRegistry& signers);

}  // namespace accord::governance
