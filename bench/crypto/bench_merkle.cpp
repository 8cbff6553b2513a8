// The Merkle batch-signature lever of issue 20, bench only (no delivered format changes):
// for a batch of k copies, (a) k Ed25519 signatures, one per copy's signing input
// (docs/field-encryption.md §4.1, what the gateway does today) against (b) one RFC 6962 tree
// over the k copy hashes (docs/receipts.md §1), one signature over its root and k inclusion
// proofs; and each one's verifier: (a) one verify over the signing input, (b) the copy hash,
// its leaf, log2 k node hashes and one verify over the 68-byte root message.
//
// The copy hash is SHA-256 of the signing input, which the gateway computes for every copy
// today (receipts), so (b)'s signing kernels start from it; the verifier of (b) must compute
// it, so its kernel includes it. Signing inputs are real ones: the 1 KB sample case update
// of bench_crypto as copies of 64 messages to two recipients.
//
// Run:  build/bench/crypto/bench_merkle [Google Benchmark flags]      (CPU time)
//       build/bench/crypto/bench_merkle --instructions KERNEL K N    (for callgrind:
//         KERNEL = sign_each | sign_batch | sign_batch_salted | verify_each | verify_batch,
//         runs it N times on batches of K with collection on only around the loop; run
//         under valgrind --tool=callgrind --collect-atstart=no, see merkle_instructions.sh)
// Every run starts with a self-check (RFC 6962 vectors, every proof of trees of 1..70
// leaves, tampered proofs refused) and exits 1 if it fails.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/signing_input.hpp"
#include "accord/envelope/codec.hpp"
#include "merkle.hpp"
#include "sample_envelope.hpp"

namespace {

using namespace accord;
using bench::merkle::Hash;

const char* const kEnvelope = bench::kSampleEnvelope;

constexpr std::size_t kMaxBatch = 64;

// k signing inputs (copies of messages to two recipients), their copy hashes, a key pair.
struct Batch {
  std::vector<std::string> inputs;
  std::vector<Hash> copy_hashes;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];

  Batch() {
    const auto copy = *crypto::decode_delivered(kEnvelope);
    const char* recipients[] = {"provider.lvws", "cps.london"};
    for (std::size_t i = 0; i < kMaxBatch; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "msg-bench-%04zu", i / 2);
      crypto::DeliveryInfo info{"police.met", recipients[i % 2], id, "2026-11-22T09:30:00.123Z"};
      inputs.push_back(crypto::delivery_signing_input(info, copy));
      copy_hashes.push_back(bench::merkle::sha256(
          {reinterpret_cast<const unsigned char*>(inputs.back().data()), inputs.back().size()}));
    }
    crypto_sign_keypair(pk, sk);
  }
  std::span<const unsigned char> input(std::size_t i) const {
    return {reinterpret_cast<const unsigned char*>(inputs[i].data()), inputs[i].size()};
  }
};

// What one batch produces under (b): the root's signature and every copy's proof.
struct BatchSignature {
  std::vector<Hash> leaves;
  bench::merkle::Tree tree;
  unsigned char sig[crypto_sign_BYTES];
  std::vector<std::vector<Hash>> proofs;
  std::vector<Hash> salts;
};

// (a): one signature per copy.
[[gnu::noinline]] void sign_each(const Batch& b, std::size_t k,
                                 std::vector<std::array<unsigned char, 64>>& sigs) {
  for (std::size_t i = 0; i < k; ++i) {
    const auto in = b.input(i);
    crypto_sign_detached(sigs[i].data(), nullptr, in.data(), in.size(), b.sk);
  }
}

// (b): leaves from the copy hashes (salted: a fresh 32-byte salt per copy), tree, one
// signature over the root message, one proof per copy.
[[gnu::noinline]] void sign_batch(const Batch& b, std::size_t k, bool salted, BatchSignature& out) {
  out.leaves.resize(k);
  out.salts.resize(salted ? k : 0);
  for (std::size_t i = 0; i < k; ++i) {
    if (salted) {
      randombytes_buf(out.salts[i].data(), 32);
      out.leaves[i] = bench::merkle::salted_leaf_hash(out.salts[i], b.copy_hashes[i]);
    } else {
      out.leaves[i] = bench::merkle::leaf_hash(b.copy_hashes[i]);
    }
  }
  out.tree.build(out.leaves);
  const auto m = bench::merkle::root_message(k, out.tree.root());
  crypto_sign_detached(out.sig, nullptr, m.data(), m.size(), b.sk);
  out.proofs.resize(k);
  for (std::size_t i = 0; i < k; ++i) out.tree.path(i, out.proofs[i]);
}

