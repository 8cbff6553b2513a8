// The agreement file loader: YAML text in, an Agreement or diagnostics out. Pure (the caller
// reads the file); never throws, never aborts, on any input (it has a libFuzzer target).
//
// It checks everything that one file can show on its own: YAML syntax, unknown and duplicate
// keys, required keys, types and allowed values, dates, field paths and wildcards, condition
// forms, contradictory field actions within a flow. Set-level meaning (agencies, event types,
// versions, Art 9, expiry) is the validator's job (validator.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/agreements/diagnostic.hpp"

namespace accord::agreements {

// Inputs over this size are refused with code "too_large" before parsing.
inline constexpr std::size_t kMaxAgreementBytes = 1024 * 1024;

struct LoadResult {
  std::optional<Agreement> agreement;   // set only when there are no errors
  std::vector<Diagnostic> diagnostics;  // every finding, in file order where possible
  bool ok() const { return agreement.has_value(); }
};

LoadResult parse(std::string_view yaml_text, std::string_view file_name);

// One file's name and content, as read by the caller.
struct SourceText {
  std::string file;
  std::string text;
};

// Parses each source; agreements that loaded cleanly are returned, all diagnostics collected.
struct LoadedSet {
  std::vector<Agreement> agreements;
  std::vector<Diagnostic> diagnostics;
};
LoadedSet parse_all(const std::vector<SourceText>& sources);

}  // namespace accord::agreements
