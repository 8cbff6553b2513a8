#include "accord/bench/envelope_gen.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace accord::bench {
namespace {

constexpr std::size_t kMaxRunId = 64;

// splitmix64: a cheap, well-mixed hash of the sequence number, so field values vary without
// shared random state between threads.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <std::size_t N>
std::string_view pick(const std::array<std::string_view, N>& options, std::uint64_t h) {
  return options[h % N];
}

std::string digits(std::uint64_t value, int width) {
  std::string out(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0 && value > 0; --i, value /= 10) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  }
  return out;
}

std::string hex(std::uint64_t value, int width) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i, value >>= 4)
    out[static_cast<std::size_t>(i)] = kHex[value & 15];
  return out;
}

// "2026-MM-DDTHH:MM:00Z" within 2026-01-01..2026-11-28: every day number is valid in every
// month used.
std::string timestamp(std::uint64_t h) {
  return "2026-" + digits(1 + h % 11, 2) + "-" + digits(1 + (h >> 8) % 28, 2) + "T" +
         digits((h >> 16) % 24, 2) + ":" + digits((h >> 24) % 60, 2) + ":00Z";
}

std::string date(std::uint64_t h) {
  return digits(1950 + h % 55, 4) + "-" + digits(1 + (h >> 8) % 12, 2) + "-" +
         digits(1 + (h >> 16) % 28, 2);
}

