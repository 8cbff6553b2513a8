// libFuzzer target for the policy files' readers: AgencyDirectory::parse, Vocabulary::parse,
// RuleBook::load and WorkingCalendar::load must never crash or throw on any bytes, must
// refuse only with the code their documentation promises (docs/agreements.md "Agencies",
// docs/envelope.md, docs/compliance.md §2, §3), a message and a position, and what they
// accept must hold together (every agency has an id, a name and a known kind; every event
// type is found by its name; a calendar's first year is not after its last).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accord/agreements/agency.hpp"
#include "accord/compliance/calendar.hpp"
#include "accord/compliance/rules.hpp"
#include "accord/envelope/vocabulary.hpp"

namespace {

// A refusal with the reader's code, a message, and a position ("line:col", or for the
// compliance files "file:line:col").
void check_refusal(const accord::Error& error, std::initializer_list<std::string_view> codes) {
  if (std::find(codes.begin(), codes.end(), error.code) == codes.end()) std::abort();
  if (error.message.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto agencies = accord::agreements::AgencyDirectory::parse(text);
  if (agencies.ok()) {
    for (const auto& [id, agency] : agencies.value().all()) {
      const auto& kinds = accord::agreements::AgencyDirectory::kKinds;
      if (id.empty() || id != agency.id || agency.name.empty() ||
          std::find(std::begin(kinds), std::end(kinds), agency.kind) == std::end(kinds)) {
        std::abort();
      }
    }
  } else {
    check_refusal(agencies.error(), {"invalid_agencies"});
  }

  const auto vocabulary = accord::envelope::Vocabulary::parse(text);
  if (vocabulary.ok()) {
    for (const auto& [name, type] : vocabulary.value().all()) {
      if (vocabulary.value().find(name) != &type) std::abort();
    }
  } else {
    check_refusal(vocabulary.error(),
                  {"yaml_syntax", "yaml_alias", "wrong_type", "missing_field", "unknown_key",
                   "duplicate_key", "invalid_name", "duplicate_name", "invalid_value"});
  }

  const auto rules = accord::compliance::RuleBook::load(text, "rules.yaml");
  if (!rules.ok()) check_refusal(rules.error(), {"invalid_rules"});

  const auto calendar = accord::compliance::WorkingCalendar::load(text, "calendar.yaml");
  if (calendar.ok()) {
    if (calendar.value().first_year() > calendar.value().last_year()) std::abort();
  } else {
    check_refusal(calendar.error(), {"invalid_calendar"});
  }
  return 0;
}
