// The data-sharing agreement model: one Information Sharing Agreement, one version, as loaded
// from one YAML file (docs/agreements.md is the format reference). Plain values; the loader
// fills them and the validator checks them as a set. Nothing here is code-driven policy: every
// rule (who, which events, under which conditions, which fields in which form) is data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/diagnostic.hpp"
#include "accord/agreements/retention.hpp"
#include "accord/agreements/time.hpp"

namespace accord::agreements {

enum class Status { draft, active, suspended, expired };
// shadow: evaluated and reported next to the real decision, never grants anything.
enum class Mode { enforce, shadow };
enum class PartyRole { controller, joint_controller, processor };
enum class OnwardSharing { prohibited, with_consent, permitted };
// Government Security Classifications, in increasing order.
enum class Classification { official, official_sensitive, secret, top_secret };
enum class Action { share, drop, mask, generalise, pseudonymise, encrypt };
enum class Generalisation { year, month, age_band, postcode_district };

std::string_view to_string(Status);
std::string_view to_string(Mode);
std::string_view to_string(PartyRole);
std::string_view to_string(OnwardSharing);
std::string_view to_string(Classification);
std::string_view to_string(Action);
std::string_view to_string(Generalisation);

// Parses the base marking of an envelope classification: "OFFICIAL-SENSITIVE [PERSONAL]" →
// official_sensitive (handling caveats after the marking are ignored). nullopt if unknown.
std::optional<Classification> parse_classification(std::string_view marking);

// What happens to the data fields one rule names.
struct FieldRule {
  std::string pattern;  // as written: "data.victim.dob" or "data.victim.*"
  std::string prefix;   // relative to data, no wildcard: "victim.dob", "victim"; "" for data.*
  bool wildcard = false;
  Action action = Action::drop;
  int keep_last = 4;                                     // mask
  Generalisation to = Generalisation::year;              // generalise
  std::vector<int> bands = {0, 16, 18, 25, 35, 50, 65};  // generalise to age_band: lower bounds
  Pos pos;

  // "share", "mask(keep_last=4)", "generalise(age_band 0,16,18,...)" — for reports and audit.
  std::string describe() const;
};

enum class Op { equals, not_equals, in, present, at_most };
std::string_view to_string(Op);

// A test on one fact of the envelope. Facts: "data.<path>" (a data field), "subject.role",
// "case.owner", "classification", "type", or of the subject's stored state: "state.consent",
// "state.contact.channel", "state.contact.updates", "state.contact.do_not_contact".
struct Condition {
  std::string fact;
  Op op = Op::equals;
  // equals/not_equals: one value; in: one or more. Each is canonical minified JSON text
  // ("true", "42", "\"sexual_offence\""). present: "true" or "false". at_most: the marking.
  std::vector<std::string> values;
  Classification at_most = Classification::official;  // at_most only
  Pos pos;

  // "data.consent.referral == true", "data.offence.category in [...]", ...
  std::string describe() const;
  friend bool operator==(const Condition& a, const Condition& b) {
    return a.fact == b.fact && a.op == b.op && a.values == b.values && a.at_most == b.at_most;
  }
};

struct Flow {
  std::string name;
  std::vector<std::string> events;
  std::vector<Pos> event_pos;
  std::vector<std::string> to;  // recipients this flow serves; empty = all of the agreement's
  std::vector<Pos> to_pos;
  std::vector<Condition> when;  // all must hold
  // Grants nothing once the subject's stored consent (SubjectState::consent) is `withdrawn`;
  // its copies are recorded as consent-based holdings (docs/compliance.md §7).
  bool consent_based = false;
  // `receipts: required`: the recipient's ack of a copy this flow grants must carry a signed
  // receipt (docs/receipts.md); `optional` (the default) takes an ack with or without one.
  bool receipts_required = false;
  std::vector<FieldRule> fields;
  Pos pos;
};

struct Party {
  std::string agency;
  PartyRole role = PartyRole::controller;
  bool competent_authority = false;
  Pos pos;
};

struct Retention {
  std::string agency;
  std::string period;    // ISO 8601 duration as written, e.g. "P2Y" (retention.hpp)
  IsoDuration duration;  // `period` parsed (validated at load: invalid_retention)
  std::string trigger;   // one of kRetentionTriggers, e.g. "case_closed"
  std::string disposal;  // free text, e.g. "secure deletion"
  Pos pos;
};

struct Signatory {
  std::string name;
  std::string role;  // SIRO, DPO, ...
  std::string agency;
  std::optional<Instant> signed_on;
  Pos pos;
};

// At least one of article6 / dpa_part3 is required. Special-category fields need article9
// (UK GDPR processing) or dpa_part3_sensitive (a DPA 2018 Sch 8 condition, Part 3 processing).
struct LawfulBasis {
  std::string article6;             // UK GDPR Art 6(1)(x) and why
  std::string article9;             // UK GDPR Art 9(2)(x) condition
  std::string article10;            // Art 10 / DPA 2018 Sch 1 condition for offence data
  std::string dpa_part3;            // DPA 2018 Part 3 (law enforcement) purpose
  std::string dpa_part3_sensitive;  // DPA 2018 s.35 / Sch 8 condition
  Pos pos;
};

struct Agreement {
  std::string file;  // where it was loaded from; names the file in diagnostics
  std::string id;
  int version = 0;
  std::string title;
  Status status = Status::draft;
  Mode mode = Mode::enforce;
  std::string provider;
  std::vector<std::string> recipients;
  std::vector<Pos> recipient_pos;
  std::vector<Party> parties;
  std::string purpose;
  std::string victims_code_right;
  LawfulBasis lawful_basis;
  std::string consent_model;
  Instant valid_from{};
  Instant valid_until{};  // exclusive: in force while valid_from <= now < valid_until
  Instant review_by{};
  std::vector<Retention> retention;
  OnwardSharing onward_sharing = OnwardSharing::prohibited;
  Classification max_classification = Classification::official_sensitive;
  std::string breach_contact;
  std::vector<Signatory> signatories;
  std::string dpia_ref;
  std::vector<std::string> special_category;  // field patterns declared special category
  std::vector<Pos> special_category_pos;
  std::vector<Flow> flows;

  Pos id_pos, version_pos, status_pos, provider_pos, valid_from_pos, valid_until_pos, review_by_pos;

  // Set by governance (policy/governance lifecycle.hpp) when a version whose file says
  // `status: active` is held back: not co-signed by every party, suspended by one, or its
  // id@version reused with other text. Decisions name it in their reasons. Empty otherwise.
  std::string held_reason;
  // True when status is active and valid_from <= now < valid_until (mode aside).
  bool in_force(Instant now) const {
    return status == Status::active && valid_from <= now && now < valid_until;
  }
  // "met-lvws-referral v3"
  std::string label() const;
};

// Whether a data path (relative to data, "victim.dob") falls under a rule prefix.
bool path_matches(std::string_view path, std::string_view prefix, bool wildcard);
// Whether any path could be matched by both patterns (as written, "data.x.*").
bool patterns_overlap(std::string_view a, std::string_view b);

}  // namespace accord::agreements
