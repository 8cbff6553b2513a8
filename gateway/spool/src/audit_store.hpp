// The row-source seam under AuditReader: the few reads the reader's logic needs (audit_reader.cpp
// holds the logic: paging, extracts, verification, index checks), implemented once per backend:
// the SQLite spool file (audit_store_sqlite.cpp) and PostgreSQL (audit_store_pg.cpp). Both read
// the same tables (docs/audit-format.md §5) and never write.
//
// One store is one connection, used by one thread at a time. Errors are values, with the codes
// of audit_reader.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::spool::detail {

struct StoredRow {
  IndexColumns columns;
  std::string record;
  std::string chain;     // the stored bytes (32 when sound)
  bool selected = true;  // rows_between(): the row matches the filter
};

// Rows or checkpoints in ascending seq, read lazily (memory stays flat over a whole log).
template <typename T>
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual Result<std::optional<T>> next() = 0;  // nullopt at the end
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Until end_snapshot(), every read sees one consistent state of the log (a SQLite read
  // transaction; PostgreSQL: one REPEATABLE READ READ ONLY transaction). Not nested.
  virtual Status begin_snapshot() = 0;
  virtual void end_snapshot() = 0;

  // Rows matching `filter` with seq > after_seq, ascending, at most `limit`.
  virtual Result<std::vector<StoredRow>> matching_rows(const AuditFilter& filter,
                                                       std::int64_t after_seq,
                                                       std::size_t limit) = 0;
  // The first (or last) matching seq, ignoring seqs above through_seq when > 0.
  virtual Result<std::optional<std::int64_t>> match_seq(const AuditFilter& filter,
                                                        std::int64_t through_seq, bool last) = 0;
  // Every row with first <= seq <= last, ascending, `selected` set by the filter.
  virtual Result<std::vector<StoredRow>> rows_between(const AuditFilter& filter, std::int64_t first,
                                                      std::int64_t last) = 0;

  // Checkpoints with after_seq < seq <= through_seq, ascending, at most `limit`.
  virtual Result<std::vector<StoredCheckpoint>> checkpoints(std::int64_t after_seq,
                                                            std::int64_t through_seq,
                                                            std::size_t limit) = 0;
  virtual Result<std::optional<StoredCheckpoint>> latest_checkpoint() = 0;
  // The seq of the first checkpoint at or after `seq`.
  virtual Result<std::optional<std::int64_t>> checkpoint_at_or_after(std::int64_t seq) = 0;

  // The stored chain bytes of record `seq`; nullopt when there is no such record.
  virtual Result<std::optional<std::string>> chain_at(std::int64_t seq) = 0;
  virtual Result<AuditHead> head() = 0;

  // The whole log, for verify (inside a snapshot).
  virtual Result<std::unique_ptr<Cursor<StoredRow>>> all_rows() = 0;
  virtual Result<std::unique_ptr<Cursor<StoredCheckpoint>>> all_checkpoints() = 0;
};

// The spool file, opened read-only. Errors: storage_unavailable, corrupt, schema_mismatch.
Result<std::unique_ptr<AuditStore>> open_sqlite_audit_store(const std::string& path);
// A PostgreSQL spool (libpq URI). Errors: storage_unavailable, schema_mismatch.
Result<std::unique_ptr<AuditStore>> open_pg_audit_store(const std::string& uri);

}  // namespace accord::spool::detail
