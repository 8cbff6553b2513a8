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
  std::string name;                     // "hearing.listed"
  std::string description;
  std::vector<std::string> from_kinds;  // agency kinds that originate it: police, cps, wcu, ...
  std::vector<std::string> to_kinds;
  std::optional<int> deadline_days_standard;  // working days, when the Code sets one
  std::optional<int> deadline_days_enhanced;
};

class Vocabulary {
 public:
  // Parses the YAML text of a vocabulary file. Pure: the caller reads the file.
  // Errors carry "line:col" in Error::path.
  static Result<Vocabulary> parse(std::string_view yaml_text);

  const EventType* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  const std::map<std::string, EventType, std::less<>>& all() const { return types_; }

 private:
  std::map<std::string, EventType, std::less<>> types_;
};

}  // namespace accord::envelope
