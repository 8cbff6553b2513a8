#include "accord/crypto/epoch_keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "accord/crypto/bytes.hpp"

namespace accord::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

Result<std::shared_ptr<const DataKey>> DataKey::generate(const RecipientKey& recipient,
                                                         std::int64_t epoch) {
  ensure_sodium();
  std::shared_ptr<DataKey> key(new DataKey());
  // Guard pages and mlock: the key is not swapped out and an overread does not reach it.
  key->bytes_ =
      static_cast<unsigned char*>(sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES));
  if (key->bytes_ == nullptr) {
    return make_error("encryption_failed", "no secure memory for a data key (sodium_malloc)");
  }
  crypto_aead_xchacha20poly1305_ietf_keygen(key->bytes_);
  std::array<unsigned char, crypto_box_SEALBYTES + crypto_aead_xchacha20poly1305_ietf_KEYBYTES>
      wrapped;
  if (crypto_box_seal(wrapped.data(), key->bytes_, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
                      recipient.public_key.data()) != 0) {
    return make_error("encryption_failed",
                      "crypto_box_seal failed (invalid public key " + recipient.kid + ")");
  }
  // Read-only from here on: several threads read it at once, none may write.
  sodium_mprotect_readonly(key->bytes_);
  key->wrapped_key_b64_ = to_base64(wrapped);
  key->recipient_ = recipient;
  key->epoch_ = epoch;
  return std::shared_ptr<const DataKey>(std::move(key));
}

DataKey::~DataKey() {
  if (bytes_ != nullptr) sodium_free(bytes_);  // zeroes the key before unmapping it
}

bool DataKey::sealed_to(const RecipientKey& key) const {
  return recipient_.agency == key.agency && recipient_.kid == key.kid &&
         recipient_.public_key == key.public_key;
}

std::int64_t epoch_number(std::int64_t now_ms, std::int64_t epoch_seconds) {
  const std::int64_t length_ms = epoch_seconds * 1000;
  const std::int64_t q = now_ms / length_ms;
  return (now_ms % length_ms < 0) ? q - 1 : q;
}

EpochKeyCache::EpochKeyCache(std::int64_t epoch_seconds)
    : epoch_seconds_(std::clamp<std::int64_t>(epoch_seconds, 1, kMaxEpochSeconds)) {}

Result<std::shared_ptr<const DataKey>> EpochKeyCache::key_for(const RecipientKey& recipient,
                                                              std::int64_t now_ms) {
  const std::int64_t epoch = epoch_number(now_ms, epoch_seconds_);
  {
    std::lock_guard lock(mutex_);
    auto it = by_recipient_.find(recipient.agency);
    if (it != by_recipient_.end() && it->second->epoch() == epoch &&
        it->second->sealed_to(recipient)) {
      return it->second;
    }
  }
  // The seal (~60 µs) runs outside the lock; two threads missing at once each draw one, the
  // first to insert wins and the other's key is wiped unused.
  auto fresh = DataKey::generate(recipient, epoch);
  if (!fresh.ok()) return fresh.error();
  std::lock_guard lock(mutex_);
  if (epoch > newest_epoch_) {
    newest_epoch_ = epoch;
    std::erase_if(by_recipient_, [&](const auto& entry) { return entry.second->epoch() < epoch; });
  }
  // A late copy of an older epoch (the clock went back, or two submissions straddle the
  // boundary) gets a key of its own that is not kept.
  if (epoch < newest_epoch_) return fresh;
  auto [it, inserted] = by_recipient_.try_emplace(recipient.agency, fresh.value());
  if (inserted) return fresh;
  const auto& cached = it->second;
  if (cached->epoch() == epoch && cached->sealed_to(recipient)) return cached;
  it->second = fresh.value();  // a newer epoch, or a rotated recipient key
  return fresh;
}

std::size_t EpochKeyCache::size() const {
  std::lock_guard lock(mutex_);
  return by_recipient_.size();
}

}  // namespace accord::crypto
