#include "accord/audit/chain.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "accord/crypto/bytes.hpp"

namespace accord::audit {
namespace {

// OpenSSL's SHA-256, fetched once: it uses the CPU's SHA extensions where libsodium's is
// portable C, and the chain hashes every record on the spool writer's path (about 45 % fewer
// instructions per record without the extensions, docs/benchmarks.md (m)). Same bytes.
void sha256(const void* data, std::size_t size, unsigned char* out) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  // Fails only without the default provider or memory: nothing the chain can carry on from.
  if (md == nullptr || EVP_Digest(data, size, out, nullptr, md, nullptr) != 1) std::abort();
}

}  // namespace

Digest record_digest(std::string_view record) {
  Digest out{};
  sha256(record.data(), record.size(), out.data());
  return out;
}

Digest chain_next(const Digest& previous, const Digest& digest) {
  std::array<unsigned char, kChainDomain.size() + 2 * sizeof(Digest)> link{};
  std::memcpy(link.data(), kChainDomain.data(), kChainDomain.size());
  std::memcpy(link.data() + kChainDomain.size(), previous.data(), previous.size());
  std::memcpy(link.data() + kChainDomain.size() + previous.size(), digest.data(), digest.size());
  Digest out{};
  sha256(link.data(), link.size(), out.data());
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
