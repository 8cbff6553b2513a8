// Victims' Code duties as data: versioned rule sets (config/compliance/victims-code.yaml,
// format in docs/compliance.md §2). The Code has changed four times and will change again,
// so which duty applies, to whom, from when and with which deadline is read, never coded.
// Pure: the caller reads the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/compliance/calendar.hpp"
#include "accord/core/result.hpp"

namespace accord::compliance {

// When a duty's clock starts.
enum class StartBasis {
  received,  // when the informer received the information: the gateway's receipt when the
             // informer is the sender, else the informer's acknowledgement of its copy
  occurred,  // the envelope's occurred_at (a hop measured from the event itself)
};

// What stops a duty's clock.
enum class StopKind {
  informed,   // a victim.informed from the informer naming this message
  follow_up,  // the informer submits one of `follow_up_events` about the same case and subject
  received,   // the informer acknowledges its copy of this message (a hop between agencies)
};

struct Duty {
  std::string id;  // unique within its rule set: "wcu-hearing"
  int right = 0;   // Victims' Code right, 2020 numbering (1..12)
  std::string description;
  std::vector<std::string> events;      // event types that start the clock
  std::vector<std::string> from_kinds;  // sender kinds that start it; empty = any sender
  std::string informer;                 // agency kind responsible: police, cps, wcu, ...
  StartBasis start = StartBasis::received;
  StopKind stop = StopKind::informed;
  std::vector<std::string> follow_up_events;  // StopKind::follow_up only
  int deadline_standard = 0;                  // working days
  int deadline_enhanced = 0;                  // working days for victims with enhanced rights
};

struct RuleSet {
  std::string id;     // "vcop-2020"
  std::string title;  // "Code of Practice for Victims of Crime in England and Wales (2020)"
  std::string source;
  CivilDate effective_from;                  // London date, inclusive
  std::optional<CivilDate> effective_until;  // exclusive; none = still in force
  std::vector<Duty> duties;
};

// Immutable after load(): safe to share between threads.
class RuleBook {
 public:
  // Errors: code `invalid_rules`, path "file:line:col" (`file_name` in front). A rule set
  // whose event types are not in `known_events` (when given) is refused too.
  static Result<RuleBook> load(std::string_view yaml_text, std::string_view file_name,
                               const std::vector<std::string>& known_events = {});

  const std::vector<RuleSet>& rule_sets() const { return sets_; }
  // The rule set in force on `date` (London date of a clock's start), or nullptr.
  const RuleSet* in_force(const CivilDate& date) const;
  // Every event type any duty of any rule set starts or stops a clock on (sorted, unique):
  // what the pipeline writes compliance.facts records for.
  const std::vector<std::string>& tracked_event_types() const { return tracked_; }

 private:
  std::vector<RuleSet> sets_;  // by effective_from ascending, no overlap
  std::vector<std::string> tracked_;
};

}  // namespace accord::compliance
