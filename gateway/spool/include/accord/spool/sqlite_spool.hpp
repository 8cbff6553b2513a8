// Embedded spool backend: SQLite in WAL mode, synchronous=FULL, one writer thread that
// group-commits every operation waiting for it in one transaction (docs/architecture.md).
#pragma once

#include <memory>
#include <string>

#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"

namespace accord::spool {

struct SqliteSpoolOptions {
  std::string path;                  // database file; its directory must exist
  std::size_t max_batch = 1024;      // operations per transaction at most
  std::size_t max_pending = 100000;  // queued operations before append answers `overloaded`
  bool synchronous_full = true;      // false only for benchmarks that say so
};

// Opens (creating if needed) and recovers the spool. Errors: storage_unavailable (cannot
// open or create), corrupt (integrity check failed), schema_mismatch (newer schema).
Result<std::unique_ptr<Spool>> open_sqlite_spool(const SqliteSpoolOptions& options);

}  // namespace accord::spool
