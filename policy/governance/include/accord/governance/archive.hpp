// The agreement archive (docs/audit-format.md, "The agreement archive"): the exact text of every
// agreement version the gateway was asked to put in force, read back from the audit log.
//
// There is no second store. Each version's text is in its `agreement.proposed` record
// (`details.text`, `details.content_hash`), which the hash chain and the signed checkpoints
// protect like every other record; its lifecycle (signed, activated, suspended, ...) is the
// other agreement.* records naming the same `id@version`. This file folds those records:
// record bytes in, one version's text, its check and its history out.
//
// Pure: no I/O, no clock. The callers (the admin API, `accord audit agreement`) read the records
// from the spool or an export and pass their bytes here in seq order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::governance {

// One agreement version, "id@version" (the `agreement` member of audit records).
struct AgreementRef {
  std::string id;                 // a-z 0-9 - . (docs/agreements.md, `id`)
  int version = 0;                // >= 1
  std::string to_string() const;  // "id@version"
  friend bool operator==(const AgreementRef&, const AgreementRef&) = default;
};

// "id@version": the id as an agreement file allows it (non-empty, a-z 0-9 - .), '@', the
// version as a whole number from 1 to 999999 in decimal without leading zeros. Anything else is
// `invalid_agreement_ref`, its message saying what is wrong.
Result<AgreementRef> parse_agreement_ref(std::string_view text);

// One lifecycle record of the version, as the log holds it. The `agreement.proposed` entry's
// details leave out `text` (the archive gives it once, as ArchivedVersion::text).
struct HistoryEntry {
  std::int64_t seq = 0;
  std::string at;    // the record's `at`, RFC 3339 UTC with milliseconds
  std::string kind;  // agreement.proposed | signed | signature_refused | activated | ...
  std::string code;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> details;  // in record order
};

struct ArchivedVersion {
  AgreementRef ref;
  std::string content_hash;  // as its agreement.proposed record says ("sha256:<hex>")
  std::string file;          // the file name it was loaded from
  std::string text;          // the exact bytes of that file
  // content_hash(text) == content_hash. False only if the stored record was changed (which
  // `accord audit verify` then finds as a broken chain or checkpoint).
  bool verified = false;
  std::vector<HistoryEntry> history;  // every agreement.* record of id@version, in seq order
};

// The fold: feed every audit record that may concern the version (all of a log, or only those
// whose `agreement` is id@version), in seq order, then ask for the result.
//
// The version's text is its FIRST `agreement.proposed` record. The gateway archives one text
// per id@version (a file claiming an archived id@version with other text is held as
// `version_reused`, never archived, never in force); should a log hold a second one anyway, it
// appears in the history with its own content_hash only. Records of other kinds or other
// versions are skipped (decision.* records name id@version too, and are not lifecycle).
class ArchiveFold {
 public:
  explicit ArchiveFold(AgreementRef ref) : ref_(std::move(ref)) {}

  // One record's bytes (docs/audit-format.md §2). An agreement.* record of this version that
  // is not a JSON object with integer `seq`, string `at` and `kind` and string-valued
  // `details`, or an agreement.proposed without `content_hash` and `text`, is `corrupt` (the
  // message names its seq) and changes nothing.
  Status add(std::string_view record);

  // The archived version; `unknown_version` when no agreement.proposed record named it.
  Result<ArchivedVersion> result() const;

  const AgreementRef& ref() const { return ref_; }

 private:
  AgreementRef ref_;
  std::optional<ArchivedVersion> found_;
  std::vector<HistoryEntry> history_;
};

// The whole answer in one call, for a list of record bytes in seq order.
Result<ArchivedVersion> archived_version(const AgreementRef& ref,
                                         const std::vector<std::string>& records);

// Which agreement version governed a decision: the `agreement` member of a decision.accepted,
// decision.refused or decision.shadow record (docs/audit-format.md §1). nullopt for another
// kind, a decision no agreement covered, or bytes that are not such a record.
std::optional<AgreementRef> governing_agreement(std::string_view record);

// The answer of GET /v1/admin/audit/agreements/{id}@{version} and of `accord audit agreement
// --json` (docs/api.yaml): {"agreement","version","content_hash","file","text","verified",
// "history":[{"seq","at","kind","code"?,"reason"?,"details":{...}}]}, members in this order.
std::string archive_json(const ArchivedVersion& archived);

// For people (`accord audit agreement` prints it on stderr): a heading naming the version, its
// hash, file, size and whether the text verifies, then one line per history record: seq, at,
// kind, `code: reason` when set, and its details as key=value (leaving out `sig`, and
// `content_hash` when it is the archived one). Ends with a newline.
std::string archive_history_text(const ArchivedVersion& archived);

// The inverse, for a client that got that document from a gateway: `verified` is computed
// again here from `text` and `content_hash` (a client does not take the server's word for it).
// Errors: `invalid_archive` naming the member at fault.
Result<ArchivedVersion> parse_archive_json(std::string_view json_text);

}  // namespace accord::governance
