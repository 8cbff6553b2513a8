// The canonical case-update envelope: the one value type every layer above policy/ speaks.
//
// Wire form (JSON, UTF-8; docs/envelope.md is the normative reference):
//   {
//     "id": "msg-0001",                         sender-chosen idempotency key
//     "type": "referral.created",               event type from the controlled vocabulary
//     "case": {"urn": "01AB1234521", "owner": "police.met"},
//     "subject": {"role": "victim", "ref": "V-7F3A"},   pseudonymous reference, never a name
//     "occurred_at": "2026-11-20T09:30:00Z",    RFC 3339 with offset
//     "classification": "OFFICIAL-SENSITIVE",
//     "data": {"victim": {"contact": {"phone": "..."}}, "offence": {"category": "burglary"}}
//   }
//
// `data` is held flattened: every leaf (a scalar, an array, or an empty object) is one
// Field addressed by its dotted path ("victim.contact.phone") with its value kept as
// minified JSON text. Agreements address fields by those paths, and transforms act on
// leaves, so nothing above policy/ needs a JSON DOM to route, decide or transform.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace accord::envelope {

struct CaseRef {
  std::string urn;    // prosecution case URN or force reference
  std::string owner;  // agency id of the owning agency, e.g. "police.met"
  friend bool operator==(const CaseRef&, const CaseRef&) = default;
};

struct Subject {
  std::string role;  // victim | witness | suspect | defendant | offender | ...
  std::string ref;   // pseudonymous subject reference
  friend bool operator==(const Subject&, const Subject&) = default;
};

// One leaf of `data`. `json` is the value as minified JSON text ("\"07700 900123\"", "42",
// "true", "[\"a\",\"b\"]", "{}"), so it can be copied, hashed or encrypted byte for byte.
struct Field {
  std::string path;
  std::string json;
  friend bool operator==(const Field&, const Field&) = default;
};

struct Envelope {
  std::string id;
  std::string type;
  CaseRef case_ref;
  Subject subject;
  std::string occurred_at;
  std::string classification;
  std::vector<Field> data;  // sorted by path, paths unique

  // The field at `path`, or nullptr. Binary search: relies on `data` being sorted.
  const Field* find(std::string_view path) const;

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Whether `text` is an RFC 3339 date-time in the envelope's profile (docs/envelope.md §2,
// `occurred_at`): YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm), upper-case T and Z, a real
// date, no leap second. The one date-time grammar of the envelope, reused for date values in
// `data` that agreements generalise.
bool is_date_time(std::string_view text);

}  // namespace accord::envelope
