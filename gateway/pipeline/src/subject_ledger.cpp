#include "accord/pipeline/subject_ledger.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace accord::pipeline {
namespace {

constexpr std::string_view kConsentWithdrawn = "consent.withdrawn";
constexpr std::string_view kErasureRequested = "subject.erasure_requested";
constexpr std::string_view kContactPrefix = "contact.";

// Whether `candidate` (at_ms, tie key) beats `current`.
bool later(std::int64_t at, const std::string& tie, std::int64_t current_at,
           const std::string& current_tie) {
  return at > current_at || (at == current_at && tie > current_tie);
}

// The JSON string value at `path` when it is one of `allowed`.
std::optional<std::string> closed_text(const envelope::Envelope& e, std::string_view path,
                                       std::initializer_list<std::string_view> allowed) {
  const envelope::Field* f = e.find(path);
  if (!f) return std::nullopt;
  const auto v = nlohmann::json::parse(f->json, nullptr, false);
  if (!v.is_string()) return std::nullopt;
  const std::string text = v.get<std::string>();
  for (std::string_view a : allowed) {
    if (a == text) return text;
  }
  return std::nullopt;
}

}  // namespace

bool is_propagated(std::string_view event_type) {
  return event_type == kConsentWithdrawn || event_type == kErasureRequested;
}

SubjectLedger fold_ledger(const std::vector<spool::SubjectStateRow>& rows,
                          std::string_view event_type, std::string_view sender) {
  SubjectLedger out;
  std::int64_t consent_at = 0;
  std::string consent_tie;
  std::map<std::string, std::pair<std::int64_t, std::string>> contact_at;  // key → (at, agency)
  const std::string_view holding = event_type == kConsentWithdrawn   ? "holds.consent_based"
                                   : event_type == kErasureRequested ? "holds"
                                                                     : "";
  std::set<std::string> holders;
  for (const auto& row : rows) {
    if (row.name == "consent") {
      // withdrawn > given as text: a tie goes to the withdrawal (fail closed).
      if (!out.state.consent || later(row.at_ms, row.value, consent_at, consent_tie)) {
        out.state.consent = row.value;
        consent_at = row.at_ms;
        consent_tie = row.value;
      }
    } else if (row.name.compare(0, kContactPrefix.size(), kContactPrefix) == 0) {
      const std::string key = row.name.substr(kContactPrefix.size());
      auto it = contact_at.find(key);
      if (it == contact_at.end() ||
          later(row.at_ms, row.agency, it->second.first, it->second.second)) {
        contact_at[key] = {row.at_ms, row.agency};
        out.state.contact[key] = row.value;
      }
    } else if (!holding.empty() && row.name == holding && row.agency != sender) {
      holders.insert(row.agency);
    }
  }
  out.holders.assign(holders.begin(), holders.end());
  return out;
}

std::vector<PlannedCopy> notices_for(const std::vector<SealedCopy>& sealed,
                                     const envelope::Envelope& envelope,
                                     const std::vector<std::string>& holders) {
  std::vector<PlannedCopy> notices;
  for (const std::string& holder : holders) {
    const bool has_copy = std::any_of(sealed.begin(), sealed.end(),
                                      [&](const SealedCopy& c) { return c.recipient == holder; });
    if (has_copy) continue;
    PlannedCopy notice;
    notice.recipient = holder;
    notice.copy = envelope;
    notice.copy.data.clear();  // the header only: the holder learns of the event, nothing more
    notice.fields.reserve(envelope.data.size());
    for (const auto& f : envelope.data) notice.fields.push_back({f.path, "drop"});
    notice.reason = "propagation of " + envelope.type + " to " +
                    (envelope.type == kConsentWithdrawn ? "a consent-based holder" : "a holder") +
                    " of subject data: notice (header only, no agreement)";
    notices.push_back(std::move(notice));
  }
  return notices;
}

audit::Event notified_record(const audit::Event& decision_facts,
                             const std::vector<std::string>& holders,
                             const std::vector<SealedCopy>& copies) {
  audit::Event e = decision_facts;
  e.kind = audit::kind::kComplianceNotified;
  e.recipient.clear();
  e.agreement.clear();
  e.copy_hash.clear();
  e.content_hash.clear();
  e.fields.clear();
  e.details.clear();  // decision.inputs, the first record of a submission, has its own
  e.code.clear();
  e.reason.clear();
  e.delivery_id = 0;
  std::string all, notices;
  for (const auto& h : holders) all += (all.empty() ? "" : ",") + h;
  for (const auto& c : copies) {
    const bool holder = std::binary_search(holders.begin(), holders.end(), c.recipient);
    if (holder && c.agreement.empty()) notices += (notices.empty() ? "" : ",") + c.recipient;
  }
  e.details.emplace_back("holders", all);
  if (!notices.empty()) e.details.emplace_back("notices", notices);
  return e;
}

std::vector<spool::SubjectFact> ledger_facts(const envelope::Envelope& envelope,
                                             const std::string& sender,
                                             const std::vector<SealedCopy>& copies) {
  std::vector<spool::SubjectFact> facts;
  if (envelope.type == "consent.given") facts.push_back({sender, "consent", "given"});
  if (envelope.type == kConsentWithdrawn) facts.push_back({sender, "consent", "withdrawn"});
  if (envelope.type == "contact.preferences_changed") {
    if (auto v = closed_text(envelope, "contact_preferences.channel",
                             {"phone", "email", "letter", "sms", "in_person", "none"})) {
      facts.push_back({sender, "contact.channel", *v});
    }
    if (auto v =
            closed_text(envelope, "contact_preferences.updates", {"all", "key_only", "none"})) {
      facts.push_back({sender, "contact.updates", *v});
    }
    if (const envelope::Field* f = envelope.find("contact_preferences.do_not_contact");
        f && (f->json == "true" || f->json == "false")) {
      facts.push_back({sender, "contact.do_not_contact", f->json});
    }
  }
  for (const SealedCopy& copy : copies) {
    facts.push_back({copy.recipient, "holds", copy.agreement.empty() ? "notice" : copy.agreement});
    if (copy.consent_based)
      facts.push_back({copy.recipient, "holds.consent_based", copy.agreement});
  }
  return facts;
}

}  // namespace accord::pipeline
