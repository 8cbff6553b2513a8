// The compliance facts of one submission: what the clocks, the consent state and the reports
// need from a case update, and nothing else (docs/compliance.md §3).
//
// They travel in the audit log as one `compliance.facts` record per stored submission
// (docs/audit-format.md §1), written in the submission's own transaction, so every figure
// of a report is derived from the tamper-evident log an auditor can verify. The audit log
// never holds a field's own text: each fact is a closed-list value (enhanced or standard,
// a consent state, a channel name), a time, or a reference to another message by its
// (sender, id). A field value outside its list is refused at submission (invalid_value),
// never copied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/envelope/envelope.hpp"
#include "accord/envelope/vocabulary.hpp"

namespace accord::compliance {

// The well-known event types the compliance layer reads (config/vocabulary.yaml has them).
namespace event {
inline constexpr std::string_view kVictimInformed = "victim.informed";
inline constexpr std::string_view kEnhancedRightsChanged = "enhanced_rights.changed";
inline constexpr std::string_view kConsentGiven = "consent.given";
inline constexpr std::string_view kConsentWithdrawn = "consent.withdrawn";
inline constexpr std::string_view kContactPreferencesChanged = "contact.preferences_changed";
inline constexpr std::string_view kErasureRequested = "subject.erasure_requested";
inline constexpr std::string_view kComplianceSummary = "compliance.summary";
}  // namespace event

// The audit record kind that carries them.
inline constexpr std::string_view kFactsRecordKind = "compliance.facts";

// victim.informed: the informer told the victim about an earlier message.
struct InformedFact {
  std::string sender;      // of the message it informs about (default: the submitter)
  std::string message_id;  // of the message it informs about
  std::string event_type;  // of the message it informs about
  std::int64_t informed_at_ms = 0;
  std::string channel;  // phone | email | letter | sms | in_person | video | portal | other
  friend bool operator==(const InformedFact&, const InformedFact&) = default;
};

struct ComplianceFacts {
  std::int64_t occurred_at_ms = 0;  // the envelope's occurred_at, in Unix ms (UTC)
  std::optional<bool> enhanced;     // data.enhanced_rights.eligible, when a JSON boolean
  std::optional<InformedFact> informed;
  std::string consent;  // consent.given → "given", consent.withdrawn → "withdrawn"; "" none
  // contact.preferences_changed: the closed-list preferences, (name, value) sorted by name.
  std::vector<std::pair<std::string, std::string>> contact;
  friend bool operator==(const ComplianceFacts&, const ComplianceFacts&) = default;
};

// The facts of a decoded envelope submitted by `submitter` (the authenticated sender: the
// default of data.informs.sender). `received_at_ms` bounds informed_at (a victim cannot have
// been told after the report reached the gateway). With a vocabulary, data.informs.event_type
// must name one of its types (the gateway passes its own); without, only the event type name
// grammar is checked. Refusals carry code invalid_value or missing_field and the path of the
// offending field, `data.`-prefixed (docs/envelope.md §4.4, docs/compliance.md §3).
Result<ComplianceFacts> extract_facts(const envelope::Envelope& envelope,
                                      std::string_view submitter, std::int64_t received_at_ms,
                                      const envelope::Vocabulary* vocabulary = nullptr);

// The `details` of a compliance.facts record, in the documented order, and back.
// facts_from_details refuses (code `invalid_facts`, path = the detail's name) an unknown or
// repeated name, a missing occurred_at and a value outside its form, so a reader never
// guesses at a record it does not understand.
std::vector<std::pair<std::string, std::string>> facts_to_details(const ComplianceFacts& facts);
Result<ComplianceFacts> facts_from_details(
    const std::vector<std::pair<std::string, std::string>>& details);

}  // namespace accord::compliance
