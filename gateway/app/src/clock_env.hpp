// The system Env with the gateway's clock (GatewayConfig::clock, a test's) as its wall clock,
// so the delivery workers judge leases and retries by the same time as the rest of the
// gateway. Goes once GatewayConfig carries an env::Env itself.
#pragma once

#include <cstdint>
#include <functional>

#include "accord/env/env.hpp"

namespace accord::app {

class ClockEnv final : public env::Env {
 public:
  explicit ClockEnv(std::function<std::int64_t()> clock, Env& base = env::system_env())
      : clock_(std::move(clock)), base_(base) {}

  std::int64_t now_ms() override { return clock_(); }
  std::int64_t steady_ms() override { return base_.steady_ms(); }
  void random_bytes(std::span<unsigned char> out) override { base_.random_bytes(out); }
  Result<std::string> read_file(const std::string& path) override { return base_.read_file(path); }
  bool file_exists(const std::string& path) override { return base_.file_exists(path); }
  Status write_new_file(const std::string& path, std::string_view content, unsigned mode) override {
    return base_.write_new_file(path, content, mode);
  }
  Status replace_file(const std::string& path, std::string_view content, unsigned mode) override {
    return base_.replace_file(path, content, mode);
  }
  Status remove_file(const std::string& path) override { return base_.remove_file(path); }
  Status sync_directory(const std::string& directory) override {
    return base_.sync_directory(directory);
  }

 private:
  std::function<std::int64_t()> clock_;
  Env& base_;
};

}  // namespace accord::app
