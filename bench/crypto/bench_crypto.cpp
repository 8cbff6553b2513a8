// The crypto floor (raw libsodium primitives) next to accord-fe-1 and the delivery signature
// on a ~1 KB envelope with 3 protected fields. Run: build/bench/crypto/bench_crypto
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "accord/crypto/bytes.hpp"
#include "accord/crypto/epoch_keys.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/codec.hpp"
#include "sample_envelope.hpp"

namespace {

using namespace accord;

const char* const kEnvelope = bench::kSampleEnvelope;

const std::vector<std::string> kProtected = {"victim.contact.phone", "victim.contact.email",
                                             "victim.contact.address"};

envelope::Envelope sample() {
  return *crypto::decode_delivered(kEnvelope);
}

void BM_floor_box_seal(benchmark::State& state) {
  unsigned char pk[32], sk[32], key[32], out[80];
  crypto_box_keypair(pk, sk);
  randombytes_buf(key, sizeof key);
  for (auto _ : state) {
    crypto_box_seal(out, key, sizeof key, pk);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_floor_box_seal);

void BM_floor_box_seal_open(benchmark::State& state) {
  unsigned char pk[32], sk[32], key[32], sealed[80], out[32];
  crypto_box_keypair(pk, sk);
  randombytes_buf(key, sizeof key);
  crypto_box_seal(sealed, key, sizeof key, pk);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_box_seal_open(out, sealed, sizeof sealed, pk, sk));
  }
}
BENCHMARK(BM_floor_box_seal_open);

void BM_floor_xchacha_encrypt_64B(benchmark::State& state) {
  unsigned char key[32], nonce[24], msg[64] = {}, ad[96] = {}, ct[64 + 16];
  crypto_aead_xchacha20poly1305_ietf_keygen(key);
  unsigned long long len = 0;
  for (auto _ : state) {
    randombytes_buf(nonce, sizeof nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &len, msg, sizeof msg, ad, sizeof ad, nullptr,
                                               nonce, key);
    benchmark::DoNotOptimize(ct);
  }
}
BENCHMARK(BM_floor_xchacha_encrypt_64B);

void BM_floor_ed25519_sign_1KB(benchmark::State& state) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_keypair(pk, sk);
  std::string msg(1100, 'x');
  for (auto _ : state) {
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), sk);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_floor_ed25519_sign_1KB);

void BM_floor_ed25519_verify_1KB(benchmark::State& state) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_keypair(pk, sk);
  std::string msg(1100, 'x');
  const auto* m = reinterpret_cast<const unsigned char*>(msg.data());
  crypto_sign_detached(sig, nullptr, m, msg.size(), sk);
  for (auto _ : state)
    benchmark::DoNotOptimize(crypto_sign_verify_detached(sig, m, msg.size(), pk));
}
BENCHMARK(BM_floor_ed25519_verify_1KB);

void BM_floor_blake2b_1KB(benchmark::State& state) {
  std::string msg(1024, 'x');
  unsigned char h[32];
  for (auto _ : state) {
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       nullptr, 0);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_floor_blake2b_1KB);

// make_field_encryptor + 3 fields, for each of N recipients (one copy each).
void BM_encrypt_envelope(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const auto e = sample();
  std::vector<crypto::AgencySecretKey> keys;
  for (int i = 0; i < state.range(0); ++i) {
    keys.push_back(*crypto::generate_agency_key("provider.r" + std::to_string(i), 0));
  }
  for (auto _ : state) {
    for (const auto& k : keys) {
      auto enc = crypto::make_field_encryptor(k.pub, {e.id, "police.met", k.pub.agency});
      envelope::Envelope copy = e;
      for (auto& f : copy.data) {
        if (std::find(kProtected.begin(), kProtected.end(), f.path) != kProtected.end()) {
          f.json = *(*enc)(f);
        }
      }
      benchmark::DoNotOptimize(copy);
    }
  }
  state.counters["envelope_bytes"] = static_cast<double>(envelope::encode(e).size());
}
BENCHMARK(BM_encrypt_envelope)->Arg(1)->Arg(3);

// Issue 20's A/B of the data key, one copy with the 3 protected fields per iteration:
// per_copy is the gateway before issue 20 (a key drawn and sealed for every copy, the fields'
// objects built as field_encryption.cpp builds them), kept here only; epoch is the gateway now
// (EpochKeyCache::key_for hits the recipient's key of the epoch, then one encryptor).
std::string field_object(const std::string& json, const std::string& ad, const unsigned char* key,
                         const std::string& kid, const std::string& wrapped_b64) {
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
  randombytes_buf(nonce.data(), nonce.size());
  std::vector<unsigned char> ct(json.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ct.data(), &ct_len, reinterpret_cast<const unsigned char*>(json.data()), json.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce.data(), key);
  ct.resize(static_cast<std::size_t>(ct_len));
  return R"({"accord_enc":1,"alg":"xchacha20poly1305-ietf","ct":")" + crypto::to_base64(ct) +
         R"(","kid":")" + kid + R"(","nonce":")" + crypto::to_base64(nonce) +
         R"(","wrapped_key":")" + wrapped_b64 + "\"}";
}

