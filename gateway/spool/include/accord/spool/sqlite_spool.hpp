// Embedded spool backend: SQLite in WAL mode, synchronous=FULL, one writer thread that
// group-commits every operation waiting for it in one transaction (docs/architecture.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "accord/audit/chain.hpp"
#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"

namespace accord::spool {

// The audit log kept in the spool's transactions (docs/audit-format.md).
struct AuditOptions {
  bool enabled = true;  // false only for benchmarks that measure its cost
  // Signs checkpoints with the gateway key; without it no checkpoint is written (tests).
  audit::Sign sign;
  std::int64_t checkpoint_every_records = 10'000;
  std::int64_t checkpoint_every_ms = 60'000;
  std::function<std::int64_t()> now_ms;  // the checkpoint clock; required with `sign`
};

struct SqliteSpoolOptions {
  std::string path;                  // database file; its directory must exist
  std::size_t max_batch = 1024;      // operations per transaction at most
  std::size_t max_pending = 100000;  // queued operations before append answers `overloaded`
  bool synchronous_full = true;      // false only for benchmarks that say so
  // Ops/test knob: PRAGMA max_page_count, a hard cap on the database size in pages (4 KiB
  // each). Reaching it behaves exactly like a full disk (SQLITE_FULL → storage_unavailable),
  // which is how the tests make the disk "full" for real. 0 leaves SQLite's own limit.
  std::int64_t max_page_count = 0;
  AuditOptions audit;
  // Tests only: runs on the writer thread before each transaction, so a test can hold the
  // writer while operations queue up into one batch (tests/unit/spool WriterGate).
  std::function<void()> before_batch;
};

// Opens (creating if needed) and recovers the spool. Errors: storage_unavailable (cannot
// open or create), corrupt (integrity check failed), schema_mismatch (newer schema).
Result<std::unique_ptr<Spool>> open_sqlite_spool(const SqliteSpoolOptions& options);

// Changes the max_page_count knob of a running embedded spool; it applies from the next
// transaction on (raising it is how an operator, or a test, lets a "full" spool recover).
// Errors: invalid_argument when `spool` is not an embedded spool or `pages` < 1.
Status set_max_page_count(Spool& spool, std::int64_t pages);

}  // namespace accord::spool
