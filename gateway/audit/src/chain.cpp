#include "accord/audit/chain.hpp"

#include <sodium.h>

#include "accord/crypto/bytes.hpp"

namespace accord::audit {

Digest record_digest(std::string_view record) {
  Digest out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(record.data()),
                     record.size());
  return out;
}

Digest chain_next(const Digest& previous, const Digest& digest) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(kChainDomain.data()),
                            kChainDomain.size());
  crypto_hash_sha256_update(&state, previous.data(), previous.size());
  crypto_hash_sha256_update(&state, digest.data(), digest.size());
  Digest out{};
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

std::string to_hex(const Digest& digest) {
  return crypto::to_hex(digest);
}

Result<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) return make_error("bad_hex", "a digest is 64 hex digits");
  Digest out{};
  for (std::size_t i = 0; i < 32; ++i) {
    int byte = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return make_error("bad_hex", "not a hex digit in a digest");
      byte = byte * 16 + v;
    }
    out[i] = static_cast<unsigned char>(byte);
  }
  return out;
}

}  // namespace accord::audit
