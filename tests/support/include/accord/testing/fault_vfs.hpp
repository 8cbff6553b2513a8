// A SQLite VFS that can cut the power under a database (docs/architecture.md, "Power-loss
// testing"). Registered as "accord-fault" (never the default), it wraps the default VFS and
// records, for every database, WAL and journal file opened through it, the pre-image of each
// write and truncate since that file's last xSync (an undo log).
//
// cut_power() (or a cut armed at the nth write or sync) is the instant the power goes: from
// then every xWrite, xSync, xTruncate and xDelete fails with SQLITE_IOERR and changes
// nothing, so nothing after the cut can be acknowledged. Once every connection is closed,
// revert_unsynced() puts each file back as it was at its last xSync (the undo log applied
// newest first, then truncated to the synced size; a file created after its last sync is
// removed) and deletes "<db>-shm", which is memory, not disk.
// Model: all unsynced writes are lost; a deletion is durable at once.
//
// SQLite's VFS list is process-wide, so this is one object per process; tests that use it
// run one at a time. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>

#include "accord/core/result.hpp"

namespace accord::testing {

class FaultVfs {
 public:
  static constexpr const char* kName = "accord-fault";

  // Registers the VFS on first use and returns the process's one instance.
  static FaultVfs& get();

  // Cuts the power now.
  void cut_power();
  // Cuts the power at the `n`th xWrite (1: the next one) to a tracked file from now: that
  // write and everything after it fail.
  void cut_power_at_write(std::int64_t n);
  // Cuts the power at the `n`th xSync from now: `n - 1` syncs succeed, that one fails.
  void cut_power_at_sync(std::int64_t n);
  bool power_is_cut() const;
  // Runs on the thread that cuts, at the instant of the cut (under the VFS's lock): a test
  // cuts its FaultInjectionEnv here so the spool's manifest loses power at the same moment.
  void on_power_cut(std::function<void()> hook);

  struct Reverted {
    int files = 0;            // files changed or removed
    std::int64_t undone = 0;  // writes and truncates undone
  };
  // The power cut's effect on disk; call with every connection on the files closed. Then
  // forgets every file and restores the power. Errors: io_error.
  Result<Reverted> revert_unsynced();
  // Forgets every file, restores the power, disarms cuts (start of a test).
  void reset();

  std::int64_t writes() const;  // xWrite calls to tracked files since reset()
  std::int64_t syncs() const;   // xSync calls since reset()

 private:
  FaultVfs() = default;
};

}  // namespace accord::testing
