// An online backup of the embedded (SQLite) spool: `accord spool backup` (docs/operations.md
// "Backing up and restoring"). SQLite's backup API copies one consistent snapshot while a
// gateway keeps writing (WAL: the writer is never blocked by the reader), into a new file.
#pragma once

#include <cstdint>
#include <string>

#include "accord/core/result.hpp"
#include "accord/env/env.hpp"

namespace accord::spool {

struct SqliteBackupSummary {
  std::int64_t pages = 0;
  std::int64_t bytes = 0;
  std::int64_t schema_version = 0;
};

// Copies the spool database `from` into the new file `to`: created with mode 0600 whatever
// the umask (it holds shared fields in clear, like the spool), refused with `target_exists`
// when `to` is already there, never overwritten. The source is opened read-only, so a running
// gateway's spool is fine and nothing of it changes. The copy is one self-contained file
// (journal_mode DELETE: no -wal beside it; the gateway turns WAL back on at open), checked with
// PRAGMA quick_check and fsync'd with its directory before this returns. Errors: `not_found`
// (no `from`), `target_exists`, `corrupt` (source or copy damaged), `storage_unavailable`
// (I/O, full disk); on any error a partly written `to` is removed.
Result<SqliteBackupSummary> backup_sqlite_spool(env::Env& env, const std::string& from,
                                                const std::string& to);

}  // namespace accord::spool
