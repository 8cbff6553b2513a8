// The lifecycle rules of docs/agreements.md, "Co-signed activation and the lifecycle": one
// pass over the loaded versions, their statements and the Ledger, giving each version its
// state and listing the facts the log does not have yet, in the documented order.
#include "accord/governance/lifecycle.hpp"

#include <algorithm>
#include <set>

#include "ledger_keys.hpp"

namespace accord::governance {
namespace {

namespace ag = accord::agreements;

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string version_name(std::string_view id, int version) {
  return std::string(id) + "@" + std::to_string(version);
}

// Versions whose file says `status: active` are archived and governed; the rest need nothing.
bool declared_active(const VersionInput& v) {
  return v.declared == ag::Status::active;
}

struct Work {
  const VersionInput* input = nullptr;
  Governed governed;
  bool governed_version = false;  // declared active and its id@version not reused
  std::string archived_hash;      // version_reused: the text the log has for id@version
  std::vector<LifecycleEvent> refusals, signed_events, suspended_events;
  std::set<std::string> signature_keys;  // dedup of valid signatures within this pass
};

SignedBy signed_by(const Statement& s, const SignerRegistry& signers, std::string source) {
  const SigningKey* key = signers.find_kid(s.kid);
  return SignedBy{s.agency, s.kid, key ? key->signer : std::string(), s.signed_at,
                  std::move(source)};
}

// The audit record of a valid signature or suspension (contract §3).
LifecycleEvent statement_event(const Statement& s, const SignerRegistry& signers) {
  LifecycleEvent e;
  e.kind = std::string(s.kind == StatementKind::signature ? kind::kSigned : kind::kSuspended);
  e.agreement = version_name(s.agreement, s.version);
  if (s.kind == StatementKind::suspension) e.reason = s.reason;
  e.details.emplace_back("content_hash", s.content_hash);
  e.details.emplace_back("agency", s.agency);
  e.details.emplace_back("kid", s.kid);
  const SigningKey* key = signers.find_kid(s.kid);
  if (key && !key->signer.empty()) e.details.emplace_back("signer", key->signer);
  e.details.emplace_back("signed_at", s.signed_at);
  e.details.emplace_back("source", s.source);
  e.details.emplace_back("sig", s.sig);
  return e;
}

LifecycleEvent refusal_event(const Statement& s, std::string code, std::string reason) {
  LifecycleEvent e;
  e.kind = std::string(kind::kSignatureRefused);
  e.agreement = version_name(s.agreement, s.version);
  e.code = std::move(code);
  e.reason = std::move(reason);
  e.details.emplace_back("statement", std::string(to_string(s.kind)));
  e.details.emplace_back("content_hash", s.content_hash);
  e.details.emplace_back("agency", s.agency);
  e.details.emplace_back("kid", s.kid);
  e.details.emplace_back("source", s.source);
  return e;
}

// The loaded version a statement is checked against: its own id@version when loaded, else the
// highest loaded version of its id (so a replayed old signature is refused as other_version).
Work* target_of(const Statement& s, std::vector<Work>& work) {
  Work* best = nullptr;
  for (Work& w : work) {
    const VersionRef& ref = w.input->ref;
    if (ref.agreement != s.agreement) continue;
    if (ref.version == s.version) return &w;
    if (!best || ref.version > best->input->ref.version) best = &w;
  }
  return best;
}

std::string missing_reason(const std::vector<std::string>& missing) {
  return "awaiting signatures from " + join(missing, ", ");
}

std::string suspended_reason(const std::vector<SignedBy>& by,
                             const std::vector<std::string>& reasons) {
  std::string out = "suspended by ";
  for (std::size_t i = 0; i < by.size(); ++i) {
    if (i) out += "; ";
    out += by[i].agency;
    if (!reasons[i].empty()) out += ": " + reasons[i];
  }
  return out;
}

}  // namespace

std::string_view to_string(State state) {
  switch (state) {
    case State::draft:
      return "draft";
    case State::awaiting_signatures:
      return "awaiting_signatures";
    case State::active:
      return "active";
    case State::suspended:
      return "suspended";
    case State::expired:
      return "expired";
    case State::shadow:
      return "shadow";
    case State::version_reused:
      return "version_reused";
  }
  return "draft";
}

VersionInput version_input(const agreements::Agreement& agreement, std::string file,
                           std::string text) {
  VersionInput v;
  v.ref.agreement = agreement.id;
  v.ref.version = agreement.version;
  v.ref.content_hash = content_hash(text);
  for (const ag::Party& p : agreement.parties) v.ref.parties.push_back(p.agency);
  v.file = std::move(file);
  v.text = std::move(text);
  v.declared = agreement.status;
  v.mode = agreement.mode;
  v.valid_until = agreement.valid_until;
  return v;
}

Evaluation evaluate(const std::vector<VersionInput>& versions,
                    const std::vector<Statement>& statements, const SignerRegistry& signers,
                    const Ledger& ledger, agreements::Instant now) {
  const LedgerAccess view(ledger);
  Evaluation out;
  std::vector<Work> work(versions.size());
  std::set<std::string> refusals_seen;  // dedup within this pass, like the ledger's

  // agreement.proposed first: every later record about a version follows its archived text.
  std::map<std::string, std::string, std::less<>> claimed;  // id@version -> hash, this pass
  std::set<std::string, std::less<>> proposed_now;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const VersionInput& v = versions[i];
    Work& w = work[i];
    w.input = &v;
    Governed& g = w.governed;
    g.agreement = v.ref.agreement;
    g.version = v.ref.version;
    g.content_hash = v.ref.content_hash;
    g.file = v.file;
    if (!declared_active(v)) continue;
    const std::string name = version_name(v.ref.agreement, v.ref.version);
    std::optional<std::string> archived = ledger.content_hash_of(v.ref.agreement, v.ref.version);
    if (!archived) {
      if (auto it = claimed.find(name); it != claimed.end()) archived = it->second;
    }
    if (archived && *archived != v.ref.content_hash) {
      w.archived_hash = *archived;
      continue;
    }
    claimed.emplace(name, v.ref.content_hash);
    w.governed_version = true;
    if (ledger.proposed(v.ref.content_hash) || !proposed_now.insert(v.ref.content_hash).second) {
      continue;
    }
    LifecycleEvent e;
    e.kind = std::string(kind::kProposed);
    e.agreement = name;
    e.details = {{"content_hash", v.ref.content_hash},
                 {"file", v.file},
                 {"status", std::string(ag::to_string(v.declared))},
                 {"mode", std::string(ag::to_string(v.mode))},
                 {"parties", join(v.ref.parties, ",")},
                 {"text", v.text}};
    out.events.push_back(std::move(e));
  }

