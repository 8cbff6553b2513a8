// Lexical rules of the envelope and the vocabulary (docs/envelope.md, "Value rules").
//
// Hand-written character-class scans rather than std::regex: std::regex recurses per input
// character and can exhaust the stack on long attacker-chosen strings, and these rules are
// simple enough that a scan is also the clearest statement of them. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace accord::envelope::rules {

// [A-Za-z0-9._:-]{1,max}  (message id, subject ref)
bool is_token(std::string_view s, std::size_t max);
// [A-Za-z0-9/._-]{1,64}  (case URN or force crime reference)
bool is_case_urn(std::string_view s);
// ^[a-z0-9-]+(\.[a-z0-9-]+)+$  (agency id)
bool is_agency_id(std::string_view s);
// one of victim, witness, bereaved_relative, suspect, defendant, offender, parent_or_guardian
bool is_subject_role(std::string_view s);
// [A-Za-z0-9_-]{1,64}  (one key of `data`; no dot, the dot is the path separator)
bool is_data_key(std::string_view s);
// ^OFFICIAL(-SENSITIVE)?( \[[A-Z][A-Z -]*\])*$
bool is_classification(std::string_view s);
// ^[a-z_]+(\.[a-z_]+)+$  (event type name)
bool is_event_type_name(std::string_view s);
// RFC 3339 date-time, profile: YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm), upper-case
// T and Z, a real Gregorian date, hour 00-23, minute and second 00-59 (no leap second).
bool is_rfc3339(std::string_view s);

}  // namespace accord::envelope::rules
