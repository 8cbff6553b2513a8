// Replicated spool backend: PostgreSQL (15, Debian's), for several gateways sharing one
// primary with a synchronous standby (docs/storage.md "PostgreSQL", docs/operations.md "High
// availability"). Same Spool contract as the embedded SQLite spool (spool.hpp); what differs:
//
// - Durable means committed on the primary AND flushed by the synchronous standby: the
//   server must run with synchronous_commit = on (or remote_apply) and a non-empty
//   synchronous_standby_names; open_pg_spool() refuses a server that would acknowledge a
//   commit held on one machine only (unless allow_async, for benchmarks that say so).
// - One writer thread per gateway group-commits the waiting operations in one transaction,
//   like the SQLite writer. Gateways write concurrently; they agree through the database:
//     dedup          PRIMARY KEY (sender, message_id) + INSERT ... ON CONFLICT DO NOTHING;
//     leases         SELECT ... FOR UPDATE SKIP LOCKED over the recipient's pending copies;
//     delivery ids   one identity sequence: unique across gateways, and a copy appended after
//                    another was acknowledged always has the higher id (per-case order);
//     audit order    the single row of audit_head, locked (FOR UPDATE) as the last step of
//                    every transaction that writes audit records and held until COMMIT
//                    returns: the chain order is the commit order (docs/audit-format.md).
// - A commit that does not return within commit_timeout_ms (the standby is gone) is
//   cancelled and every operation of its batch fails with storage_unavailable (HTTP 503):
//   it may have committed on the primary alone and is never acknowledged. Such rows are
//   answered later only through a transaction that itself waits for the standby: a
//   duplicate found by append() rewrites its dedup row (a no-op UPDATE), so its COMMIT
//   writes WAL and waits too (a transaction id alone writes no WAL and would not wait).
// - The connection is re-opened on its own after a failure (libpq multi-host URIs with
//   target_session_attrs=read-write follow a promoted standby); until it succeeds every
//   operation fails fast with storage_unavailable.
// - find_submission() always answers nullopt: a row found outside the writer may have been
//   committed without the standby (see above), so dedup is decided inside append().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/env/env.hpp"
#include "accord/spool/spool.hpp"
#include "accord/spool/sqlite_spool.hpp"  // AuditOptions

namespace accord::spool {

struct PgSpoolOptions {
  // libpq URI, e.g. "postgresql://accord@db1:5432,db2:5432/accord?target_session_attrs=
  // read-write". Passwords belong in a passfile (PGPASSFILE, ~/.pgpass), not here.
  std::string uri;
  std::size_t max_batch = 1024;      // operations per transaction at most
  std::size_t max_pending = 100000;  // queued operations before append answers `overloaded`
  std::int64_t commit_timeout_ms = 10'000;
  int connect_timeout_s = 5;
  // Between reconnect attempts while the database is unreachable (operations fail fast).
  std::int64_t reconnect_interval_ms = 500;
  // Benchmarks only: accept a server without a synchronous standby.
  bool allow_async = false;
  // The published gateway key id (crypto::GatewayPublicKey::kid). Every gateway of one
  // deployment must sign with the same key: the first to open records it in accord_meta, a
  // gateway with another key is refused (key_mismatch). Empty: not checked (tools, tests).
  std::string gateway_kid;
  AuditOptions audit;
  env::Env* env = nullptr;  // clocks; nullptr: system_env()
  // Tests only: runs on the writer thread before each transaction (like SqliteSpoolOptions).
  std::function<void()> before_batch;
};

// Connects, creates or checks the schema (docs/storage.md), checks the server's durability
// settings and the gateway key, and starts the writer.
// Errors: storage_unavailable (cannot connect), schema_mismatch (a newer schema),
// not_durable (no synchronous standby configured), key_mismatch (another gateway key).
Result<std::unique_ptr<Spool>> open_pg_spool(const PgSpoolOptions& options);

// A libpq URI ("postgresql://" or "postgres://"): how a storage location names PostgreSQL
// rather than a SQLite file (AuditReader::open, accord audit --db, accord spool migrate --to).
bool is_postgresql_uri(std::string_view location);

// The conninfo or URI with any password replaced by "***" (for logs and error messages).
std::string redact_conninfo(std::string_view conninfo);

}  // namespace accord::spool