// (a)'s verifier: one copy, one verify over its signing input.
[[gnu::noinline]] bool verify_each(const Batch& b, std::size_t i, const unsigned char* sig) {
  const auto in = b.input(i);
  return crypto_sign_verify_detached(sig, in.data(), in.size(), b.pk) == 0;
}

// (b)'s verifier: one copy of a batch of k: its copy hash, its leaf, the path, the root's
// signature.
[[gnu::noinline]] bool verify_batch(const Batch& b, std::size_t i, std::size_t k,
                                    const BatchSignature& s) {
  const Hash copy_hash = bench::merkle::sha256(b.input(i));
  const Hash leaf = s.salts.empty() ? bench::merkle::leaf_hash(copy_hash)
                                    : bench::merkle::salted_leaf_hash(s.salts[i], copy_hash);
  Hash root = leaf;  // rebuilt from the path by the RFC 9162 walk, then checked by signature
  std::uint64_t fn = i, sn = k - 1;
  for (const Hash& p : s.proofs[i]) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      root = bench::merkle::node_hash(p, root);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      root = bench::merkle::node_hash(root, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return false;
  const auto m = bench::merkle::root_message(k, root);
  return crypto_sign_verify_detached(s.sig, m.data(), m.size(), b.pk) == 0;
}

// --- self-check ----------------------------------------------------------------------------

Hash from_hex(std::string_view hex) {
  Hash h{};
  sodium_hex2bin(h.data(), h.size(), hex.data(), hex.size(), nullptr, nullptr, nullptr);
  return h;
}

bool self_check() {
  // RFC 6962's test data (certificate-transparency merkle_tree_test): roots of the first
  // 1..8 of these leaves.
  const char* data_hex[] = {"",
                            "00",
                            "10",
                            "2021",
                            "3031",
                            "40414243",
                            "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f"};
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<Hash> leaves;
  for (std::size_t n = 1; n <= 8; ++n) {
    std::vector<unsigned char> d(std::string_view(data_hex[n - 1]).size() / 2);
    sodium_hex2bin(d.data(), d.size(), data_hex[n - 1], std::string_view(data_hex[n - 1]).size(),
                   nullptr, nullptr, nullptr);
    leaves.push_back(bench::merkle::leaf_hash(d));
    bench::merkle::Tree t;
    t.build(leaves);
    if (t.root() != from_hex(roots[n - 1])) {
      std::fprintf(stderr, "self-check: RFC 6962 root of %zu leaves differs\n", n);
      return false;
    }
  }
  // Every proof of every tree of 1..70 leaves verifies, not at another index, not altered.
  // (Not "not at another size": leaf 0's path in a tree of 3 also walks to the same root as
  // a tree of 4, which is why the signed root message carries the size.)
  std::vector<Hash> path;
  for (std::size_t n = 1; n <= 70; ++n) {
    std::vector<Hash> ls(n);
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char b[2] = {static_cast<unsigned char>(n), static_cast<unsigned char>(i)};
      ls[i] = bench::merkle::leaf_hash(b);
    }
    bench::merkle::Tree t;
    t.build(ls);
    for (std::size_t i = 0; i < n; ++i) {
      t.path(i, path);
      const bool ok = bench::merkle::verify_inclusion(ls[i], i, n, path, t.root());
      const bool wrong_index =
          n > 1 && bench::merkle::verify_inclusion(ls[i], (i + 1) % n, n, path, t.root());

      bool tampered = false;
      if (!path.empty()) {
        auto bad = path;
        bad[0][0] ^= 1;
        tampered = bench::merkle::verify_inclusion(ls[i], i, n, bad, t.root());
      }
      if (!ok || wrong_index || tampered) {
        std::fprintf(stderr,
                     "self-check: tree of %zu, leaf %zu: ok %d, wrong index %d, tampered %d\n", n,
                     i, ok, wrong_index, tampered);
        return false;
      }
    }
  }
  // An inner node's preimage presented as leaf data (the second preimage the 0x00 / 0x01
  // prefixes stop): with leaves a, b, c, d, the data n01's children a || b must not prove
  // itself leaf 0 of a 2-leaf tree whose other leaf is n23, which has the same root.
  {
    std::vector<Hash> ls(4);
    for (unsigned char i = 0; i < 4; ++i) ls[i] = bench::merkle::leaf_hash(std::span(&i, 1));
    bench::merkle::Tree t;
    t.build(ls);
    std::vector<unsigned char> ab(ls[0].begin(), ls[0].end());
    ab.insert(ab.end(), ls[1].begin(), ls[1].end());
    const Hash n23 = bench::merkle::node_hash(ls[2], ls[3]);
    if (bench::merkle::verify_inclusion(bench::merkle::leaf_hash(ab), 0, 2, std::span(&n23, 1),
                                        t.root())) {
      std::fprintf(stderr, "self-check: an inner node passed for a leaf\n");
      return false;
    }
  }
  // The batch kernels agree with their verifiers, salted and not, for every k measured.
  const Batch b;
  std::vector<std::array<unsigned char, 64>> sigs(kMaxBatch);
  for (const std::size_t k : {1, 2, 3, 8, 16, 64}) {
    sign_each(b, k, sigs);
    for (const bool salted : {false, true}) {
      BatchSignature s;
      sign_batch(b, k, salted, s);
      for (std::size_t i = 0; i < k; ++i) {
        if (!verify_each(b, i, sigs[i].data()) || !verify_batch(b, i, k, s)) {
          std::fprintf(stderr, "self-check: batch of %zu, copy %zu does not verify\n", k, i);
          return false;
        }
        // The signed size pins the shape: the same proof claimed under size k + 1 fails.
        if (k < kMaxBatch && verify_batch(b, i, k + 1, s)) {
          std::fprintf(stderr, "self-check: copy %zu verified under another tree size\n", i);
          return false;
        }
        // Another copy's proof does not carry this copy.
        if (k > 1 && s.proofs[i] != s.proofs[(i + 1) % k]) {
          BatchSignature swapped = s;
          swapped.proofs[i] = s.proofs[(i + 1) % k];
          if (verify_batch(b, i, k, swapped)) {
            std::fprintf(stderr, "self-check: copy %zu verified with another's proof\n", i);
            return false;
          }
        }
      }
    }
  }
  return true;
}

