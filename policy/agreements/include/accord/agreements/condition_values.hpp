// How an equals / not_equals / in condition compares a data field's value with the values it
// names (docs/agreements.md, "Conditions"). One definition, used by decide() and by the
// decision inputs recorded for a dry run (decision_inputs.hpp), so the two never disagree on
// what "equal" means.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace accord::agreements {

// The first of `values` (canonical minified JSON, as Condition::values holds them) that a data
// field's value (minified JSON, envelope::Field::json) equals: strings by their decoded text,
// numbers by value (3 equals 3.0, exactly), true/false/null by type. Arrays and objects equal
// none (the loader admits scalar condition values only). nullptr when it equals none.
const std::string* matching_value(const std::vector<std::string>& values, std::string_view json);

inline bool value_in(const std::vector<std::string>& values, std::string_view json) {
  return matching_value(values, json) != nullptr;
}

}  // namespace accord::agreements
