// Per-epoch data keys of field encryption (docs/field-encryption.md §1).
//
// A copy's protected fields are encrypted under a data key shared by every copy to the same
// recipient key within one epoch: epoch number = floor(now_ms / (epoch_seconds * 1000)). The
// key is drawn and sealed to the recipient (crypto_box_seal, the expensive step) once, when
// the first copy of the epoch needs it, so `wrapped_key` repeats across those copies. The
// plaintext key lives only in sodium_malloc'd memory (guard pages, read-only once written)
// and is wiped (sodium_free) when the last holder lets go of it after it was replaced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "accord/core/result.hpp"
#include "accord/crypto/key_files.hpp"

namespace accord::crypto {

// field_encryption.epoch_seconds: default and bounds (docs/operations.md).
inline constexpr std::int64_t kDefaultEpochSeconds = 3600;
inline constexpr std::int64_t kMaxEpochSeconds = 86400;

// One data key: 32 random bytes for XChaCha20-Poly1305-IETF and the same bytes sealed to one
// recipient key. Immutable; shared by the encryptors of the copies that use it.
class DataKey {
 public:
  // Draws a key and seals it to `recipient`. Errors: encryption_failed (no secure memory,
  // or crypto_box_seal refused the public key).
  static Result<std::shared_ptr<const DataKey>> generate(const RecipientKey& recipient,
                                                         std::int64_t epoch);
  ~DataKey();
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;

  const unsigned char* bytes() const { return bytes_; }  // 32 bytes
  const std::string& wrapped_key_b64() const { return wrapped_key_b64_; }
  const RecipientKey& recipient() const { return recipient_; }
  std::int64_t epoch() const { return epoch_; }
  // Whether this key was sealed to exactly `key` (agency, kid and public key).
  bool sealed_to(const RecipientKey& key) const;

 private:
  DataKey() = default;
  unsigned char* bytes_ = nullptr;  // sodium_malloc'd
  std::string wrapped_key_b64_;
  RecipientKey recipient_;
  std::int64_t epoch_ = 0;
};

// The epoch of a time: floor(now_ms / (epoch_seconds * 1000)), also for times before 1970.
std::int64_t epoch_number(std::int64_t now_ms, std::int64_t epoch_seconds);

// The data keys in use: at most one per recipient agency (the newest epoch and key it was
// asked for). Thread-safe; the lock is never held across the seal.
class EpochKeyCache {
 public:
  // 1 <= epoch_seconds <= kMaxEpochSeconds (the config refuses anything else; here an
  // out-of-range value is clamped into the range so the cache is always well defined).
  explicit EpochKeyCache(std::int64_t epoch_seconds = kDefaultEpochSeconds);

  // The data key for copies to `recipient` received at `now_ms`:
  //  * the cached key if it is of this epoch and was sealed to exactly this key;
  //  * else a new key, which replaces the recipient's cached one (an older epoch, or another
  //    recipient key: a rotation);
  //  * but a key of an epoch older than the newest asked for (the clock went back, or two
  //    submissions straddle the boundary) serves that copy only and is not kept.
  // The first call of an epoch later than any seen drops every key of an older epoch.
  // Errors: DataKey::generate's.
  Result<std::shared_ptr<const DataKey>> key_for(const RecipientKey& recipient,
                                                 std::int64_t now_ms);

  std::int64_t epoch_seconds() const { return epoch_seconds_; }
  std::size_t size() const;  // keys held

 private:
  std::int64_t epoch_seconds_;
  mutable std::mutex mutex_;
  std::int64_t newest_epoch_ =
      std::numeric_limits<std::int64_t>::min();  // the latest epoch asked for
  std::map<std::string, std::shared_ptr<const DataKey>, std::less<>> by_recipient_;
};

}  // namespace accord::crypto
