// The compliance facts of a submission (docs/compliance.md §3): read from the envelope's data,
// checked against their closed lists, and carried in the audit log as a compliance.facts
// record's details. Pure: no clock, the receipt time is an argument.
#include "accord/compliance/facts.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/core/time_format.hpp"

namespace accord::compliance {
namespace {

using Details = std::vector<std::pair<std::string, std::string>>;

constexpr std::array<std::string_view, 8> kInformedChannels = {
    "phone", "email", "letter", "sms", "in_person", "video", "portal", "other"};
constexpr std::array<std::string_view, 6> kContactChannels = {"phone", "email",     "letter",
                                                              "sms",   "in_person", "none"};
constexpr std::array<std::string_view, 3> kContactUpdates = {"all", "key_only", "none"};

// The envelope's `id` grammar at its default limit (docs/envelope.md §2).
constexpr std::size_t kMaxMessageIdLength = 128;

template <std::size_t N>
bool in_list(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <std::size_t N>
std::string list_text(const std::array<std::string_view, N>& list) {
  std::string out;
  for (std::string_view item : list) {
    if (!out.empty()) out += " | ";
    out += item;
  }
  return out;
}

Error invalid(const std::string& path, std::string message) {
  return make_error("invalid_value", std::move(message), path);
}

// ---- time: the envelope's RFC 3339 profile, to Unix milliseconds ---------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_since_epoch(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int year_of_era = static_cast<int>(year - era * 400);
  const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int digits(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

// `text` already satisfies envelope::is_date_time (fixed positions, real date). Fractions
// below the millisecond are dropped (floor), as the gateway's own times are whole ms.
std::int64_t rfc3339_to_ms(std::string_view text) {
  const std::int64_t days =
      days_since_epoch(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2));
  std::int64_t ms =
      ((days * 24 + digits(text, 11, 2)) * 60 + digits(text, 14, 2)) * 60 + digits(text, 17, 2);
  ms *= 1000;
  std::size_t at = 19;
  if (text[at] == '.') {
    int scale = 100;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      ms += (text[at] - '0') * scale;
      scale /= 10;
    }
  }
  if (text[at] != 'Z') {
    const int offset_minutes = digits(text, at + 1, 2) * 60 + digits(text, at + 4, 2);
    ms -= (text[at] == '+' ? 1 : -1) * std::int64_t{offset_minutes} * 60'000;
  }
  return ms;
}

// A date-time of the envelope's profile, in Unix ms.
Result<std::int64_t> time_ms(std::string_view text, const std::string& path) {
  if (!envelope::is_date_time(text)) {
    return invalid(path, "must be an RFC 3339 date-time with Z or +hh:mm");
  }
  return rfc3339_to_ms(text);
}

// ---- data fields --------------------------------------------------------------------------

// Paths below are relative to `data` (as Envelope::find takes them); errors name them in full.
std::string data_path(std::string_view path) {
  return "data." + std::string(path);
}

// The leaf at `path`, or nullptr when absent. A non-empty object there has no leaf of its own
// (data is held flattened), so it is found by its children's prefix and refused, never
// mistaken for an absent field.
Result<const envelope::Field*> leaf(const envelope::Envelope& envelope, std::string_view path) {
  if (const envelope::Field* field = envelope.find(path)) return field;
  const std::string prefix = std::string(path) + ".";
  auto it = std::lower_bound(
      envelope.data.begin(), envelope.data.end(), prefix,
      [](const envelope::Field& field, const std::string& key) { return field.path < key; });
  if (it != envelope.data.end() && it->path.compare(0, prefix.size(), prefix) == 0) {
    return invalid(data_path(path), "must not be an object");
  }
  return static_cast<const envelope::Field*>(nullptr);
}

// The JSON string at `path`: nullopt when absent, an error when present and not a string.
Result<std::optional<std::string>> optional_string(const envelope::Envelope& envelope,
                                                   std::string_view path) {
  auto found = leaf(envelope, path);
  if (!found) return found.error();
  const envelope::Field* field = *found;
  if (field == nullptr) return std::optional<std::string>();
  // The decoder checked the text; a parse failure here would be a broken invariant.
  const nlohmann::json value = nlohmann::json::parse(field->json, nullptr, false);
  if (!value.is_string()) return invalid(data_path(path), "must be a JSON string");
  return std::optional<std::string>(value.get<std::string>());
}

Result<std::string> required_string(const envelope::Envelope& envelope, std::string_view path,
                                    std::string_view event_type) {
  auto value = optional_string(envelope, path);
  if (!value) return value.error();
  if (!value->has_value()) {
    return make_error("missing_field", std::string(event_type) + " needs " + data_path(path),
                      data_path(path));
  }
  return std::move(**value);
}

Result<std::optional<bool>> optional_bool(const envelope::Envelope& envelope,
                                          std::string_view path) {
  auto found = leaf(envelope, path);
  if (!found) return found.error();
  const envelope::Field* field = *found;
  if (field == nullptr) return std::optional<bool>();
  if (field->json == "true") return std::optional<bool>(true);
  if (field->json == "false") return std::optional<bool>(false);
  return invalid(data_path(path), "must be a JSON boolean (true or false)");
}

template <std::size_t N>
Result<std::optional<std::string>> optional_choice(const envelope::Envelope& envelope,
                                                   std::string_view path,
                                                   const std::array<std::string_view, N>& list) {
  auto value = optional_string(envelope, path);
  if (!value) return value.error();
  if (value->has_value() && !in_list(list, **value)) {
    return invalid(data_path(path), "must be one of " + list_text(list));
  }
  return value;
}

bool is_message_id(std::string_view text) {
  if (text.empty() || text.size() > kMaxMessageIdLength) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

// ^[a-z0-9-]+(\.[a-z0-9-]+)+$
bool is_agency_id(std::string_view text) {
  std::size_t labels = 0;
  std::size_t label_length = 0;
  for (char c : text) {
    if (c == '.') {
      if (label_length == 0) return false;
      ++labels;
      label_length = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      ++label_length;
    } else {
      return false;
    }
  }
  return label_length > 0 && labels >= 1;
}

// ^[a-z_]+(\.[a-z_]+)+$
bool is_event_type_name(std::string_view text) {
  std::size_t labels = 0;
  std::size_t label_length = 0;
  for (char c : text) {
    if (c == '.') {
      if (label_length == 0) return false;
      ++labels;
      label_length = 0;
    } else if ((c >= 'a' && c <= 'z') || c == '_') {
      ++label_length;
    } else {
      return false;
    }
  }
  return label_length > 0 && labels >= 1;
}

Result<InformedFact> informed_fact(const envelope::Envelope& envelope, std::string_view submitter,
                                   std::int64_t received_at_ms,
                                   const envelope::Vocabulary* vocabulary) {
  const std::string_view type = envelope.type;
  InformedFact fact;
  auto message_id = required_string(envelope, "informs.message_id", type);
  if (!message_id) return message_id.error();
  if (!is_message_id(*message_id)) {
    return invalid("data.informs.message_id",
                   "must be a message id ([A-Za-z0-9._:-], 1 to 128 characters)");
  }
  fact.message_id = std::move(*message_id);

  auto event_type = required_string(envelope, "informs.event_type", type);
  if (!event_type) return event_type.error();
  if (!is_event_type_name(*event_type) ||
      (vocabulary != nullptr && !vocabulary->contains(*event_type))) {
    return invalid("data.informs.event_type", "must be an event type of the vocabulary");
  }
  fact.event_type = std::move(*event_type);

  auto sender = optional_string(envelope, "informs.sender");
  if (!sender) return sender.error();
  if (sender->has_value() && !is_agency_id(**sender)) {
    return invalid("data.informs.sender", "must be an agency id (e.g. court.london)");
  }
  fact.sender = sender->has_value() ? std::move(**sender) : std::string(submitter);

  auto channel = required_string(envelope, "channel", type);
  if (!channel) return channel.error();
  if (!in_list(kInformedChannels, *channel)) {
    return invalid("data.channel", "must be one of " + list_text(kInformedChannels));
  }
  fact.channel = std::move(*channel);

  auto informed_at = required_string(envelope, "informed_at", type);
  if (!informed_at) return informed_at.error();
  auto informed_ms = time_ms(*informed_at, "data.informed_at");
  if (!informed_ms) return informed_ms.error();
  if (*informed_ms > received_at_ms) {
    return invalid("data.informed_at", "must not be later than the gateway's receipt (" +
                                           format_time_ms(received_at_ms) + ")");
  }
  fact.informed_at_ms = *informed_ms;
  return fact;
}

Status contact_facts(const envelope::Envelope& envelope, ComplianceFacts& facts) {
  auto channel = optional_choice(envelope, "contact_preferences.channel", kContactChannels);
  if (!channel) return channel.error();
  auto do_not_contact = optional_bool(envelope, "contact_preferences.do_not_contact");
  if (!do_not_contact) return do_not_contact.error();
  auto updates = optional_choice(envelope, "contact_preferences.updates", kContactUpdates);
  if (!updates) return updates.error();
  // Sorted by name; other keys of data.contact_preferences (a safe number) never become facts.
  if (channel->has_value()) facts.contact.emplace_back("channel", **channel);
  if (do_not_contact->has_value()) {
    facts.contact.emplace_back("do_not_contact", **do_not_contact ? "true" : "false");
  }
  if (updates->has_value()) facts.contact.emplace_back("updates", **updates);
  return Status::Ok();
}

Result<ComplianceFacts> extract(const envelope::Envelope& envelope, std::string_view submitter,
                                std::int64_t received_at_ms,
                                const envelope::Vocabulary* vocabulary) {
  ComplianceFacts facts;
  auto occurred = time_ms(envelope.occurred_at, "occurred_at");
  if (!occurred) return occurred.error();
  facts.occurred_at_ms = *occurred;

  auto enhanced = optional_bool(envelope, "enhanced_rights.eligible");
  if (!enhanced) return enhanced.error();
  facts.enhanced = *enhanced;

  const std::string_view type = envelope.type;
  if (type == event::kEnhancedRightsChanged && !facts.enhanced.has_value()) {
    return make_error("missing_field", std::string(type) + " needs data.enhanced_rights.eligible",
                      "data.enhanced_rights.eligible");
  }
  if (type == event::kVictimInformed) {
    auto informed = informed_fact(envelope, submitter, received_at_ms, vocabulary);
    if (!informed) return informed.error();
    facts.informed = std::move(*informed);
  }
  if (type == event::kConsentGiven) facts.consent = "given";
  if (type == event::kConsentWithdrawn) facts.consent = "withdrawn";
  if (type == event::kContactPreferencesChanged) {
    if (Status s = contact_facts(envelope, facts); !s) return s.error();
  }
  return facts;
}

// ---- details ------------------------------------------------------------------------------

Error bad_detail(const std::string& name, std::string message) {
  return make_error("invalid_facts", std::move(message), name);
}

// Exactly format_time_ms's form: YYYY-MM-DDTHH:MM:SS.mmmZ.
Result<std::int64_t> detail_time(const std::string& name, const std::string& value) {
  if (value.size() != 24 || value[19] != '.' || value[23] != 'Z' ||
      !envelope::is_date_time(value)) {
    return bad_detail(name, "must be an RFC 3339 UTC time with milliseconds");
  }
  return rfc3339_to_ms(value);
}

}  // namespace

Result<ComplianceFacts> extract_facts(const envelope::Envelope& envelope,
                                      std::string_view submitter, std::int64_t received_at_ms,
                                      const envelope::Vocabulary* vocabulary) {
  return extract(envelope, submitter, received_at_ms, vocabulary);
}

std::vector<std::pair<std::string, std::string>> facts_to_details(const ComplianceFacts& facts) {
  Details details;
  details.emplace_back("occurred_at", format_time_ms(facts.occurred_at_ms));
  if (facts.enhanced.has_value()) {
    details.emplace_back("enhanced", *facts.enhanced ? "true" : "false");
  }
  if (facts.informed.has_value()) {
    const InformedFact& informed = *facts.informed;
    details.emplace_back("informs_sender", informed.sender);
    details.emplace_back("informs_message_id", informed.message_id);
    details.emplace_back("informs_event_type", informed.event_type);
    details.emplace_back("informed_at", format_time_ms(informed.informed_at_ms));
    details.emplace_back("channel", informed.channel);
  }
  if (!facts.consent.empty()) details.emplace_back("consent", facts.consent);
  for (const auto& [name, value] : facts.contact) details.emplace_back("contact." + name, value);
  return details;
}

Result<ComplianceFacts> facts_from_details(
    const std::vector<std::pair<std::string, std::string>>& details) {
  ComplianceFacts facts;
  InformedFact informed;
  std::vector<std::string> seen;
  bool has_occurred = false;
  int informed_parts = 0;
  for (const auto& [name, value] : details) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return bad_detail(name, "given twice");
    }
    seen.push_back(name);
    if (name == "occurred_at") {
      auto ms = detail_time(name, value);
      if (!ms) return ms.error();
      facts.occurred_at_ms = *ms;
      has_occurred = true;
    } else if (name == "enhanced") {
      if (value != "true" && value != "false") return bad_detail(name, "must be true or false");
      facts.enhanced = value == "true";
    } else if (name == "informs_sender") {
      if (!is_agency_id(value)) return bad_detail(name, "must be an agency id");
      informed.sender = value;
      ++informed_parts;
    } else if (name == "informs_message_id") {
      if (!is_message_id(value)) return bad_detail(name, "must be a message id");
      informed.message_id = value;
      ++informed_parts;
    } else if (name == "informs_event_type") {
      if (!is_event_type_name(value)) return bad_detail(name, "must be an event type name");
      informed.event_type = value;
      ++informed_parts;
    } else if (name == "informed_at") {
      auto ms = detail_time(name, value);
      if (!ms) return ms.error();
      informed.informed_at_ms = *ms;
      ++informed_parts;
    } else if (name == "channel") {
      if (!in_list(kInformedChannels, value)) {
        return bad_detail(name, "must be one of " + list_text(kInformedChannels));
      }
      informed.channel = value;
      ++informed_parts;
    } else if (name == "consent") {
      if (value != "given" && value != "withdrawn") {
        return bad_detail(name, "must be given or withdrawn");
      }
      facts.consent = value;
    } else if (name == "contact.channel") {
      if (!in_list(kContactChannels, value)) {
        return bad_detail(name, "must be one of " + list_text(kContactChannels));
      }
      facts.contact.emplace_back("channel", value);
    } else if (name == "contact.do_not_contact") {
      if (value != "true" && value != "false") return bad_detail(name, "must be true or false");
      facts.contact.emplace_back("do_not_contact", value);
    } else if (name == "contact.updates") {
      if (!in_list(kContactUpdates, value)) {
        return bad_detail(name, "must be one of " + list_text(kContactUpdates));
      }
      facts.contact.emplace_back("updates", value);
    } else {
      return bad_detail(name, "not a compliance fact (docs/audit-format.md §1)");
    }
  }
  if (!has_occurred) return bad_detail("occurred_at", "missing");
  if (informed_parts != 0 && informed_parts != 5) {
    return bad_detail("informs_message_id",
                      "a victim.informed fact needs informs_sender, informs_message_id, "
                      "informs_event_type, informed_at and channel together");
  }
  if (informed_parts == 5) facts.informed = std::move(informed);
  std::sort(facts.contact.begin(), facts.contact.end());
  return facts;
}

}  // namespace accord::compliance
