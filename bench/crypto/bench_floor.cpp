// The crypto floor: per-message cost of every step a gateway doing TLS + parse + decide +
// seal + sign + audit chain + durable write must pay, each measured on the 1 KB case update
// that `accord bench` sends (accord::bench::EnvelopeGenerator), under the sample agreements
// (config/agreements). docs/benchmarks.md sums these into the floor.
//
// Run: build/bench/crypto/bench_floor   (ACCORD_SOURCE_DIR overrides the repo root; the fsync
// kernels write a temporary file under $TMPDIR or /tmp, on the same disk as a /tmp spool)
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/source_files.hpp"
#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/decision.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/audit/chain.hpp"
#include "accord/bench/envelope_gen.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/envelope/codec.hpp"

namespace {

using namespace accord;
namespace fs = std::filesystem;

using bench::read_file;
using bench::source_dir;

// The body accord bench sends first: suspect.arrested from police.met, exactly 1,024 bytes.
const std::string& body() {
  static const std::string b = [] {
    auto gen = bench::EnvelopeGenerator::create({"floor", "police.met", {}, 1024});
    if (!gen) std::abort();
    return gen->make(0);
  }();
  return b;
}

const envelope::Vocabulary& vocabulary() {
  static const envelope::Vocabulary v = [] {
    auto r = envelope::Vocabulary::parse(read_file(source_dir() + "/config/vocabulary.yaml"));
    if (!r) std::abort();
    return std::move(*r);
  }();
  return v;
}

const envelope::Envelope& decoded() {
  static const envelope::Envelope e = [] {
    auto r = envelope::decode(body(), vocabulary());
    if (!r) std::abort();
    return std::move(*r);
  }();
  return e;
}

// ---- TLS 1.3 record protection: what libssl does per record, straight on EVP -------------

// One direction of a TLS 1.3 connection: a key, a static IV, a sequence number. seal() and
// open() build the record exactly as RFC 8446 §5.2 says: nonce = IV xor seq, additional data
// = the 5-byte record header, plaintext = content || content type, 16-byte tag appended.
class RecordProtection {
 public:
  using Key = std::array<unsigned char, 32>;
  using Iv = std::array<unsigned char, 12>;
  // The key schedule runs once here, as in libssl; per record only the nonce changes.
  RecordProtection(const EVP_CIPHER* cipher, const Key& key, const Iv& iv, bool encrypt)
      : ctx_(EVP_CIPHER_CTX_new()), iv_(iv) {
    if (EVP_CIPHER_get_key_length(cipher) > static_cast<int>(key.size()) ||
        EVP_CipherInit_ex(ctx_, cipher, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1) {
      std::abort();
    }
  }
  ~RecordProtection() { EVP_CIPHER_CTX_free(ctx_); }
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;

  // content -> ciphertext of (content || content type) || tag, in `out`.
  bool seal(const std::string& content, std::string& out, std::uint64_t seq) {
    const std::size_t n = content.size() + 1;
    out.resize(n + 16);
    const auto header = record_header(n + 16);
    const auto nonce = nonce_for(seq);
    const unsigned char type = 0x17;  // application_data
    int len = 0, more = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    return EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_EncryptUpdate(ctx_, nullptr, &len, header.data(), 5) == 1 &&
           EVP_EncryptUpdate(ctx_, o, &len, reinterpret_cast<const unsigned char*>(content.data()),
                             static_cast<int>(content.size())) == 1 &&
           EVP_EncryptUpdate(ctx_, o + len, &more, &type, 1) == 1 &&
           EVP_EncryptFinal_ex(ctx_, o + len + more, &more) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, 16, o + n) == 1;
  }

