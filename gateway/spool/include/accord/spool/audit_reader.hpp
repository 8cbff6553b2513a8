// The read side of the audit log kept in the embedded spool (docs/audit-format.md): queries
// for auditors, verifiable extracts and the offline check of a whole database.
//
// The reader opens the spool file READ-ONLY (SQLITE_OPEN_READONLY): it can never change the
// log it reads, and in WAL mode it reads a consistent snapshot per statement while the
// gateway's writer keeps committing. It lives next to the writer because the spool owns the
// schema (src/schema.cpp).
//
// Ownership and threads: one AuditReader is one SQLite connection; use it from one thread at
// a time (open one per thread or per request: opening costs well under a millisecond).
// Nothing throws; errors are values:
//   storage_unavailable  the file cannot be opened or read (missing, locked past the timeout)
//   corrupt              not a SQLite database, or an audit row with a malformed chain value
//   schema_mismatch      the file has no audit tables, or a newer schema than this build
//   invalid_argument     a filter value that cannot match anything meaningful (validate())
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
};

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
};

class AuditReader {
 public:
  static Result<std::unique_ptr<AuditReader>> open(const std::string& path);
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

  // Runs audit::Verifier over the whole table in seq order, checkpoints interleaved.
  // `progress` (may be empty) gets the item count every 100,000 items. Storage errors are
  // Errors; a tampered log is a VerifyReport with a failure.
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