void BM_seal_copy_per_copy_key(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const auto e = sample();
  const auto k = *crypto::generate_agency_key("provider.lvws", 0);
  for (auto _ : state) {
    std::array<unsigned char, 32> key;
    crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
    std::array<unsigned char, crypto_box_SEALBYTES + 32> wrapped;
    crypto_box_seal(wrapped.data(), key.data(), key.size(), k.pub.public_key.data());
    const std::string wrapped_b64 = crypto::to_base64(wrapped);
    envelope::Envelope copy = e;
    for (auto& f : copy.data) {
      if (std::find(kProtected.begin(), kProtected.end(), f.path) == kProtected.end()) continue;
      const auto ad = crypto::field_associated_data(e.id, "data." + f.path, "police.met",
                                                    "provider.lvws", k.pub.kid);
      f.json = field_object(f.json, ad, key.data(), k.pub.kid, wrapped_b64);
    }
    sodium_memzero(key.data(), key.size());
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_seal_copy_per_copy_key);

void BM_seal_copy_epoch_key(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const auto e = sample();
  const auto k = *crypto::generate_agency_key("provider.lvws", 0);
  crypto::EpochKeyCache cache;
  std::int64_t now_ms = 1'795'339'800'000;
  for (auto _ : state) {
    auto enc = crypto::make_field_encryptor(*cache.key_for(k.pub, now_ms++),
                                            {e.id, "police.met", "provider.lvws"});
    envelope::Envelope copy = e;
    for (auto& f : copy.data) {
      if (std::find(kProtected.begin(), kProtected.end(), f.path) != kProtected.end()) {
        f.json = *(*enc)(f);
      }
    }
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_seal_copy_epoch_key);

struct Delivered {
  crypto::AgencySecretKey key = *crypto::generate_agency_key("provider.lvws", 0);
  envelope::Envelope copy;
  envelope::Envelope delivered;
  crypto::DeliveryInfo info;
  Delivered() {
    const auto e = sample();
    auto enc = crypto::make_field_encryptor(key.pub, {e.id, "police.met", "provider.lvws"});
    copy = e;
    for (auto& f : copy.data) {
      if (std::find(kProtected.begin(), kProtected.end(), f.path) != kProtected.end()) {
        f.json = *(*enc)(f);
      }
    }
    delivered = *crypto::decode_delivered(envelope::encode(copy));
    info = {"police.met", "provider.lvws", e.id, "2026-11-22T09:30:00.123Z"};
  }
};

void BM_open_envelope(benchmark::State& state) {
  Delivered d;
  const crypto::AgencySecretKey keys[] = {d.key};
  for (auto _ : state) {
    auto r = crypto::open_fields(d.delivered, keys, "police.met", "provider.lvws");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_open_envelope);

// A throwaway signing key: created in a fresh temp dir, removed at once (kept in memory).
crypto::GatewaySigner signer() {
  char dir[] = "/tmp/accord-bench-crypto-XXXXXX";
  if (::mkdtemp(dir) == nullptr) std::abort();
  const std::string path = std::string(dir) + "/signing.json";
  auto s = crypto::GatewaySigner::load_or_create(path, 0);
  ::unlink(path.c_str());
  ::rmdir(dir);
  if (!s) std::abort();
  return *s;
}

void BM_sign_delivery(benchmark::State& state) {
  Delivered d;
  const auto s = signer();
  for (auto _ : state) benchmark::DoNotOptimize(s.sign_delivery(d.info, d.copy));
}
BENCHMARK(BM_sign_delivery);

void BM_verify_delivery(benchmark::State& state) {
  Delivered d;
  const auto s = signer();
  const auto sig = s.sign_delivery(d.info, d.copy);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::verify_delivery(d.info, d.delivered, sig, s.public_key()));
  }
}
BENCHMARK(BM_verify_delivery);

// The signing input alone: the fast construction (encode the transform's output once) and
// the reference one (re-parse every encrypted object, sort, encode), on the same copy.
void BM_signing_input(benchmark::State& state) {
  Delivered d;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::delivery_signing_input(d.info, d.copy));
}
BENCHMARK(BM_signing_input);

void BM_signing_input_reference(benchmark::State& state) {
  Delivered d;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::delivery_signing_input_reference(d.info, d.copy));
  }
}
BENCHMARK(BM_signing_input_reference);

// The pipeline's whole per-copy signing work: the stored JSON plus the signature over it.
// Before: sign the reference input, then encode the copy again for the stored document.
void BM_sign_copy_reference(benchmark::State& state) {
  Delivered d;
  const auto s = signer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.sign(crypto::delivery_signing_input_reference(d.info, d.copy)));
    benchmark::DoNotOptimize(envelope::encode(d.copy));
  }
}
BENCHMARK(BM_sign_copy_reference);

// After: one encode_for_delivery serves both.
void BM_sign_copy(benchmark::State& state) {
  Delivered d;
  const auto s = signer();
  for (auto _ : state) {
    auto encoded = crypto::encode_for_delivery(d.info, d.copy);
    benchmark::DoNotOptimize(s.sign(encoded.signing_input));
    benchmark::DoNotOptimize(encoded.envelope_json);
  }
}
BENCHMARK(BM_sign_copy);

}  // namespace

BENCHMARK_MAIN();
