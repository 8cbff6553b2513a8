// What the gateway knows about a message's subject from earlier messages: the subject-state
// ledger (docs/compliance.md §7) folded into the values agreements read. Plain values, built
// by the gateway (pipeline/) from its ledger and passed into decide(); decide() stays pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::agreements {

struct SubjectState {
  // The latest consent fact about the subject from any agency: "given" | "withdrawn";
  // nullopt when none was ever recorded.
  std::optional<std::string> consent;
  // The latest contact preference per key from any agency: "channel" | "updates" |
  // "do_not_contact" → its value ("true"/"false" for do_not_contact).
  std::map<std::string, std::string> contact;
};

// The condition facts a `when` may name about the stored state (docs/agreements.md).
inline constexpr std::string_view kStateFacts[] = {"state.consent", "state.contact.channel",
                                                   "state.contact.updates",
                                                   "state.contact.do_not_contact"};

inline bool is_state_fact(std::string_view fact) {
  for (std::string_view f : kStateFacts) {
    if (f == fact) return true;
  }
  return false;
}

// The values a state fact can hold, as canonical JSON text (closed lists, docs/agreements.md):
// consent given | withdrawn; channel phone | email | letter | sms | in_person | none; updates
// all | key_only | none; do_not_contact true | false. Empty for a name that is no state fact.
std::vector<std::string> state_fact_values(std::string_view fact);

// The state fact's value as canonical JSON text (a string, or true/false for do_not_contact),
// or nullopt when the state holds none.
std::optional<std::string> state_fact_json(const SubjectState& state, std::string_view fact);

}  // namespace accord::agreements
