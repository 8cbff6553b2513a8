#include "accord/env/fake_env.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace accord::env {

FakeEnv::FakeEnv(std::int64_t start_ms, Env& files) : files_(files), now_(start_ms) {}

void FakeEnv::advance_ms(std::int64_t ms) {
  if (ms < 0) std::abort();  // clocks never go back: a test asking for that is wrong
  now_ += ms;
  steady_ += ms;
}

void FakeEnv::set_now_ms(std::int64_t now_ms) {
  const std::int64_t before = now_.exchange(now_ms);
  if (now_ms > before) steady_ += now_ms - before;
}

void FakeEnv::seed_random(std::uint64_t seed) {
  std::lock_guard lock(random_mutex_);
  seed_ = seed;
  draws_ = 0;
}

void FakeEnv::random_bytes(std::span<unsigned char> out) {
  std::lock_guard lock(random_mutex_);
  if (!seed_) {
    files_.random_bytes(out);
    return;
  }
  // Each draw gets its own deterministic seed: (seed, draw number) in the first 16 bytes.
  std::array<unsigned char, randombytes_SEEDBYTES> seed{};
  const std::uint64_t parts[2] = {*seed_, draws_++};
  std::copy_n(reinterpret_cast<const unsigned char*>(parts), sizeof parts, seed.begin());
  randombytes_buf_deterministic(out.data(), out.size(), seed.data());
}

}  // namespace accord::env
