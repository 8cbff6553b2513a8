// One audit record: a fact about a decision, a delivery state change or an administrative
// act (docs/audit-format.md §2). Never the value of a field: names, actions, ids and hashes.
//
// A record's bytes are encode_record(seq, event): one minified JSON object whose keys come
// in a fixed order ("seq", "at", "kind", then the facts that are set). Those exact bytes are
// stored, exported and hashed; a verifier hashes what it reads, it never re-encodes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::audit {

// Record kinds (docs/audit-format.md §3 says which facts each carries).
namespace kind {
inline constexpr std::string_view kDecisionAccepted = "decision.accepted";
inline constexpr std::string_view kDecisionRefused = "decision.refused";
inline constexpr std::string_view kDecisionShadow = "decision.shadow";
// The non-identifying inputs of one decided submission, first of its records, so a proposed
// agreement set can be tried on past traffic (docs/agreements.md, "Dry run").
inline constexpr std::string_view kDecisionInputs = "decision.inputs";
inline constexpr std::string_view kDeliveryLeased = "delivery.leased";
inline constexpr std::string_view kDeliveryRedelivered = "delivery.redelivered";
inline constexpr std::string_view kDeliveryAcked = "delivery.acked";
inline constexpr std::string_view kDeliveryRetryScheduled = "delivery.retry_scheduled";
inline constexpr std::string_view kDeliveryDeadLettered = "delivery.dead_lettered";
inline constexpr std::string_view kDeliveryExpired = "delivery.expired";
inline constexpr std::string_view kDeliveryRedriven = "delivery.redriven";
inline constexpr std::string_view kAgreementsLoaded = "admin.agreements_loaded";
inline constexpr std::string_view kKeyRegistered = "admin.key_registered";
inline constexpr std::string_view kCertificateRefused = "admin.certificate_refused";
inline constexpr std::string_view kGatewayStarted = "admin.gateway_started";
// Accountability of the people (DPA 2018 s.62): every read of the audit log over the admin
// API, and every administrative action, naming the actor's certificate.
inline constexpr std::string_view kAuditRead = "audit.read";
inline constexpr std::string_view kAdminAction = "admin.action";
inline constexpr std::string_view kSpoolGapAccepted = "admin.spool_gap_accepted";
inline constexpr std::string_view kDeliveryReturned = "delivery.returned";
// The closed-list compliance facts of a stored submission (docs/compliance.md §3).
inline constexpr std::string_view kComplianceFacts = "compliance.facts";
// Who a propagated consent.withdrawn / subject.erasure_requested told (docs/compliance.md §8).
inline constexpr std::string_view kComplianceNotified = "compliance.notified";
// Copies whose payload went at the end of their recipient's retention (counts only).
inline constexpr std::string_view kRetentionPurged = "retention.purged";
// A recipient's verified receipt for a copy, stored with its acknowledgement (docs/receipts.md).
inline constexpr std::string_view kDeliveryReceipt = "delivery.receipt";
// A status notice queued as a copy for the submission's sender (docs/storage.md).
inline constexpr std::string_view kDeliveryStatusNotice = "delivery.status_notice";
}  // namespace kind

struct FieldAction {
  std::string path;    // envelope data path ("victim.dob")
  std::string action;  // share | drop | mask | generalise | pseudonymise | encrypt
  friend bool operator==(const FieldAction&, const FieldAction&) = default;
};

// Every member is optional but `kind` and `at_ms`; empty strings and zero ids are omitted.
struct Event {
  std::string kind;
  std::int64_t at_ms = 0;
  std::string message_id;
  std::string sender;
  std::string recipient;
  std::string agreement;  // "id@version"
  std::string event_type;
  std::string case_urn;
  std::string subject_role;
  std::string subject_ref;
  std::int64_t delivery_id = 0;
  int attempt = 0;
  std::string content_hash;  // hex SHA-256 of the submitted body
  std::string copy_hash;     // hex SHA-256 of the stored copy (the delivered document)
  std::vector<FieldAction> fields;
  std::string code;    // refusal or failure code
  std::string reason;  // human-readable; built from names, never from values
  // Other string facts, in the order given (old_hash/new_hash, agency/kid, next_attempt_at…).
  std::vector<std::pair<std::string, std::string>> details;
};

// The record bytes for `event` at position `seq` (1-based).
std::string encode_record(std::int64_t seq, const Event& event);

// encode_record() cut around the two numbers only the spool's writer knows (the record's
// seq and the copy's delivery id), so the JSON is built on the submitting thread and the
// writer only splices: render(make_template(e), seq, id) == encode_record(seq, e') where e'
// is e with delivery_id = id (omitted when 0, as encode_record omits it).
struct RecordTemplate {
  std::string head;  // after `{"seq":N,` up to the key "delivery_id", with the comma before it
  std::string tail;  // after the delivery id's value: `,...}` or `}`
};
RecordTemplate make_template(const Event& event);  // event.delivery_id is ignored
std::string render(const RecordTemplate& record, std::int64_t seq, std::int64_t delivery_id);

}  // namespace accord::audit