// --- Google Benchmark kernels (CPU per batch; items = copies) ------------------------------

const Batch& batch() {
  static const Batch b;
  return b;
}

void BM_sign_each(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  std::vector<std::array<unsigned char, 64>> sigs(k);
  for (auto _ : state) {
    sign_each(batch(), k, sigs);
    benchmark::DoNotOptimize(sigs.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_sign_batch(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  BatchSignature s;
  for (auto _ : state) {
    sign_batch(batch(), k, false, s);
    benchmark::DoNotOptimize(s.sig);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_sign_batch_salted(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  BatchSignature s;
  for (auto _ : state) {
    sign_batch(batch(), k, true, s);
    benchmark::DoNotOptimize(s.sig);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// One copy per iteration: the last of the batch (the longest path when k is a power of two).
void BM_verify_each(benchmark::State& state) {
  std::vector<std::array<unsigned char, 64>> sigs(kMaxBatch);
  sign_each(batch(), kMaxBatch, sigs);
  const auto i = static_cast<std::size_t>(state.range(0)) - 1;
  for (auto _ : state) benchmark::DoNotOptimize(verify_each(batch(), i, sigs[i].data()));
  state.SetItemsProcessed(state.iterations());
}

void BM_verify_batch(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  BatchSignature s;
  sign_batch(batch(), k, false, s);
  for (auto _ : state) benchmark::DoNotOptimize(verify_batch(batch(), k - 1, k, s));
  state.SetItemsProcessed(state.iterations());
}

// The copy hash alone (SHA-256 of one ~1.1 KB signing input), paid today for every copy.
void BM_copy_hash(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(bench::merkle::sha256(batch().input(0)));
  state.SetItemsProcessed(state.iterations());
}

#define ACCORD_BATCHES Arg(1)->Arg(2)->Arg(8)->Arg(16)->Arg(64)
BENCHMARK(BM_sign_each)->ACCORD_BATCHES;
BENCHMARK(BM_sign_batch)->ACCORD_BATCHES;
BENCHMARK(BM_sign_batch_salted)->ACCORD_BATCHES;
BENCHMARK(BM_verify_each)->ACCORD_BATCHES;
BENCHMARK(BM_verify_batch)->ACCORD_BATCHES;
BENCHMARK(BM_copy_hash);

// --- instruction mode ------------------------------------------------------------------------

int instructions(std::string_view kernel, std::size_t k, std::size_t n) {
  if (k < 1 || k > kMaxBatch || n < 1) {
    std::fprintf(stderr, "bench_merkle: K must be 1..%zu and N at least 1\n", kMaxBatch);
    return 64;
  }
  const Batch& b = batch();
  std::vector<std::array<unsigned char, 64>> sigs(kMaxBatch);
  sign_each(b, kMaxBatch, sigs);
  BatchSignature s;
  sign_batch(b, k, false, s);
  unsigned sink = 0;
  CALLGRIND_TOGGLE_COLLECT;
  if (kernel == "sign_each") {
    for (std::size_t r = 0; r < n; ++r) sign_each(b, k, sigs);
  } else if (kernel == "sign_batch" || kernel == "sign_batch_salted") {
    for (std::size_t r = 0; r < n; ++r) sign_batch(b, k, kernel == "sign_batch_salted", s);
  } else if (kernel == "verify_each") {
    for (std::size_t r = 0; r < n; ++r) sink += verify_each(b, k - 1, sigs[k - 1].data());
  } else if (kernel == "verify_batch") {
    for (std::size_t r = 0; r < n; ++r) sink += verify_batch(b, k - 1, k, s);
  } else {
    CALLGRIND_TOGGLE_COLLECT;
    std::fprintf(stderr, "bench_merkle: unknown kernel %.*s\n", static_cast<int>(kernel.size()),
                 kernel.data());
    return 64;
  }
  CALLGRIND_TOGGLE_COLLECT;
  const bool verifies = kernel.rfind("verify", 0) != 0 || sink == n;
  std::printf("%.*s k=%zu n=%zu%s\n", static_cast<int>(kernel.size()), kernel.data(), k, n,
              verifies ? "" : " VERIFY FAILED");
  return verifies ? 0 : 1;
}

// --vector K: one salted batch of K copies as JSON, for merkle_verify.py (PyNaCl + hashlib
// only) to check the construction independently of this code.
std::string hex(std::span<const unsigned char> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

int vector(std::size_t k) {
  if (k < 1 || k > kMaxBatch) {
    std::fprintf(stderr, "bench_merkle: K must be 1..%zu\n", kMaxBatch);
    return 64;
  }
  const Batch& b = batch();
  BatchSignature s;
  sign_batch(b, k, true, s);
  std::printf("{\"public_key\":\"%s\",\"size\":%zu,\"root\":\"%s\",\"sig\":\"%s\",\"copies\":[",
              hex({b.pk, sizeof b.pk}).c_str(), k, hex(s.tree.root()).c_str(),
              hex({s.sig, sizeof s.sig}).c_str());
  for (std::size_t i = 0; i < k; ++i) {
    std::printf("%s{\"index\":%zu,\"signing_input\":\"%s\",\"salt\":\"%s\",\"path\":[",
                i ? "," : "", i, hex(b.input(i)).c_str(), hex(s.salts[i]).c_str());
    for (std::size_t j = 0; j < s.proofs[i].size(); ++j) {
      std::printf("%s\"%s\"", j ? "," : "", hex(s.proofs[i][j]).c_str());
    }
    std::printf("]}");
  }
  std::printf("]}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  if (!self_check()) return 1;
  if (argc == 5 && std::string_view(argv[1]) == "--instructions") {
    return instructions(argv[2], std::strtoul(argv[3], nullptr, 10),
                        std::strtoul(argv[4], nullptr, 10));
  }
  if (argc == 3 && std::string_view(argv[1]) == "--vector") {
    return vector(std::strtoul(argv[2], nullptr, 10));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 64;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