  // record (without header) -> content || content type, in `plain`; false if forged.
  bool open(const std::string& record, std::string& plain, std::uint64_t seq) {
    const std::size_t n = record.size() - 16;
    plain.resize(n);
    const auto header = record_header(record.size());
    const auto nonce = nonce_for(seq);
    int len = 0;
    auto* p = reinterpret_cast<unsigned char*>(plain.data());
    const auto* r = reinterpret_cast<const unsigned char*>(record.data());
    return EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_DecryptUpdate(ctx_, nullptr, &len, header.data(), 5) == 1 &&
           EVP_DecryptUpdate(ctx_, p, &len, r, static_cast<int>(n)) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, 16,
                               const_cast<unsigned char*>(r + n)) == 1 &&
           EVP_DecryptFinal_ex(ctx_, p + len, &len) == 1;
  }

 private:
  static std::array<unsigned char, 5> record_header(std::size_t length) {
    return {0x17, 0x03, 0x03, static_cast<unsigned char>(length >> 8),
            static_cast<unsigned char>(length & 0xff)};
  }
  Iv nonce_for(std::uint64_t seq) const {
    auto nonce = iv_;
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<unsigned char>(seq >> (8 * i));
    return nonce;
  }

  EVP_CIPHER_CTX* ctx_;
  Iv iv_;
};

struct Keys {
  RecordProtection::Key key;
  RecordProtection::Iv iv;
  Keys() {
    randombytes_buf(key.data(), key.size());
    randombytes_buf(iv.data(), iv.size());
  }
};

// 0: AES-128-GCM, 1: ChaCha20-Poly1305 (the two the brief names), 2: AES-256-GCM (OpenSSL's
// first TLS 1.3 preference, so what an OpenSSL client and server actually agree on).
const EVP_CIPHER* cipher_for(int which) {
  return which == 0 ? EVP_aes_128_gcm() : which == 1 ? EVP_chacha20_poly1305() : EVP_aes_256_gcm();
}
const char* cipher_name(int which) {
  return which == 0 ? "AES-128-GCM" : which == 1 ? "ChaCha20-Poly1305" : "AES-256-GCM";
}

void BM_tls13_record_seal_1KB(benchmark::State& state) {
  const Keys k;
  RecordProtection p(cipher_for(static_cast<int>(state.range(0))), k.key, k.iv, true);
  std::string out;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    if (!p.seal(body(), out, seq++)) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(cipher_name(static_cast<int>(state.range(0))));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body().size()));
}
BENCHMARK(BM_tls13_record_seal_1KB)->Arg(0)->Arg(1)->Arg(2);

void BM_tls13_record_open_1KB(benchmark::State& state) {
  const EVP_CIPHER* c = cipher_for(static_cast<int>(state.range(0)));
  const Keys k;
  RecordProtection sender(c, k.key, k.iv, true), receiver(c, k.key, k.iv, false);
  std::string record, plain;
  if (!sender.seal(body(), record, 7)) state.SkipWithError("seal failed");
  for (auto _ : state) {
    if (!receiver.open(record, plain, 7)) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(plain.data());
  }
  state.SetLabel(cipher_name(static_cast<int>(state.range(0))));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body().size()));
}
BENCHMARK(BM_tls13_record_open_1KB)->Arg(0)->Arg(1)->Arg(2);

// ---- parse, decide ------------------------------------------------------------------------

void BM_envelope_decode_1KB(benchmark::State& state) {
  const auto& v = vocabulary();
  for (auto _ : state) {
    auto e = envelope::decode(body(), v);
    if (!e) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(e);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body().size()));
}
BENCHMARK(BM_envelope_decode_1KB);

const agreements::AgreementSet& sample_agreements() {
  static const agreements::AgreementSet set = [] {
    std::vector<agreements::SourceText> sources;
    for (const auto& f : fs::directory_iterator(source_dir() + "/config/agreements")) {
      if (f.path().extension() == ".yaml") sources.push_back({f.path(), read_file(f.path())});
    }
    auto loaded = agreements::parse_all(sources);
    if (loaded.agreements.empty()) std::abort();
    return agreements::AgreementSet(std::move(loaded.agreements));
  }();
  return set;
}

const agreements::Instant kNow = *agreements::parse_instant("2026-11-22T12:00:00Z");

