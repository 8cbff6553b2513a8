// The Ledger: the audit log's agreement.* records folded in seq order (contract §3), so the
// lifecycle writes no fact twice. Records of other kinds are none of its business.
#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "accord/governance/lifecycle.hpp"
#include "ledger_keys.hpp"

namespace accord::governance {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 8> kKinds = {
    kind::kProposed,     kind::kSigned,    kind::kSignatureRefused, kind::kActivated,
    kind::kNotActivated, kind::kSuspended, kind::kExpired,          kind::kRetired};

// "id@version" -> (id, version); version 0 when it does not parse.
std::pair<std::string, int> split_name(std::string_view name) {
  const auto at = name.rfind('@');
  if (at == std::string_view::npos) return {std::string(name), 0};
  int version = 0;
  const std::string_view digits = name.substr(at + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc() || end != digits.data() + digits.size() || version < 1) version = 0;
  return {std::string(name.substr(0, at)), version};
}

std::string detail(const LifecycleEvent& e, std::string_view name) {
  for (const auto& [key, value] : e.details) {
    if (key == name) return value;
  }
  return {};
}

bool is_content_hash(std::string_view s) {
  constexpr std::string_view kPrefix = "sha256:";
  if (s.size() != kPrefix.size() + 64 || s.substr(0, kPrefix.size()) != kPrefix) return false;
  return std::all_of(s.begin() + kPrefix.size(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Statement statement_of(const LifecycleEvent& e, StatementKind kind) {
  Statement s;
  s.kind = kind;
  std::tie(s.agreement, s.version) = split_name(e.agreement);
  s.content_hash = detail(e, "content_hash");
  s.agency = detail(e, "agency");
  s.kid = detail(e, "kid");
  s.signed_at = detail(e, "signed_at");
  s.sig = detail(e, "sig");
  s.source = detail(e, "source");
  if (kind == StatementKind::suspension) s.reason = e.reason;
  return s;
}

// The details each kind must carry (docs/audit-format.md §1; `signer` is optional).
std::vector<std::string_view> required_details(std::string_view k) {
  if (k == kind::kProposed) return {"content_hash", "file", "status", "mode", "parties", "text"};
  if (k == kind::kSigned || k == kind::kSuspended)
    return {"content_hash", "agency", "kid", "signed_at", "source", "sig"};
  if (k == kind::kSignatureRefused) return {"statement", "content_hash", "agency", "kid", "source"};
  if (k == kind::kActivated) return {"content_hash", "signed_by"};
  if (k == kind::kExpired) return {"content_hash", "valid_until"};
  return {"content_hash"};  // not_activated (more below), retired
}

Error invalid(std::string_view k, std::string message, std::string path) {
  return make_error("invalid_record", std::string(k) + " record: " + std::move(message),
                    std::move(path));
}

}  // namespace

std::string refusal_key(std::string_view source, std::string_view content_hash,
                        std::string_view kid, std::string_view code) {
  std::string key;
  for (std::string_view part : {source, content_hash, kid, code}) {
    key += part;
    key += '\n';
  }
  return key;
}

Status Ledger::apply_record(std::string_view record) {
  const Json j = Json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error("invalid_record", "audit record is not a JSON object", "");
  }
  const auto kind_it = j.find("kind");
  if (kind_it == j.end() || !kind_it->is_string()) {
    return make_error("invalid_record", "audit record has no string `kind`", "kind");
  }
  const std::string k = kind_it->get<std::string>();
  if (std::find(kKinds.begin(), kKinds.end(), k) == kKinds.end()) return Status::Ok();

  LifecycleEvent e;
  e.kind = k;
  const auto agreement = j.find("agreement");
  if (agreement == j.end() || !agreement->is_string() ||
      split_name(agreement->get<std::string>()).second == 0 ||
      split_name(agreement->get<std::string>()).first.empty()) {
    return invalid(k, "`agreement` must be \"id@version\"", "agreement");
  }
  e.agreement = agreement->get<std::string>();
  for (const char* member : {"code", "reason"}) {
    const auto it = j.find(member);
    if (it == j.end()) continue;
    if (!it->is_string())
      return invalid(k, std::string("`") + member + "` is not a string", member);
    (std::string_view(member) == "code" ? e.code : e.reason) = it->get<std::string>();
  }
  const auto details = j.find("details");
  if (details == j.end() || !details->is_object()) {
    return invalid(k, "`details` must be an object of strings", "details");
  }
  for (const auto& [key, value] : details->items()) {
    if (!value.is_string()) return invalid(k, "detail is not a string", "details." + key);
    e.details.emplace_back(key, value.get<std::string>());
  }
  auto has = [&](std::string_view name) {
    return std::any_of(e.details.begin(), e.details.end(),
                       [&](const auto& d) { return d.first == name; });
  };
  for (std::string_view name : required_details(k)) {
    if (!has(name)) return invalid(k, "missing detail", "details." + std::string(name));
  }
  if (k != kind::kSignatureRefused && !is_content_hash(detail(e, "content_hash"))) {
    return invalid(k, "content_hash is not sha256:<64 hex>", "details.content_hash");
  }
  if (k == kind::kSignatureRefused && e.code.empty()) {
    return invalid(k, "missing `code`", "code");
  }
  if (k == kind::kSignatureRefused) {
    const std::string statement = detail(e, "statement");
    if (statement != "signature" && statement != "suspension") {
      return invalid(k, "statement is neither signature nor suspension", "details.statement");
    }
  }
  if (k == kind::kNotActivated) {
    if (e.code == "missing_signature") {
      if (!has("missing")) return invalid(k, "missing detail", "details.missing");
    } else if (e.code == "version_reused") {
      if (!is_content_hash(detail(e, "archived_hash"))) {
        return invalid(k, "archived_hash is not sha256:<64 hex>", "details.archived_hash");
      }
    } else {
      return invalid(k, "`code` must be missing_signature or version_reused", "code");
    }
  }
  apply(e);
  return Status::Ok();
}

void Ledger::apply(const LifecycleEvent& event) {
  const std::string hash = detail(event, "content_hash");
  if (event.kind == kind::kSignatureRefused) {
    refusals_.insert(refusal_key(detail(event, "source"), hash, detail(event, "kid"), event.code));
    return;
  }
  VersionFacts& facts = by_hash_[hash];
  if (facts.agreement.empty()) facts.agreement = event.agreement;
  if (event.kind == kind::kProposed) {
    facts.proposed = true;
    hash_by_version_.try_emplace(event.agreement, hash);  // the first text archived stays
  } else if (event.kind == kind::kSigned) {
    facts.signatures.push_back(statement_of(event, StatementKind::signature));
  } else if (event.kind == kind::kSuspended) {
    facts.suspensions.push_back(statement_of(event, StatementKind::suspension));
    facts.last_state = "suspended";
  } else if (event.kind == kind::kActivated) {
    facts.last_state = "activated";
  } else if (event.kind == kind::kNotActivated) {
    facts.last_state = "not_activated";
    facts.last_code = event.code;
    facts.last_missing =
        detail(event, event.code == "version_reused" ? "archived_hash" : "missing");
  } else if (event.kind == kind::kExpired) {
    facts.expired = true;
  } else if (event.kind == kind::kRetired) {
    facts.last_state = "retired";
  }
}

std::optional<std::string> Ledger::content_hash_of(std::string_view agreement, int version) const {
  const auto it = hash_by_version_.find(std::string(agreement) + "@" + std::to_string(version));
  if (it == hash_by_version_.end()) return std::nullopt;
  return it->second;
}

bool Ledger::proposed(std::string_view content_hash) const {
  const auto it = by_hash_.find(content_hash);
  return it != by_hash_.end() && it->second.proposed;
}

LedgerAccess::Facts LedgerAccess::facts(std::string_view content_hash) const {
  Facts out;
  const auto it = ledger_.by_hash_.find(content_hash);
  if (it == ledger_.by_hash_.end()) return out;
  const Ledger::VersionFacts& f = it->second;
  for (const Statement& s : f.signatures) out.signatures.push_back(&s);
  for (const Statement& s : f.suspensions) out.suspensions.push_back(&s);
  out.last_state = f.last_state;
  out.last_code = f.last_code;
  out.last_missing = f.last_missing;
  out.expired = f.expired;
  return out;
}

bool LedgerAccess::refused(std::string_view key) const {
  return ledger_.refusals_.find(key) != ledger_.refusals_.end();
}

std::vector<std::pair<std::string, std::string>> LedgerAccess::activated() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [hash, facts] : ledger_.by_hash_) {
    if (facts.last_state == "activated") out.emplace_back(facts.agreement, hash);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace accord::governance
