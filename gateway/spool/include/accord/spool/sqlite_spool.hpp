// Embedded spool backend: SQLite in WAL mode, synchronous=FULL, one writer thread that
// group-commits every operation waiting for it in one transaction (docs/architecture.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "accord/audit/chain.hpp"
#include "accord/core/result.hpp"
#include "accord/env/env.hpp"
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
  // The manifest "<path>.manifest" (docs/storage.md, "Manifest and lock"): compared with the
  // database at open, rewritten (fsync'd) after every audit checkpoint and at a clean
  // shutdown. A database behind it lost committed data and is refused. false only for tests
  // and benchmarks that study the database file alone.
  bool manifest = true;
  // The operator's explicit choice (accord-gateway --accept-spool-gap) to open a spool that is
  // behind its manifest, or missing while its manifest exists: it opens, and an
  // admin.spool_gap_accepted audit record saying what was missing is committed first.
  bool accept_gap = false;
  // Tests only: runs on the writer thread before each transaction, so a test can hold the
  // writer while operations queue up into one batch (tests/unit/spool WriterGate).
  std::function<void()> before_batch;
  // The SQLite VFS the database is opened with (sqlite3_open_v2): tests use "accord-fault"
  // (tests/support fault_vfs.hpp) to cut the power under the spool. Empty: the default.
  std::string vfs;
  env::Env* env = nullptr;  // clocks and files; nullptr: system_env()
};

// Opens (creating if needed) and recovers the spool. Takes the exclusive lock "<path>.lock"
// first; the database, its -wal and -shm are created (or narrowed to) mode 0600.
// Errors: storage_unavailable (cannot open or create), corrupt (integrity check failed, or
// the manifest is unreadable), schema_mismatch (newer schema), spool_locked (another open
// spool holds the lock), spool_behind_manifest (the database lacks what its manifest says
// was committed, or is missing while the manifest exists; the message lists what).
Result<std::unique_ptr<Spool>> open_sqlite_spool(const SqliteSpoolOptions& options);

// What open_sqlite_spool() would refuse, found without changing anything (accord-gateway
// --check): no lock taken, no file created, the database opened read-only. Checks the
// manifest, the schema version, PRAGMA quick_check and the database against its manifest;
// the same error codes as open_sqlite_spool(). A missing database with no manifest is fine
// (a first start creates it). Another gateway holding the lock is not an error here.
Status check_sqlite_spool(const SqliteSpoolOptions& options);

// The manifest kept beside the database at `db_path` ("<db_path>.manifest").
std::string spool_manifest_path(const std::string& db_path);

// Changes the max_page_count knob of a running embedded spool; it applies from the next
// transaction on (raising it is how an operator, or a test, lets a "full" spool recover).
// Errors: invalid_argument when `spool` is not an embedded spool or `pages` < 1.
Status set_max_page_count(Spool& spool, std::int64_t pages);

}  // namespace accord::spool
