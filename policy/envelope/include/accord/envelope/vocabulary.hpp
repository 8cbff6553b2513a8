// The controlled vocabulary of event types, held as data (config/vocabulary.yaml), because
// the Victims' Code changes: deadlines and who sends what are not code.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::envelope {

struct EventType {
  std::string name;  // "hearing.listed"
  std::string description;
  std::vector<std::string> from_kinds;  // agency kinds that originate it: police, cps, wcu, ...
  std::vector<std::string> to_kinds;
  std::optional<int> deadline_days_standard;  // working days, when the Code sets one
  std::optional<int> deadline_days_enhanced;
};

// Immutable after parse(): safe to share between threads.
class Vocabulary {
 public:
  // Parses the YAML text of a vocabulary file (format: docs/envelope.md §5). Pure: the caller
  // reads the file. Never throws. Errors carry the 1-based "line:col" of the offending node
  // in Error::path and one of the codes yaml_syntax, wrong_type, missing_field, unknown_key,
  // duplicate_key, invalid_name, duplicate_name, invalid_value.
  static Result<Vocabulary> parse(std::string_view yaml_text);

  const EventType* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  const std::map<std::string, EventType, std::less<>>& all() const { return types_; }

 private:
  std::map<std::string, EventType, std::less<>> types_;
};

}  // namespace accord::envelope
