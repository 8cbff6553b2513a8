// Checks an audit log, or an extract of one, against the gateway's public key
// (docs/audit-format.md §6). Streaming: memory does not grow with the log.
//
// Feed items in log order: the records (or, in an extract, stubs standing for the records
// left out) and each checkpoint right after the item with its seq. The first failure stops
// the check and names the item; later calls are ignored.
//
// Failure codes:
//   seq_gap             an item's seq is not the previous one + 1 (deleted, inserted, reordered)
//   chain_mismatch      a record does not hash to the chain value stored with it (altered,
//                       or the chain was rewritten from here on)
//   checkpoint_mismatch a checkpoint's signed head differs from the recomputed chain
//   signature_invalid / wrong_gateway_key / bad_signature   a checkpoint's signature
//   checkpoint_out_of_place  a checkpoint not right after the item it covers
//   truncated           a checkpoint or the anchor covers records the log does not have
//   unsealed_tail       (only with require_sealed) records after the last checkpoint
//   index_mismatch      (a database only, spool::AuditReader::verify) an index column of
//                       audit_records disagrees with the record it indexes
//   malformed           a line that is not a record, stub, checkpoint or header
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "accord/audit/chain.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"

namespace accord::audit {

struct VerifyFailure {
  std::string code;
  std::string message;
  std::int64_t seq = 0;   // the item at fault (0 if none)
  std::int64_t line = 0;  // line number in an export file (0 for a database)
};

struct VerifyReport {
  std::int64_t first_seq = 0;  // of the first item checked
  std::int64_t last_seq = 0;   // of the last item checked
  std::int64_t records = 0;    // records whose bytes were hashed
  std::int64_t stubs = 0;      // left-out records stood for by their digest
  std::int64_t checkpoints = 0;
  std::int64_t sealed_seq = 0;        // the last seq covered by a verified checkpoint
  std::int64_t unsealed_tail = 0;     // items after it, covered by no signature
  std::int64_t index_mismatches = 0;  // database rows whose index columns disagree (§5)
  std::optional<VerifyFailure> failure;
  bool ok() const { return !failure.has_value(); }
};

struct VerifyOptions {
  // A checkpoint the auditor kept from earlier: the log must reach its seq with its head.
  std::optional<Checkpoint> anchor;
  bool require_sealed = false;  // fail when records follow the last checkpoint
};

class Verifier {
 public:
  // `previous` is h_(first_seq - 1): zeros when the log starts at seq 1, or the `prev` of an
  // extract's header (it needs no trust: the signed head downstream fixes it).
  Verifier(crypto::GatewayPublicKey key, VerifyOptions options, Digest previous = {},
           std::int64_t first_seq = 1);

  // A record with the chain value stored next to it (the database's `chain` column or the
  // export's "h"); `stated_chain` may be nullptr when none was stored.
  void add_record(std::string_view record, const Digest* stated_chain, std::int64_t line = 0);
  // A record left out of an extract: its seq, digest d_seq and chain value.
  void add_stub(std::int64_t seq, const Digest& digest, const Digest* stated_chain,
                std::int64_t line = 0);
  void add_checkpoint(const Checkpoint& checkpoint, std::int64_t line = 0);
  // Records a failure found by the reader (a malformed line).
  void fail(std::string code, std::string message, std::int64_t line);

  VerifyReport finish();
  bool failed() const { return report_.failure.has_value(); }
  std::int64_t items() const { return report_.records + report_.stubs; }

 private:
  void step(std::int64_t seq, const Digest& digest, const Digest* stated, std::int64_t line,
            bool is_stub);

  crypto::GatewayPublicKey key_;
  VerifyOptions options_;
  Digest head_;
  std::int64_t next_seq_;
  bool anchor_seen_ = false;
  VerifyReport report_;
};

// The seq at the start of a record ({"seq":N,...}); malformed if it is not there.
Result<std::int64_t> record_seq(std::string_view record);

// Reads an export (accord-audit-export-1, JSON lines) and checks it. `progress` (may be
// empty) is called every 100,000 items with the count so far.
VerifyReport verify_export(std::istream& in, const crypto::GatewayPublicKey& key,
                           const VerifyOptions& options,
                           const std::function<void(std::int64_t)>& progress = {});

// Export line forms (docs/audit-format.md §6).
std::string export_record_line(const Digest& chain, std::string_view record);
std::string export_stub_line(std::int64_t seq, const Digest& digest, const Digest& chain);
std::string export_checkpoint_line(const Checkpoint& checkpoint);

}  // namespace accord::audit