// One decide() for one recipient copy (the sample agreements' first recipient of the event).
void BM_decide_per_copy(benchmark::State& state) {
  const auto& set = sample_agreements();
  const auto& e = decoded();
  const auto recipients = agreements::recipients_for(e, "police.met", set, kNow);
  if (recipients.empty()) {
    state.SkipWithError("no recipient under the sample agreements");
    return;
  }
  for (auto _ : state) {
    auto d = agreements::decide(e, "police.met", recipients.front(), set, kNow);
    if (!d.allowed) state.SkipWithError("denied");
    benchmark::DoNotOptimize(d);
  }
  state.SetLabel(e.type + " -> " + recipients.front() + " (" + std::to_string(recipients.size()) +
                 " recipients)");
}
BENCHMARK(BM_decide_per_copy);

// ---- seal, sign, chain --------------------------------------------------------------------

// Floor of sealing one field for one recipient: a fresh key sealed to the recipient
// (crypto_box_seal: X25519 + XSalsa20-Poly1305) and the field under it (XChaCha20-Poly1305).
void BM_floor_seal_field(benchmark::State& state) {
  unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(pk, sk);
  const std::string field = "\"07700 900123\"";
  unsigned char key[32], sealed[32 + crypto_box_SEALBYTES], nonce[24];
  std::vector<unsigned char> ct(field.size() + 16);
  unsigned long long len = 0;
  for (auto _ : state) {
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    crypto_box_seal(sealed, key, sizeof key, pk);
    randombytes_buf(nonce, sizeof nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), &len,
                                               reinterpret_cast<const unsigned char*>(field.data()),
                                               field.size(), nullptr, 0, nullptr, nonce, key);
    benchmark::DoNotOptimize(sealed);
    benchmark::DoNotOptimize(ct.data());
  }
}
BENCHMARK(BM_floor_seal_field);

// Ours: accord-fe-1 for one recipient copy with one protected field.
void BM_seal_field(benchmark::State& state) {
  const auto key = *crypto::generate_agency_key("provider.lvws", 0);
  const envelope::Field field{"victim.contact.phone", "\"07700 900123\""};
  for (auto _ : state) {
    auto enc = crypto::make_field_encryptor(key.pub, {"msg-1", "police.met", "provider.lvws"});
    if (!enc) state.SkipWithError("encryptor");
    auto out = (*enc)(field);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_seal_field);

void BM_floor_ed25519_sign_copy(benchmark::State& state) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_keypair(pk, sk);
  const std::string msg = body() + std::string(100, 'x');  // the copy + delivery metadata
  for (auto _ : state) {
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), sk);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_floor_ed25519_sign_copy);

