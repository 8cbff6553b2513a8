// A test Env that can cut the power and fail chosen calls (after LevelDB's
// FaultInjectionTestEnv). It wraps a target Env (the real files, or a FakeEnv for its clock)
// and remembers, for every path it changed, what is durable:
// - write_new_file() and replace_file() are durable when they return (the Env contract: the
//   file and its directory entry are fsync'd), so a successful one moves the durable state;
//   a failed one leaves it where it was (a cut between rename and the directory fsync can
//   undo the rename);
// - remove_file() is durable only after sync_directory() of the file's directory.
// drop_unsynced() is the power cut: every path goes back to its durable state (an unsynced
// removal is undone, a file whose replacement failed gets its old content back).
// Clocks and randomness pass through to the target.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "accord/env/env.hpp"

namespace accord::env {

class FaultInjectionEnv : public Env {
 public:
  enum class Op {
    read_file,
    file_exists,
    write_new_file,
    replace_file,
    write_file,
    remove_file,
    sync_directory
  };
  static constexpr int kAlways = 0;

  explicit FaultInjectionEnv(Env& target = system_env());

  // Fails the `nth` call of `op` from now (1 = the next one), or with kAlways every call from
  // now until clear_faults(). The failure carries `code` and touches nothing. A failed
  // file_exists() answers false.
  void fail(Op op, int nth_or_always, std::string code = "io_error");
  void clear_faults();

  // From now on every call that would change a file fails with io_error and changes nothing:
  // what happens after the power is gone never reaches the disk. Reads still work.
  void cut_power();
  bool power_is_cut() const;
  // Reverts every path this env changed to its durable state, then restores the power.
  // Errors: io_error when the target refuses a revert.
  Status drop_unsynced();

  std::int64_t now_ms() override { return target_.now_ms(); }
  std::int64_t steady_ms() override { return target_.steady_ms(); }
  void random_bytes(std::span<unsigned char> out) override { target_.random_bytes(out); }

  Result<std::string> read_file(const std::string& path) override;
  bool file_exists(const std::string& path) override;
  Status write_new_file(const std::string& path, std::string_view content, unsigned mode) override;
  Status replace_file(const std::string& path, std::string_view content, unsigned mode) override;
  // Durable on return when options.sync and options.sync_directory (as replace_file); with
  // sync but not sync_directory, once sync_directory() of its directory succeeds; otherwise
  // the old state stays the durable one until a later synced write of the path.
  Status write_file(const std::string& path, std::string_view content, unsigned mode,
                    const WriteOptions& options) override;
  Status remove_file(const std::string& path) override;
  Status sync_directory(const std::string& directory) override;

 private:
  struct Fault {
    int countdown = 0;  // calls left before the failing one; kAlways: every call
    std::string code;
  };
  struct Durable {
    std::optional<std::string> content;  // nullopt: the path does not exist durably
    unsigned mode = 0600;
  };

  std::optional<Error> injected(Op op, const std::string& path);  // under mu_
  Error power_cut_error(const std::string& path) const;
  // Remembers the durable state of `path` before its first unsynced change. Under mu_.
  void remember(const std::string& path);

  Env& target_;
  mutable std::mutex mu_;
  std::map<Op, Fault> faults_;
  bool power_cut_ = false;
  std::map<std::string, Durable> unsynced_;  // path → durable state; only paths that differ
  std::map<std::string, unsigned> modes_;    // modes of files written through this env
};

}  // namespace accord::env
