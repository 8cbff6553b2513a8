// The gateway's registry of agency public keys (docs/field-encryption.md §5.3).
//
// The operator copies each agency's "*.pub.json" into the configured key directory; the
// gateway loads it at start (the caller audits every registered kid and its source file). The
// gateway encrypts to current(agency): the newest key by `created`. Older keys stay listed so
// an operator can see them, but are never used to encrypt.
//
// Error codes (Error::path names the file): bad_key_file (corrupt JSON, missing member, bad
// base64, key not 32 bytes, kid not of the agency), invalid_agency (agency id format),
// duplicate_kid (one kid in two files), io_error (unreadable directory or file).
// Immutable once built: safe to share between threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/crypto/key_files.hpp"

namespace accord::crypto {

class KeyRegistry {
 public:
  // Pure: (file name, file text) pairs, e.g. read by the caller or built by tests. Names
  // ending ".sign.pub.json" are agreement signing keys (governance::SignerRegistry): skipped.
  static Result<KeyRegistry> parse(const std::vector<std::pair<std::string, std::string>>& files);

  // Every "*.pub.json" in `dir` but "*.sign.pub.json" (other names are ignored). A missing
  // directory is io_error.
  static Result<KeyRegistry> load_dir(const std::string& dir);

  // The key the gateway encrypts to for `agency`, or nullptr when it has none (the flow must
  // then be refused at decision time, never delivered in clear).
  const RecipientKey* current(std::string_view agency) const;
  const RecipientKey* find_kid(std::string_view kid) const;
  // Every key, sorted by agency then created.
  const std::vector<RecipientKey>& all() const { return keys_; }

 private:
  std::vector<RecipientKey> keys_;
  std::map<std::string, std::size_t, std::less<>> current_;  // agency -> index into keys_
};

}  // namespace accord::crypto
