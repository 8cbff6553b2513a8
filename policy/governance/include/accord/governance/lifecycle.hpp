// The lifecycle of agreement versions (docs/agreements.md, "Signing and co-signed activation"):
// which loaded versions may grant, and which lifecycle facts are new and must be audited.
//
// A version whose file says `status: active` grants only when every party named in its
// `parties` has a valid signature over its exact text (content_hash), none has suspended it,
// and its id@version was never archived with other text. Signatures count from statement files
// and from the audit log (agreement.signed records, re-verified against today's keys): the log
// is the store, files and the admin API are ways in. A suspension is sticky: a version once
// suspended never grants again; the parties sign a new version instead.
//
// Pure: inputs in, states and events out. The gateway folds its audit log into a Ledger at
// start, calls evaluate() at start, at every reload and once a minute (expiry), writes the
// events as audit records (in order, one transaction) and applies the states to the set.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/core/result.hpp"
#include "accord/governance/signing.hpp"

namespace accord::governance {

// Audit record kinds (docs/audit-format.md §1).
namespace kind {
inline constexpr std::string_view kProposed = "agreement.proposed";
inline constexpr std::string_view kSigned = "agreement.signed";
inline constexpr std::string_view kSignatureRefused = "agreement.signature_refused";
inline constexpr std::string_view kActivated = "agreement.activated";
inline constexpr std::string_view kNotActivated = "agreement.not_activated";
inline constexpr std::string_view kSuspended = "agreement.suspended";
inline constexpr std::string_view kExpired = "agreement.expired";
inline constexpr std::string_view kRetired = "agreement.retired";
}  // namespace kind

// One loaded version (the caller builds one per parsed agreement, in load order).
struct VersionInput {
  VersionRef ref;    // id, version, content_hash(text), parties
  std::string file;  // the file name (no directory)
  std::string text;  // the exact bytes: archived by its agreement.proposed record
  agreements::Status declared = agreements::Status::draft;  // `status` as written
  agreements::Mode mode = agreements::Mode::enforce;
  agreements::Instant valid_until{};
};

enum class State {
  draft,                // declared draft: grants nothing, needs no signature
  awaiting_signatures,  // declared active, some party has not signed this text
  active,               // declared active (enforce), co-signed, not suspended
  suspended,            // declared suspended, or a party suspended this text
  expired,              // declared expired
  shadow,               // mode shadow: never grants, needs no signature, evaluated and audited
  version_reused,       // its id@version was archived with other text: raise the version
};
std::string_view to_string(State);

struct SignedBy {
  std::string agency;
  std::string kid;
  std::string signer;     // the key's signer label, may be empty
  std::string signed_at;  // the statement's claim
  std::string source;     // file name, "api", or "audit" (known from the log only)
};

struct Governed {
  std::string agreement;  // id
  int version = 0;
  std::string content_hash;
  std::string file;
  State state = State::draft;
  std::vector<SignedBy> signatures;    // valid signatures, in `parties` order
  std::vector<std::string> missing;    // parties without one (awaiting_signatures)
  std::vector<SignedBy> suspended_by;  // valid suspensions
  // Why it does not grant, for people: "awaiting signatures from provider.lvws",
  // "suspended by police.met", "police.met-lvws-referral@2 was archived with other text
  // (sha256:…): raise the version". Empty when active, draft, expired or shadow.
  std::string reason;
};

// One lifecycle fact to audit: the gateway writes it as one audit record with these members
// (kind, agreement = "id@version", code, reason, details in this order).
struct LifecycleEvent {
  std::string kind;
  std::string agreement;
  std::string code;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> details;
};

// What the audit log already says: the fold of its agreement.* records in seq order.
class Ledger {
 public:
  // One audit record's bytes (docs/audit-format.md §2). Records of other kinds are ignored;
  // a malformed agreement.* record is an error (invalid_record) and changes nothing.
  Status apply_record(std::string_view record);
  // The same for an event the caller has just written.
  void apply(const LifecycleEvent& event);

  // The text archived for id@version (its agreement.proposed record), if any.
  std::optional<std::string> content_hash_of(std::string_view agreement, int version) const;
  bool proposed(std::string_view content_hash) const;

 private:
  friend struct LedgerAccess;  // the implementation's helpers
  struct VersionFacts {
    std::string agreement;  // id@version
    bool proposed = false;
    std::vector<Statement> signatures;  // from agreement.signed records (re-verified on use)
    std::vector<Statement> suspensions;
    std::string last_state;    // activated | not_activated | suspended | retired
    std::string last_code;     // not_activated: missing_signature | version_reused
    std::string last_missing;  // not_activated: `missing` (or `archived_hash`) as recorded
    bool expired = false;
  };
  std::map<std::string, VersionFacts, std::less<>> by_hash_;
  std::map<std::string, std::string, std::less<>> hash_by_version_;  // "id@version" -> hash
  std::set<std::string, std::less<>> refusals_;  // refusals recorded (dedup key)
};

struct Evaluation {
  std::vector<Governed> versions;      // one per input, same order
  std::vector<LifecycleEvent> events;  // new facts, in the order to record them
};

Evaluation evaluate(const std::vector<VersionInput>& versions,
                    const std::vector<Statement>& statements, const SignerRegistry& signers,
                    const Ledger& ledger, agreements::Instant now);

// Makes the loaded agreements (same order as the inputs) say what governance decided: a
// version in state awaiting_signatures or version_reused gets status draft, one suspended
// gets status suspended, each with `held_reason` = Governed::reason. Others are unchanged.
void apply(std::vector<agreements::Agreement>& agreements, const Evaluation& evaluation);

// The VersionInput of a parsed agreement: `file` its name (no directory), `text` its exact
// bytes (content_hash is computed here), parties in file order.
VersionInput version_input(const agreements::Agreement& agreement, std::string file,
                           std::string text);

// The governance column of `accord agreements list`: "co-signed by police.met, provider.lvws",
// "AWAITING SIGNATURES from provider.lvws", "SUSPENDED by police.met: <reason>", "VERSION
// REUSED: raise the version"; empty for draft and expired versions.
std::string describe(const Governed& governed);

}  // namespace accord::governance
