// The read side of the audit log kept in a spool (docs/audit-format.md): queries for
// auditors, verifiable extracts and the offline check of a whole database, on either backend:
//
// - the embedded spool file, opened READ-ONLY (SQLITE_OPEN_READONLY): the reader can never
//   change the log it reads, and in WAL mode it reads a consistent snapshot while the
//   gateway's writer keeps committing;
// - a PostgreSQL spool (a libpq URI, is_postgresql_uri()): the same tables read with SELECTs
//   only, head/extract/verify each in one REPEATABLE READ READ ONLY transaction.
//
// It lives next to the writers because the spool owns the schemas (src/schema.cpp,
// src/pg_schema.cpp).
//
// Ownership and threads: one AuditReader is one database connection; use it from one thread
// at a time (open one per thread or per request: opening a file costs well under a
// millisecond, a PostgreSQL connection a few). Nothing throws; errors are values:
//   storage_unavailable  cannot be opened or read (missing, locked past the timeout, server
//                        unreachable)
//   corrupt              not a SQLite database, or an audit row with a malformed chain value
//   schema_mismatch      no audit tables, or a newer schema than this build
//   invalid_argument     a filter value that cannot match anything meaningful (validate())
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/audit/chain.hpp"
#include "accord/audit/verifier.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"

namespace accord::spool {

// Every set member narrows the match (AND); empty members match everything.
struct AuditFilter {
  std::string case_urn;
  std::string subject_ref;
  std::string agency;  // sender OR recipient
  std::string sender;
  std::string recipient;
  std::string agreement;                // "id@version" exactly, or "id" for any version of it
  std::string kind;                     // exact, or a prefix when it ends with '.' ("delivery.")
  std::string decision;                 // "accepted" | "refused": the decision.* record kinds
  std::optional<std::int64_t> from_ms;  // at_ms >= from_ms
  std::optional<std::int64_t> to_ms;    // at_ms <  to_ms (exclusive)
};

// A time filter value (--from/--to, the API's from/to) in Unix milliseconds: "YYYY-MM-DD"
// (midnight UTC) or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('T' and 'Z'
// in either case, RFC 3339 §5.6). The fraction keeps its milliseconds; digits beyond them
// round up to the next millisecond, so `at_ms >= from` and `at_ms < to` select exactly the
// records at or after / before the instant given (records are stamped in whole
// milliseconds). nullopt for anything else, including impossible dates and offsets.
std::optional<std::int64_t> parse_filter_time(std::string_view text);

// invalid_argument (with `path` naming the parameter) for a decision other than
// accepted/refused or a time range with to <= from.
Status validate(const AuditFilter& filter);

// The set members only, as a JSON object (times as RFC 3339): the extract header's "filter".
std::string filter_to_json(const AuditFilter& filter);

inline constexpr std::size_t kMaxAuditPage = 10'000;

struct AuditRow {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string record;  // the record bytes, verbatim
  audit::Digest chain{};
  // Index columns of this row that disagree with the record (index_mismatches()); empty when
  // the row is sound. Such a row is returned whether the record or only its columns match.
  std::vector<std::string> mismatched_columns;
};

// The index columns of one audit_records row (docs/audit-format.md §5): copies of record
// members for indexed queries, which the chain does not protect. NULL reads as "".
struct IndexColumns {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string kind, sender, recipient, agreement, case_urn, subject_ref, message_id;
};

// The names of the columns that disagree with the record they index, in column order
// (seq, at_ms, kind, sender, recipient, agreement, case_urn, subject_ref, message_id): a
// column must equal the record's member of the same name ("" when absent; at_ms is the
// record's "at" in milliseconds). {"record"} when the record is not a JSON object.
std::vector<std::string> index_mismatches(const IndexColumns& columns, std::string_view record);

// One row whose index columns disagree with its record.
struct IndexMismatch {
  std::int64_t seq = 0;
  std::vector<std::string> columns;
};

// "seq:column,column;seq:column" (the Accord-Index-Mismatch header of the admin API).
std::string format_index_mismatches(const std::vector<IndexMismatch>& mismatches);

struct AuditRows {
  std::vector<AuditRow> rows;
  bool more = false;  // further matches exist after rows.back().seq
};

struct StoredCheckpoint {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string json;  // encode_checkpoint() text, verbatim
};

struct AuditHead {
  std::int64_t last_seq = 0;    // the newest record (0: empty log)
  std::int64_t sealed_seq = 0;  // the newest checkpoint's seq
  std::int64_t records = 0;     // rows in the table (differs from last_seq only if rows went)
};

// One page of a verifiable extract (accord-audit-export-1 lines without the header).
struct ExtractPage {
  std::int64_t first_seq = 1;  // where the extract starts (its first match; 1 if none)
  audit::Digest prev{};        // h_(first_seq - 1), for the header
  std::vector<std::string> lines;
  std::int64_t last_seq = 0;  // the last record or stub emitted (the next page's after_seq)
  std::int64_t matches = 0;   // matching records on this page
  bool complete = false;      // the checkpoint covering the last match was emitted
  bool more = false;          // another page is available now (false when complete)
  // Rows on this page whose index columns disagree with their record. They are emitted in
  // full (selected by record or by column), never as stubs, and must be reported.
  std::vector<IndexMismatch> mismatches;
};

class AuditReader {
 public:
  // A location for which is_postgresql_uri() holds opens that PostgreSQL database; anything
  // else is the path of a SQLite spool file.
  static Result<std::unique_ptr<AuditReader>> open(const std::string& location);
  ~AuditReader();
  AuditReader(const AuditReader&) = delete;
  AuditReader& operator=(const AuditReader&) = delete;

