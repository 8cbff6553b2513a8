// The non-identifying inputs of one submission's decision, recorded once per decided
// submission as a `decision.inputs` audit record (docs/audit-format.md §1), so that a proposed
// agreement set can be tried on recent traffic (`accord agreements dry-run`, dry_run.hpp)
// without the gateway storing any field's value. docs/agreements.md, "Dry run", gives the
// privacy argument.
//
// What is kept: which data paths were present (names, never values), the envelope's bare
// classification marking and case owner (headers), the stored-state facts the decision read
// (closed lists), and for each data path that some condition of the loaded set tests, the
// value only when it equals one of the literals the loaded agreements themselves name for that
// path; otherwise the list of those literals it is known not to equal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/subject_state.hpp"
#include "accord/core/result.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::agreements {

// Per data path that a condition of the set tests ("data.consent.referral"), the literal
// values its equals / not_equals / in tests name, as canonical JSON text, sorted, unique.
// Built once per loaded set (every agreement, any status or mode).
class ConditionLiterals {
 public:
  static ConditionLiterals of(const AgreementSet& set);
  static ConditionLiterals of(const std::vector<Agreement>& agreements);
  const std::map<std::string, std::vector<std::string>, std::less<>>& by_path() const {
    return by_path_;
  }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> by_path_;
};

struct DecisionInputs {
  std::string classification;      // the bare marking ("OFFICIAL-SENSITIVE"), "" when unrecognised
  std::string case_owner;          // the envelope's case owner agency id
  std::vector<std::string> paths;  // every data field path present, "data.victim.dob", sorted
  // Per tested path present at or below it: the canonical JSON of the literal it equals, or
  // {"not":[literal,...]} (every literal named for the path that it does not equal; an object
  // or array value equals none). A tested path with nothing at or below it is not listed.
  std::vector<std::pair<std::string, std::string>> facts;
  bool state_read = false;  // whether the decision read the subject's stored state
  SubjectState state;       // when state_read
};

DecisionInputs collect_inputs(const envelope::Envelope& envelope, const ConditionLiterals& literals,
                              const SubjectState* state);

// The record's `details` (in this order: classification, case.owner, state = read | not_read,
// then state.consent, state.contact.channel, state.contact.updates,
// state.contact.do_not_contact when recorded, then "fact.<path>" per fact) and `fields`
// ([path, "present"] per path); and back. Errors (invalid_record): a member of the wrong form.
std::vector<std::pair<std::string, std::string>> inputs_details(const DecisionInputs& inputs);
std::vector<std::pair<std::string, std::string>> inputs_fields(const DecisionInputs& inputs);
Result<DecisionInputs> inputs_from_record(
    const std::vector<std::pair<std::string, std::string>>& details,
    const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace accord::agreements