std::string q(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

constexpr std::array<std::string_view, 5> kStations = {"Southwark", "Lambeth", "Brixton", "Hackney",
                                                       "Croydon"};
constexpr std::array<std::string_view, 6> kOffences = {"burglary",        "assault",    "robbery",
                                                       "criminal_damage", "harassment", "theft"};
constexpr std::array<std::string_view, 3> kSafety = {"low", "medium", "high"};
constexpr std::array<std::string_view, 4> kRoles = {"victim", "victim", "victim", "witness"};

// The event-specific member of data, as the text of one JSON object member.
std::string event_block(std::string_view type, std::uint64_t h) {
  const std::string when = q(timestamp(h >> 3));
  if (type == "suspect.arrested") {
    return "\"arrest\":{\"arrested_at\":" + when +
           ",\"custody\":" + q(std::string(pick(kStations, h >> 5)) + " custody suite") +
           ",\"next_step\":\"interview\"}";
  }
  if (type == "suspect.interviewed") {
    return "\"interview\":{\"interviewed_at\":" + when + ",\"outcome\":" +
           q(pick(std::array<std::string_view, 3>{"no_comment", "admission", "denial"}, h >> 7)) +
           ",\"solicitor_present\":true}";
  }
  if (type == "suspect.released") {
    return "\"release\":{\"released_at\":" + when + ",\"outcome\":" +
           q(pick(std::array<std::string_view, 3>{"bail", "released_under_investigation",
                                                  "no_further_action"},
                  h >> 7)) +
           "}";
  }
  if (type == "bail.conditions_changed") {
    return "\"bail\":{\"changed_at\":" + when +
           ",\"conditions\":[\"not to contact the victim directly or indirectly\","
           "\"not to enter the victim's street\",\"curfew 19:00-07:00\"],\"return_date\":" +
           q(timestamp(h >> 11).substr(0, 10)) + "}";
  }
  if (type == "charge.decided") {
    return "\"charge\":{\"decided_at\":" + when + ",\"decision\":" +
           q(pick(std::array<std::string_view, 3>{"charged", "cautioned", "no_prosecution"},
                  h >> 7)) +
           ",\"offences\":[" + q(pick(kOffences, h >> 9)) +
           "],\"first_hearing\":" + q(timestamp(h >> 13).substr(0, 10)) + "}";
  }
  if (type == "investigation.closed") {
    return "\"investigation\":{\"closed_at\":" + when + ",\"reason\":" +
           q(pick(std::array<std::string_view, 3>{"evidential_difficulties",
                                                  "suspect_not_identified", "victim_withdrew"},
                  h >> 7)) +
           ",\"right_to_review\":true}";
  }
  if (type == "case.charged_handover") {
    return "\"handover\":{\"handed_over_at\":" + when +
           ",\"wcu\":\"wcu.met\",\"enhanced_rights\":" + ((h >> 7) % 2 ? "true" : "false") + "}";
  }
  // vps.recorded
  return "\"vps\":{\"recorded_at\":" + when +
         ",\"read_in_court_requested\":" + ((h >> 7) % 2 ? "true" : "false") +
         ",\"format\":\"written\"}";
}

// Offences no flow but met-lvws-referral takes a referral for (met-survivors-uk-referral only
// takes sexual offences), so a referral makes exactly one copy.
constexpr std::array<std::string_view, 4> kReferralOffences = {"burglary", "assault", "robbery",
                                                               "theft"};
constexpr std::array<std::string_view, 2> kConsent = {"explicit", "opt_out_not_exercised"};

// The data members of a referral, without the closing brace of data.
std::string referral_data(std::uint64_t h) {
  return "\"victim\":{\"dob\":" + q(date(h >> 4)) +
         ",\"postcode\":" + q("SE1 " + digits((h >> 9) % 10, 1) + "XX") +
         ",\"preferred_language\":\"en\",\"contact\":{\"phone\":" +
         q("07700 9" + digits((h >> 20) % 100'000, 5)) +
         ",\"email\":" + q("v" + hex(h >> 24, 6) + "@example.org") +
         ",\"safe_times\":[\"Mon-Fri 10:00-12:00\",\"Sat 09:00-11:00\"]"
         ",\"do_not_leave_messages\":" +
         ((h >> 30) % 2 ? "true" : "false") + ",\"do_not_contact_by\":[\"post\",\"landline\"]}}" +
         ",\"offence\":{\"category\":" + q(pick(kReferralOffences, h >> 33)) +
         ",\"date\":" + q(timestamp(h >> 5).substr(0, 10)) +
         ",\"crime_reference\":" + q("MP/2026/" + digits((h >> 12) % 100'000, 5)) + "}" +
         ",\"needs\":{\"safety\":" + q(pick(kSafety, h >> 36)) + ",\"emotional_support\":true}" +
         ",\"consent\":{\"referral\":" + q(pick(kConsent, h >> 38)) +
         ",\"recorded_at\":" + q(timestamp(h >> 6)) + "}";
}

constexpr std::string_view kFiller =
    "Officer in case updated the victim by phone and recorded their questions about the next "
    "steps and any support they may want from the local service. ";

}  // namespace

const std::vector<std::string>& default_event_types() {
  static const std::vector<std::string> types = {"suspect.arrested",      "suspect.interviewed",
                                                 "suspect.released",      "bail.conditions_changed",
                                                 "charge.decided",        "investigation.closed",
                                                 "case.charged_handover", "vps.recorded"};
  return types;
}

Result<EnvelopeGenerator> EnvelopeGenerator::create(GeneratorOptions options) {
  const auto id_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  };
  if (options.run_id.empty() || options.run_id.size() > kMaxRunId ||
      !std::all_of(options.run_id.begin(), options.run_id.end(), id_char)) {
    return make_error("invalid_argument",
                      "run id '" + options.run_id + "' must be 1-64 characters of [A-Za-z0-9._:-]",
                      "run_id");
  }
  if (options.workload == Workload::referral) {
    if (!options.event_types.empty()) {
      return make_error("invalid_argument",
                        "the referral workload sends referral.created only: give no event types",
                        "event_types");
    }
    options.event_types = {"referral.created"};
    return EnvelopeGenerator(std::move(options));
  }
  if (options.event_types.empty()) options.event_types = default_event_types();
  for (const auto& type : options.event_types) {
    const auto& known = default_event_types();
    if (std::find(known.begin(), known.end(), type) == known.end()) {
      return make_error("invalid_argument",
                        "no data shape for event type '" + type +
                            "' (known: suspect.arrested, "
                            "suspect.interviewed, suspect.released, bail.conditions_changed, "
                            "charge.decided, investigation.closed, case.charged_handover, "
                            "vps.recorded)",
                        "event_types");
    }
  }
  return EnvelopeGenerator(std::move(options));
}

std::string EnvelopeGenerator::id_for(std::uint64_t seq) const {
  return options_.run_id + "-" + std::to_string(seq);
}

std::string EnvelopeGenerator::make(std::uint64_t seq) const {
  const std::uint64_t h = mix(seq);
  const std::string& type = options_.event_types[seq % options_.event_types.size()];
  std::string body;
  body.reserve(std::max<std::size_t>(options_.target_bytes, 900) + 64);
  body += "{\"id\":" + q(id_for(seq)) + ",\"type\":" + q(type);
  body += ",\"case\":{\"urn\":" + q("01MP" + digits(h % 10'000'000, 7)) +
          ",\"owner\":" + q(options_.sender) + "}";
  const bool referral = options_.workload == Workload::referral;
  // A referral is always about a victim (the flow's condition).
  body +=
      ",\"subject\":{\"role\":" + q(referral ? std::string_view("victim") : pick(kRoles, h >> 40)) +
      ",\"ref\":" + q("V-" + hex(h >> 16, 8)) + "}";
  body += ",\"occurred_at\":" + q(timestamp(h >> 2));
  body += ",\"classification\":\"OFFICIAL-SENSITIVE\"";
  body += ",\"data\":{";
  if (referral) {
    body += referral_data(h);
  } else {
    body += "\"victim\":{\"dob\":" + q(date(h >> 4)) +
            ",\"contact\":{\"phone\":" + q("07700 9" + digits((h >> 20) % 100'000, 5)) + "}}";
    body += "," + event_block(type, h);
    body += ",\"offence\":{\"category\":" + q(pick(kOffences, h >> 33)) +
            ",\"crime_reference\":" + q("MP/2026/" + digits((h >> 12) % 100'000, 5)) + "}";
    body += ",\"needs\":{\"safety\":" + q(pick(kSafety, h >> 36)) + "}";
  }
  body += ",\"officer\":{\"collar\":" + q("PC " + digits((h >> 44) % 10'000, 4)) +
          ",\"station\":" + q(pick(kStations, h >> 50)) + "}";
  static constexpr std::string_view kSummaryOpen = ",\"update\":{\"summary\":\"";
  static constexpr std::string_view kClose = "\"}}}";
  const std::size_t fixed = body.size() + kSummaryOpen.size() + kClose.size();
  body += kSummaryOpen;
  // The summary is at least one character, and pads the body up to target_bytes.
  const std::size_t summary = options_.target_bytes > fixed ? options_.target_bytes - fixed : 1;
  for (std::size_t i = 0; i < summary; ++i) body += kFiller[(i + h % 7) % kFiller.size()];
  body += kClose;
  return body;
}

}  // namespace accord::bench
