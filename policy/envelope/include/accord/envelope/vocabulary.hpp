// The controlled vocabulary of event types, held as data (config/vocabulary.yaml), because
// the Victims' Code changes: who sends what is not code. Deadlines are not here: they are
// versioned rule-set data (config/compliance/victims-code.yaml, docs/compliance.md §2).
#pragma once

#include <map>
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

  // `gateway` in `to`: the gateway itself records the event, so a submission that no agreement
  // routes to anyone is accepted with no recipients (docs/envelope.md §5).
  bool recorded_by_gateway() const;
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
