#include "accord/agreements/subject_state.hpp"

#include <initializer_list>
#include <nlohmann/json.hpp>

namespace accord::agreements {

std::vector<std::string> state_fact_values(std::string_view fact) {
  auto quoted = [](std::initializer_list<const char*> names) {
    std::vector<std::string> out;
    for (const char* n : names) out.push_back(nlohmann::json(n).dump());
    return out;
  };
  if (fact == "state.consent") return quoted({"given", "withdrawn"});
  if (fact == "state.contact.channel") {
    return quoted({"phone", "email", "letter", "sms", "in_person", "none"});
  }
  if (fact == "state.contact.updates") return quoted({"all", "key_only", "none"});
  if (fact == "state.contact.do_not_contact") return {"true", "false"};
  return {};
}

std::optional<std::string> state_fact_json(const SubjectState& state, std::string_view fact) {
  if (fact == "state.consent") {
    if (!state.consent) return std::nullopt;
    return nlohmann::json(*state.consent).dump();
  }
  constexpr std::string_view kContact = "state.contact.";
  if (fact.substr(0, kContact.size()) != kContact) return std::nullopt;
  const std::string key(fact.substr(kContact.size()));
  const auto it = state.contact.find(key);
  if (it == state.contact.end()) return std::nullopt;
  // do_not_contact is a JSON boolean in events and conditions alike.
  if (key == "do_not_contact") return it->second == "true" ? "true" : "false";
  return nlohmann::json(it->second).dump();
}

}  // namespace accord::agreements
