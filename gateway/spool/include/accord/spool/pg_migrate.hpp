// Moving an embedded (SQLite) spool into an empty PostgreSQL spool: `accord spool migrate`
// (docs/operations.md "Moving a spool to PostgreSQL"). Rows are copied verbatim — submissions
// (dedup), copies in every state with their ids and payloads, audit records (record text and
// chain bytes), checkpoints and the subject-state ledger — then the copies' identity sequence is moved past the highest
// delivery id ever handed out and audit_head set to the last record and checkpoint.
//
// The source is read in one SQLite read transaction, opened read-only, under a shared flock
// of "<spool>.lock" when that file exists: a running gateway holds it exclusively, so a
// migration refuses a spool in use (spool_locked) and a gateway cannot start on the spool
// while it is being read. The target is written in ONE transaction that first locks the
// tables and checks that they are empty: a failure anywhere leaves the target as it was, and
// a second run after a success is refused (target_not_empty).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "accord/core/result.hpp"

namespace accord::spool {

// Rows per table, and the audit head (the last record's seq, the last checkpoint's seq).
struct SpoolCounts {
  std::int64_t submissions = 0;
  std::int64_t copies = 0;
  std::int64_t audit_records = 0;
  std::int64_t audit_checkpoints = 0;
  std::int64_t last_audit_seq = 0;
  std::int64_t sealed_seq = 0;
  // Where the next append continues from, as stored: PostgreSQL's audit_head row, whose seq,
  // sealed_seq and chain must be the last record's and checkpoint's (a SQLite spool keeps no
  // such row: there these equal last_audit_seq, sealed_seq and true).
  std::int64_t head_seq = 0;
  std::int64_t head_sealed_seq = 0;
  bool head_chain_matches = true;
  std::int64_t subject_state = 0;  // rows of the subject-state ledger
  friend bool operator==(const SpoolCounts&, const SpoolCounts&) = default;
};

struct MigrateOptions {
  std::string from;          // the SQLite spool file (the gateway's storage.path)
  std::string to;            // libpq URI of the target database
  std::size_t batch = 1000;  // rows per INSERT; progress is reported after each
  // The gateway key id the migrated checkpoints are signed with: recorded in accord_meta (so
  // a gateway with another key is refused there), or compared with the one recorded.
  std::string gateway_kid;
  // After each batch: the table, rows done and rows in total for it.
  std::function<void(const std::string& table, std::int64_t done, std::int64_t total)> progress;
};

struct MigrateReport {
  SpoolCounts source;
  std::int64_t next_delivery_id = 1;  // what the target's identity sequence hands out next
};

// Errors, each naming what to do:
//   from the source (Error::path "from"): storage_unavailable (cannot open or read),
//     schema_mismatch (not a spool, or another schema version), spool_locked (a gateway is
//     running on it), corrupt;
//   from the target (Error::path "to"): storage_unavailable (cannot connect, or failed while
//     writing: nothing was committed), schema_mismatch (a newer schema), target_not_empty,
//     key_mismatch (accord_meta names another gateway key).
Result<MigrateReport> migrate_sqlite_to_pg(const MigrateOptions& options);

// The rows and audit head of a spool, SQLite file or PostgreSQL URI (read only), to compare
// a migrated target with its source.
Result<SpoolCounts> count_spool_rows(const std::string& location);

}  // namespace accord::spool
