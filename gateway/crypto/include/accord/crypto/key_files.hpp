// Agency encryption keys (X25519, crypto_box) and their files (docs/field-encryption.md §5).
//
// An agency generates its key pair itself (`accord keys gen`), keeps the secret key file
// (mode 0600) and hands the public key file to the gateway operator. The gateway only ever
// holds public keys (KeyRegistry); no secret key of an agency lives on the gateway.
//
// Key id (kid): "<agency>:<yyyymmddThhmmssZ>:<4 hex>" (UTC creation time, 2 random bytes).
// Files, for kid "police.met:20261122T093000Z:ab12":
//   police.met.20261122T093000Z-ab12.pub.json     {"agency","kid","alg","public_key","created"}
//   police.met.20261122T093000Z-ab12.secret.json  the same plus "format" and "secret_key"
//
// Error codes: invalid_agency, bad_key_file (corrupt JSON, missing or mistyped member, bad
// kid, bad base64, wrong key length, key pair mismatch), insecure_permissions (a secret key
// file readable or writable by group/others), file_exists (never overwrites), io_error.
// Every error's path names the file. Functions are thread-safe (no shared state).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/env/env.hpp"
#include "accord/keys/key_ids.hpp"

namespace accord::crypto {

inline constexpr std::size_t kX25519KeyBytes = 32;  // crypto_box_{PUBLIC,SECRET}KEYBYTES
inline constexpr std::string_view kX25519Alg = "x25519";
inline constexpr std::string_view kSecretKeyFormat = "accord-agency-secret-key-1";

using PublicKeyBytes = std::array<unsigned char, kX25519KeyBytes>;

// Secret bytes wiped (sodium_memzero) when destroyed. Copyable: each copy wipes itself.
struct SecretKeyBytes {
  std::array<unsigned char, kX25519KeyBytes> bytes{};
  SecretKeyBytes() = default;
  SecretKeyBytes(const SecretKeyBytes&) = default;
  SecretKeyBytes& operator=(const SecretKeyBytes&) = default;
  ~SecretKeyBytes();
};

// An agency's public key as the gateway registers it.
struct RecipientKey {
  std::string agency;
  std::string kid;
  std::string created;  // "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC); orders keys of one agency
  PublicKeyBytes public_key{};
  std::string source;  // the file it came from (for errors and the audit of key registration)
};

// An agency's key pair as the agency keeps it.
struct AgencySecretKey {
  RecipientKey pub;
  SecretKeyBytes secret_key;
};

// Agency ids, kids and key file stems (accord_keys, shared with agreement signing keys).
using keys::is_valid_agency_id;
using keys::is_valid_kid;
using keys::key_file_stem;

// Fresh key pair (crypto_box_keypair) with its kid. `unix_ms` is the creation time; the kid's
// random suffix comes from env.random_bytes.
Result<AgencySecretKey> generate_agency_key(std::string_view agency, std::int64_t unix_ms,
                                            env::Env& env = env::system_env());

// File contents (pretty JSON, trailing newline).
std::string public_key_file_text(const RecipientKey& key);
std::string secret_key_file_text(const AgencySecretKey& key);

// Pure parses; `source` names the file in errors.
Result<RecipientKey> parse_public_key_file(std::string_view text, std::string_view source);
Result<AgencySecretKey> parse_secret_key_file(std::string_view text, std::string_view source);

// Reads a secret key file, refusing (insecure_permissions, "chmod 600 FILE") one that group or
// others may read or write, before reading its content.
Result<AgencySecretKey> read_secret_key_file(const std::string& path);

// Reads one secret key file, or every "*.secret.json" in a directory (sorted by name), leaving
// out agreement signing keys ("*.sign.secret.json", docs/agreements.md).
Result<std::vector<AgencySecretKey>> read_secret_keys(const std::string& file_or_dir);

struct WrittenKeyFiles {
  std::string public_path;
  std::string secret_path;
};

// Writes both files of `key` into `dir` (created 0700 if absent): the secret file with mode
// 0600, the public one 0644, each created exclusively (file_exists if either is present) and
// fsynced.
Result<WrittenKeyFiles> write_key_files(const std::string& dir, const AgencySecretKey& key,
                                        env::Env& env = env::system_env());

// The same for any key pair's two files (agreement signing keys too): `dir` created 0700 if
// absent, the secret file `secret_name` 0600, then the public `public_name` 0644, each created
// exclusively; the secret is removed again if the public file cannot be written.
Result<WrittenKeyFiles> write_key_pair(const std::string& dir, const std::string& public_name,
                                       std::string_view public_text, const std::string& secret_name,
                                       std::string_view secret_text,
                                       env::Env& env = env::system_env());

// Creates `path` exclusively with exactly `mode`, writes `content` and fsyncs it and its
// directory (env.write_new_file; nothing is left on failure). Used for every key file this
// library writes. Errors: file_exists, io_error.
Status write_new_file(const std::string& path, std::string_view content, unsigned mode,
                      env::Env& env = env::system_env());

// Whole file, or io_error naming it.
Result<std::string> read_text_file(const std::string& path);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for a Unix time in milliseconds.
std::string format_utc_ms(std::int64_t unix_ms);

}  // namespace accord::crypto
