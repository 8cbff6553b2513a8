// A Merkle tree over copy hashes, RFC 6962 §2.1 style, for the batch-signature lever of
// issue 20 (bench only: nothing the gateway delivers uses it; results in
// /work/prompts20/results/peers.md). leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l
// || r); the distinct prefixes keep a node from passing for a leaf (second preimage).
//
// Built level by level with a level's unpaired last node carried up unchanged: the same tree
// (and root, and audit paths) as RFC 6962's split at the largest power of two below n, without
// recursion. Checked against the RFC 6962 test vectors and RFC 9162's verifier by
// bench_merkle's self-check, which every run does first.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace accord::bench::merkle {

using Hash = std::array<unsigned char, 32>;

inline Hash sha256(std::span<const unsigned char> bytes) {
  Hash out;
  crypto_hash_sha256(out.data(), bytes.data(), bytes.size());
  return out;
}

// SHA-256(0x00 || data): a leaf. `data` is a copy hash in the lever; any bytes in the vectors.
inline Hash leaf_hash(std::span<const unsigned char> data) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const unsigned char prefix = 0x00;
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, data.data(), data.size());
  Hash out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

// SHA-256(0x00 || salt || copy_hash): a blinded leaf. The salt travels only in its own copy,
// so the other leaves a proof reveals are commitments nobody else can test guesses against.
inline Hash salted_leaf_hash(const Hash& salt, const Hash& copy_hash) {
  unsigned char in[1 + 32 + 32];
  in[0] = 0x00;
  std::memcpy(in + 1, salt.data(), 32);
  std::memcpy(in + 33, copy_hash.data(), 32);
  return sha256(in);
}

// SHA-256(0x01 || left || right).
inline Hash node_hash(const Hash& left, const Hash& right) {
  unsigned char in[1 + 32 + 32];
  in[0] = 0x01;
  std::memcpy(in + 1, left.data(), 32);
  std::memcpy(in + 33, right.data(), 32);
  return sha256(in);
}

class Tree {
 public:
  // `leaves` are leaf hashes (leaf_hash / salted_leaf_hash), at least one.
  void build(std::span<const Hash> leaves) {
    levels_.resize(1);
    levels_[0].assign(leaves.begin(), leaves.end());
    std::size_t l = 0;
    while (levels_[l].size() > 1) {
      if (levels_.size() < l + 2) levels_.emplace_back();
      auto& up = levels_[l + 1];
      const auto& down = levels_[l];
      up.clear();
      for (std::size_t i = 0; i + 1 < down.size(); i += 2)
        up.push_back(node_hash(down[i], down[i + 1]));
      if (down.size() % 2 == 1) up.push_back(down.back());  // carried up, not hashed again
      ++l;
    }
    levels_.resize(l + 1);
  }
  const Hash& root() const { return levels_.back().front(); }
  std::size_t size() const { return levels_.front().size(); }

  // The audit path of leaf `index`, bottom up (RFC 6962 §2.1.1), into `out` (cleared).
  void path(std::size_t index, std::vector<Hash>& out) const {
    out.clear();
    for (std::size_t l = 0; l + 1 < levels_.size(); ++l, index >>= 1) {
      const std::size_t sibling = index ^ 1;
      if (sibling < levels_[l].size()) out.push_back(levels_[l][sibling]);
    }
  }

 private:
  std::vector<std::vector<Hash>> levels_;
};

// RFC 9162 §2.1.3.2: does `path` prove that `leaf` is leaf `index` of the tree of `size`
// leaves whose root is `root`? Independent of Tree, so the self-check tests one with the other.
inline bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                             std::span<const Hash> path, const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

// What the one signature would cover: LP("accord-delivery-batch-v1") || u64be(tree size) ||
// root. Its own tag keeps it from ever equalling a per-copy signing input
// (LP("accord-delivery-v1") || ..., docs/field-encryption.md §4.1), and the size fixes the
// tree's shape, so a path cannot be read against a tree of another size.
inline constexpr std::string_view kBatchTag = "accord-delivery-batch-v1";
inline constexpr std::size_t kRootMessageSize = 4 + kBatchTag.size() + 8 + 32;

inline std::array<unsigned char, kRootMessageSize> root_message(std::uint64_t size,
                                                                const Hash& root) {
  std::array<unsigned char, kRootMessageSize> m{};
  std::size_t at = 0;
  const auto tag_len = static_cast<std::uint32_t>(kBatchTag.size());
  for (int s = 24; s >= 0; s -= 8) m[at++] = static_cast<unsigned char>(tag_len >> s);
  std::memcpy(m.data() + at, kBatchTag.data(), kBatchTag.size());
  at += kBatchTag.size();
  for (int s = 56; s >= 0; s -= 8) m[at++] = static_cast<unsigned char>(size >> s);
  std::memcpy(m.data() + at, root.data(), 32);
  return m;
}

}  // namespace accord::bench::merkle