// The same signature through OpenSSL 3 (EVP_DigestSign with an Ed25519 key made from the same
// seed): byte-identical (Ed25519 is deterministic), so the gateway could switch without a
// format change if it were cheaper. Measured at twice libsodium's time (docs/benchmarks.md
// (n)), which is why it does not.
void BM_ed25519_sign_copy_openssl(benchmark::State& state) {
  unsigned char pk[32], sk[64], sig[64], sodium_sig[64];
  crypto_sign_keypair(pk, sk);
  const std::string msg = body() + std::string(100, 'x');
  const auto* bytes = reinterpret_cast<const unsigned char*>(msg.data());
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, sk, 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  crypto_sign_detached(sodium_sig, nullptr, bytes, msg.size(), sk);
  bool signed_ok = key != nullptr && ctx != nullptr;
  for (auto _ : state) {
    std::size_t length = sizeof sig;
    signed_ok = signed_ok && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                EVP_DigestSign(ctx, sig, &length, bytes, msg.size()) == 1;
    if (!signed_ok) break;
    benchmark::DoNotOptimize(sig);
  }
  // Checked once the loop is done: sig is only read after a signature was written into it.
  if (!signed_ok) {
    state.SkipWithError("OpenSSL could not sign with an Ed25519 key");
  } else if (!std::equal(sig, sig + 64, sodium_sig)) {
    state.SkipWithError("not libsodium's signature");
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
}
BENCHMARK(BM_ed25519_sign_copy_openssl);

// A copy's hash (docs/receipts.md §1: SHA-256 of its ~1.1 KB signing input), as receipts'
// copy_hash computes it (libsodium) and as the seal step does since issue 20 (OpenSSL).
void BM_copy_hash_sodium(benchmark::State& state) {
  const std::string input = body() + std::string(100, 'x');
  unsigned char digest[32];
  for (auto _ : state) {
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(BM_copy_hash_sodium);

void BM_copy_hash_openssl(benchmark::State& state) {
  const std::string input = body() + std::string(100, 'x');
  unsigned char digest[32];
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);  // once, as content_hash does
  for (auto _ : state) {
    EVP_Digest(input.data(), input.size(), digest, nullptr, sha256, nullptr);
    benchmark::DoNotOptimize(digest);
  }
  EVP_MD_free(sha256);
}
BENCHMARK(BM_copy_hash_openssl);

// One audit record appended to the chain: d = SHA-256(record), h = SHA-256(domain || h || d)
// (accord::audit, docs/audit-format.md §4), over a 400-byte record.
void BM_audit_chain_step_400B(benchmark::State& state) {
  const std::string record =
      R"({"seq":123456,"at":"2026-11-22T09:30:00.123Z","event":"delivered","message":"bench-1700000000-42-000000001234","type":"suspect.arrested","sender":"police.met","recipient":"wcu.met","agreement":"met-wcu-victim-updates","agreement_version":1,"flow":"victim-updates","fields":{"share":11,"mask":1,"generalise":1,"drop":5},"copy_digest":"3f1c0a9d2b7e4f6a8c5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b","outcome":"queued"})";
  audit::Digest head{};
  for (auto _ : state) {
    head = audit::chain_next(head, audit::record_digest(record));
    benchmark::DoNotOptimize(head);
  }
  state.counters["record_bytes"] = static_cast<double>(record.size());
}
BENCHMARK(BM_audit_chain_step_400B);

// The same two SHA-256 computations through OpenSSL, which uses the CPU's SHA extensions where
// libsodium's SHA-256 is portable C: what the chain step would cost on that implementation.
void BM_floor_chain_step_openssl_400B(benchmark::State& state) {
  const std::string record(419, 'r');
  unsigned char d[32], head[32] = {};
  std::string link(std::string(audit::kChainDomain) + std::string(64, '\0'));
  for (auto _ : state) {
    EVP_Digest(record.data(), record.size(), d, nullptr, EVP_sha256(), nullptr);
    std::copy(head, head + 32, link.begin() + static_cast<long>(audit::kChainDomain.size()));
    std::copy(d, d + 32, link.begin() + static_cast<long>(audit::kChainDomain.size()) + 32);
    EVP_Digest(link.data(), link.size(), head, nullptr, EVP_sha256(), nullptr);
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_floor_chain_step_openssl_400B);

// ---- durable write: 1 KB records, one fdatasync per batch ---------------------------------

// Appends `batch` 1 KB records (one pwrite each) into a preallocated 64 MiB file, cycling, and
// fdatasync()s once: the shape of a WAL commit that carries `batch` messages. Real time is the
// figure that matters (the disk's flush latency); CPU time is what the syscalls cost.
void BM_fdatasync_batch(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/accord-bench-fsync-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    state.SkipWithError("mkstemp");
    return;
  }
  ::unlink(path.c_str());
  constexpr std::size_t kRecord = 1024, kFile = 64u << 20;
  const std::string zeros(1 << 20, '\0');
  for (std::size_t off = 0; off < kFile; off += zeros.size()) {
    if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(off)) < 0) std::abort();
  }
  ::fsync(fd);
  const std::string record(kRecord, 'r');
  std::size_t offset = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) {
      if (::pwrite(fd, record.data(), kRecord, static_cast<off_t>(offset)) < 0) std::abort();
      offset = (offset + kRecord) % kFile;
    }
    if (::fdatasync(fd) != 0) state.SkipWithError("fdatasync");
  }
  ::close(fd);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_fdatasync_batch)->Arg(1)->Arg(16)->Arg(64)->UseRealTime()->MinTime(1.0);

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