  // Matching rows with seq > after_seq, ascending, at most min(limit, kMaxAuditPage).
  Result<AuditRows> query(const AuditFilter& filter, std::int64_t after_seq, std::size_t limit);

  Result<std::vector<StoredCheckpoint>> checkpoints(std::int64_t after_seq, std::size_t limit);
  Result<std::optional<StoredCheckpoint>> latest_checkpoint();
  // h_seq as stored; 32 zero bytes for seq 0; not_found when there is no such record.
  Result<audit::Digest> chain_at(std::int64_t seq);
  Result<AuditHead> head();

  // Lines for every seq in (after_seq, after_seq + limit] of the extract for `filter`: the
  // matching records in full, the others as stubs, each checkpoint right after its seq. The
  // extract starts at the first match (after_seq 0 = the first page) and ends with the first
  // checkpoint at or after the last match; `through_seq` > 0 ignores matches after it (so an
  // export that forced a checkpoint first ends at that checkpoint however the log grows).
  // Not complete and no `more`: the last match is after the newest checkpoint.
  Result<ExtractPage> extract_page(const AuditFilter& filter, std::int64_t after_seq,
                                   std::size_t limit, std::int64_t through_seq = 0);

  // Runs audit::Verifier over the whole table in seq order, checkpoints interleaved, and
  // checks every row's index columns against its record. `progress` (may be empty) gets the
  // item count every 100,000 items. Storage errors are Errors; a tampered log is a
  // VerifyReport with a failure. A chain or checkpoint failure is reported first; otherwise
  // the first row whose columns disagree fails as `index_mismatch` naming the seq and the
  // column(s) (report.index_mismatches counts every such row).
  Result<audit::VerifyReport> verify(const crypto::GatewayPublicKey& key,
                                     const audit::VerifyOptions& options,
                                     const std::function<void(std::int64_t)>& progress = {});

 private:
  struct Impl;
  explicit AuditReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The header line of an extract: {"format":"accord-audit-export-1","first_seq":N,
// "prev":"<hex>","exported_at":"<RFC 3339>","filter":{...}}.
std::string extract_header_line(std::int64_t first_seq, const audit::Digest& prev,
                                std::int64_t exported_at_ms, const AuditFilter& filter);

}  // namespace accord::spool