  // Statements: each is checked against the version it names (or its id's newest).
  std::vector<LifecycleEvent> unknown;
  std::vector<std::vector<const Statement*>> valid_signatures(versions.size());
  std::vector<std::vector<const Statement*>> valid_suspensions(versions.size());
  auto refuse = [&](std::vector<LifecycleEvent>& into, const Statement& s, std::string code,
                    std::string reason) {
    const std::string key = refusal_key(s.source, s.content_hash, s.kid, code);
    if (view.refused(key) || !refusals_seen.insert(key).second) return;
    into.push_back(refusal_event(s, std::move(code), std::move(reason)));
  };
  for (const Statement& s : statements) {
    Work* w = target_of(s, work);
    if (!w) {
      refuse(unknown, s, "unknown_agreement",
             "no version of agreement " + s.agreement + " is loaded");
      continue;
    }
    const Verdict verdict = verify(s, w->input->ref, signers);
    if (!verdict.ok) {
      refuse(w->refusals, s, verdict.code, verdict.reason);
      continue;
    }
    const auto index = static_cast<std::size_t>(w - work.data());
    (s.kind == StatementKind::signature ? valid_signatures : valid_suspensions)[index].push_back(
        &s);
  }

  for (std::size_t i = 0; i < versions.size(); ++i) {
    const VersionInput& v = versions[i];
    Work& w = work[i];
    Governed& g = w.governed;
    const std::string& hash = v.ref.content_hash;
    const LedgerAccess::Facts facts = view.facts(hash);

    // Signatures: statements first (they name their file), then the log's, re-verified
    // against today's keys so a retired key stops counting.
    std::map<std::string, SignedBy, std::less<>> by_agency;
    std::set<std::string, std::less<>> logged_sigs;
    for (const Statement* s : facts.signatures) logged_sigs.insert(s->kid + "\n" + s->sig);
    for (const Statement* s : valid_signatures[i]) {
      by_agency.try_emplace(s->agency, signed_by(*s, signers, s->source));
      const std::string key = s->kid + "\n" + s->sig;
      if (w.governed_version && !logged_sigs.count(key) && w.signature_keys.insert(key).second) {
        w.signed_events.push_back(statement_event(*s, signers));
      }
    }
    for (const Statement* s : facts.signatures) {
      if (!verify(*s, v.ref, signers).ok) continue;
      by_agency.try_emplace(s->agency, signed_by(*s, signers, "audit"));
    }
    for (const std::string& party : v.ref.parties) {
      if (auto it = by_agency.find(party); it != by_agency.end()) {
        if (std::none_of(g.signatures.begin(), g.signatures.end(),
                         [&](const SignedBy& b) { return b.agency == party; })) {
          g.signatures.push_back(it->second);
        }
      } else if (std::find(g.missing.begin(), g.missing.end(), party) == g.missing.end()) {
        g.missing.push_back(party);
      }
    }

    // Suspensions are sticky: the log's count whatever today's keys (failing closed).
    std::vector<std::string> suspension_reasons;
    std::set<std::string, std::less<>> suspension_keys;
    for (const Statement* s : facts.suspensions) {
      if (suspension_keys.insert(s->kid + "\n" + s->sig).second) {
        g.suspended_by.push_back(signed_by(*s, signers, "audit"));
        suspension_reasons.push_back(s->reason);
      }
    }
    for (const Statement* s : valid_suspensions[i]) {
      if (!suspension_keys.insert(s->kid + "\n" + s->sig).second) continue;
      g.suspended_by.push_back(signed_by(*s, signers, s->source));
      suspension_reasons.push_back(s->reason);
      if (w.governed_version) w.suspended_events.push_back(statement_event(*s, signers));
    }

    // The state.
    if (!declared_active(v)) {
      g.missing.clear();
      g.state = v.declared == ag::Status::draft       ? State::draft
                : v.declared == ag::Status::suspended ? State::suspended
                                                      : State::expired;
    } else if (!w.governed_version) {
      g.state = State::version_reused;
      g.missing.clear();
      g.reason = version_name(v.ref.agreement, v.ref.version) + " was archived with other text (" +
                 w.archived_hash + "): raise the version";
    } else if (!g.suspended_by.empty()) {
      g.state = State::suspended;
      g.missing.clear();
      g.reason = suspended_reason(g.suspended_by, suspension_reasons);
    } else if (v.mode == ag::Mode::shadow) {
      g.state = State::shadow;
      g.missing.clear();
    } else if (!g.missing.empty()) {
      g.state = State::awaiting_signatures;
      g.reason = missing_reason(g.missing);
    } else {
      g.state = State::active;
    }

    // This version's records, in the documented order.
    const std::string name = version_name(v.ref.agreement, v.ref.version);
    auto& events = out.events;
    std::move(w.refusals.begin(), w.refusals.end(), std::back_inserter(events));
    std::move(w.signed_events.begin(), w.signed_events.end(), std::back_inserter(events));
    std::move(w.suspended_events.begin(), w.suspended_events.end(), std::back_inserter(events));
    if (g.state == State::active && facts.last_state != "activated") {
      std::vector<std::string> agencies;
      for (const SignedBy& b : g.signatures) agencies.push_back(b.agency);
      LifecycleEvent e{std::string(kind::kActivated), name, "", "", {}};
      e.details = {{"content_hash", hash}, {"signed_by", join(agencies, ",")}};
      events.push_back(std::move(e));
    }
    const bool held = g.state == State::awaiting_signatures || g.state == State::version_reused;
    if (held && v.mode == ag::Mode::enforce) {
      const bool reused = g.state == State::version_reused;
      const std::string code = reused ? "version_reused" : "missing_signature";
      const std::string what = reused ? w.archived_hash : join(g.missing, ",");
      if (facts.last_state != "not_activated" || facts.last_code != code ||
          facts.last_missing != what) {
        LifecycleEvent e{std::string(kind::kNotActivated), name, code, g.reason, {}};
        e.details = {{"content_hash", hash}, {reused ? "archived_hash" : "missing", what}};
        events.push_back(std::move(e));
      }
    }
    if (g.state == State::active && v.valid_until <= now && !facts.expired) {
      LifecycleEvent e{std::string(kind::kExpired), name, "", "", {}};
      e.details = {{"content_hash", hash}, {"valid_until", ag::format_instant(v.valid_until)}};
      events.push_back(std::move(e));
    }
    out.versions.push_back(std::move(g));
  }

