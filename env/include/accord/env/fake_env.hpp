// A test Env whose clocks move only when the test moves them; files and randomness are the
// real ones unless a test seeds the randomness. Lets tests cross a lease, a backoff, a
// circuit breaker's window or an agreement's end without sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "accord/env/env.hpp"

namespace accord::env {

class FakeEnv : public Env {
 public:
  // Starts at `start_ms` wall time (default: a fixed instant, 2026-01-01T00:00:00Z).
  explicit FakeEnv(std::int64_t start_ms = 1'767'225'600'000, Env& files = system_env());

  // Moves both clocks forward by `ms` (never back).
  void advance_ms(std::int64_t ms);
  // Sets the wall clock (steady follows by the same amount; it never goes back).
  void set_now_ms(std::int64_t now_ms);
  // Makes random_bytes() deterministic (libsodium randombytes_buf_deterministic over a
  // counter): the same seed gives the same bytes, run after run.
  void seed_random(std::uint64_t seed);

  std::int64_t now_ms() override { return now_.load(); }
  std::int64_t steady_ms() override { return steady_.load(); }
  void random_bytes(std::span<unsigned char> out) override;

  Result<std::string> read_file(const std::string& path) override { return files_.read_file(path); }
  bool file_exists(const std::string& path) override { return files_.file_exists(path); }
  Status write_new_file(const std::string& path, std::string_view content, unsigned mode) override {
    return files_.write_new_file(path, content, mode);
  }
  Status replace_file(const std::string& path, std::string_view content, unsigned mode) override {
    return files_.replace_file(path, content, mode);
  }
  Status write_file(const std::string& path, std::string_view content, unsigned mode,
                    const WriteOptions& options) override {
    return files_.write_file(path, content, mode, options);
  }
  Status remove_file(const std::string& path) override { return files_.remove_file(path); }
  Status sync_directory(const std::string& directory) override {
    return files_.sync_directory(directory);
  }

 private:
  Env& files_;
  std::atomic<std::int64_t> now_;
  std::atomic<std::int64_t> steady_{0};
  std::mutex random_mutex_;
  std::optional<std::uint64_t> seed_;  // guarded by random_mutex_
  std::uint64_t draws_ = 0;            // guarded by random_mutex_
};

}  // namespace accord::env