  std::move(unknown.begin(), unknown.end(), std::back_inserter(out.events));

  // agreement.retired: an activated version no longer loaded.
  std::set<std::string, std::less<>> loaded;
  for (const VersionInput& v : versions) loaded.insert(v.ref.content_hash);
  for (const auto& [agreement, hash] : view.activated()) {
    if (loaded.count(hash)) continue;
    LifecycleEvent e{std::string(kind::kRetired), agreement, "", "", {}};
    e.details = {{"content_hash", hash}};
    out.events.push_back(std::move(e));
  }
  return out;
}

void apply(std::vector<agreements::Agreement>& agreements, const Evaluation& evaluation) {
  const std::size_t n = std::min(agreements.size(), evaluation.versions.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Governed& g = evaluation.versions[i];
    ag::Agreement& a = agreements[i];
    switch (g.state) {
      case State::awaiting_signatures:
      case State::version_reused:
        a.status = ag::Status::draft;
        a.held_reason = g.reason;
        break;
      case State::suspended:
        a.status = ag::Status::suspended;
        a.held_reason = g.reason;
        break;
      default:
        break;
    }
  }
}

std::string describe(const Governed& g) {
  switch (g.state) {
    case State::active:
    case State::shadow: {
      if (g.signatures.empty())
        return g.state == State::shadow ? "shadow: needs no signatures" : "";
      std::vector<std::string> agencies;
      for (const SignedBy& b : g.signatures) agencies.push_back(b.agency);
      return (g.state == State::shadow ? "shadow, signed by " : "co-signed by ") +
             join(agencies, ", ");
    }
    case State::awaiting_signatures:
      return "AWAITING SIGNATURES from " + join(g.missing, ", ");
    case State::suspended:
      if (g.suspended_by.empty()) return "";
      return "SUSPENDED by " + g.reason.substr(std::string_view("suspended by ").size());
    case State::version_reused:
      return "VERSION REUSED: raise the version";
    case State::draft:
    case State::expired:
      return "";
  }
  return "";
}

}  // namespace accord::governance
