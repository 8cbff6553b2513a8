// The statement files (`*.sig.json`, `*.suspend.json`) and the API bodies of the same shape
// (docs/agreements.md, "Signing keys and signed statements").
#include <nlohmann/json.hpp>
#include <set>

#include "accord/governance/signing.hpp"
#include "accord/keys/bytes.hpp"
#include "accord/keys/key_ids.hpp"

namespace accord::governance {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Error malformed(std::string_view source, const std::string& message) {
  return make_error("malformed_statement", std::string(source) + ": " + message,
                    std::string(source));
}

Result<std::string> text_member(const json& j, const char* name, std::string_view source) {
  auto it = j.find(name);
  if (it == j.end()) return malformed(source, std::string("member \"") + name + "\" is missing");
  if (!it->is_string()) {
    return malformed(source, std::string("member \"") + name + "\" is not text");
  }
  return it->get<std::string>();
}

bool is_content_hash(std::string_view h) {
  constexpr std::string_view kPrefix = "sha256:";
  if (h.size() != kPrefix.size() + 64 || !h.starts_with(kPrefix)) return false;
  for (char c : h.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// An agreement id as docs/agreements.md allows it: lowercase a-z, 0-9, '-' and '.'.
bool is_agreement_id(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

const std::set<std::string, std::less<>> kMembers = {
    "format", "agreement", "version", "content_hash", "agency", "kid", "signed_at", "sig"};

}  // namespace

std::string to_json(const Statement& statement) {
  const bool suspension = statement.kind == StatementKind::suspension;
  ordered_json j;
  j["format"] = suspension ? kSuspensionFormat : kSignatureFormat;
  j["agreement"] = statement.agreement;
  j["version"] = statement.version;
  j["content_hash"] = statement.content_hash;
  j["agency"] = statement.agency;
  j["kid"] = statement.kid;
  j["signed_at"] = statement.signed_at;
  if (suspension) j["reason"] = statement.reason;
  j["sig"] = statement.sig;
  // Replace rather than throw on bytes that are not UTF-8: such a statement never verifies.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

Result<Statement> parse_statement(std::string_view json_text, std::string source) {
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return malformed(source, "not valid JSON");
  if (!j.is_object()) return malformed(source, "not a JSON object");
  Statement s;
  s.source = source;
  auto format = text_member(j, "format", source);
  if (!format) return format.error();
  if (*format == kSignatureFormat) {
    s.kind = StatementKind::signature;
  } else if (*format == kSuspensionFormat) {
    s.kind = StatementKind::suspension;
  } else {
    return malformed(source, "format \"" + *format + "\" is neither " +
                                 std::string(kSignatureFormat) + " nor " +
                                 std::string(kSuspensionFormat));
  }
  const bool suspension = s.kind == StatementKind::suspension;
  for (const auto& [name, value] : j.items()) {
    if (name == "reason" && !suspension) {
      return malformed(source, "a signature carries no \"reason\" (only a suspension does)");
    }
    if (!kMembers.contains(name) && name != "reason") {
      return malformed(source, "unknown member \"" + name + "\"");
    }
  }
  auto agreement = text_member(j, "agreement", source);
  if (!agreement) return agreement.error();
  if (!is_agreement_id(*agreement)) {
    return malformed(source,
                     "agreement \"" + *agreement + "\" is not an agreement id (a-z 0-9 - .)");
  }
  s.agreement = *agreement;
  const auto version = j.find("version");
  if (version == j.end()) return malformed(source, "member \"version\" is missing");
  if (!version->is_number_integer() || version->get<std::int64_t>() < 1 ||
      version->get<std::int64_t>() > 2147483647) {
    return malformed(source, "member \"version\" is not an integer from 1 to 2147483647");
  }
  s.version = static_cast<int>(version->get<std::int64_t>());
  auto hash = text_member(j, "content_hash", source);
  if (!hash) return hash.error();
  if (!is_content_hash(*hash)) {
    return malformed(source, "content_hash is not sha256:<64 lower-case hex>");
  }
  s.content_hash = *hash;
  auto agency = text_member(j, "agency", source);
  if (!agency) return agency.error();
  if (!keys::is_valid_agency_id(*agency)) {
    return malformed(source, "agency \"" + *agency + "\" is not an agency id (<kind>.<name>)");
  }
  s.agency = *agency;
  auto kid = text_member(j, "kid", source);
  if (!kid) return kid.error();
  if (kid->empty()) return malformed(source, "member \"kid\" is empty");
  s.kid = *kid;
  auto signed_at = text_member(j, "signed_at", source);
  if (!signed_at) return signed_at.error();
  if (!keys::is_created_time(*signed_at)) {
    return malformed(source, "signed_at is not YYYY-MM-DDTHH:MM:SS.mmmZ");
  }
  s.signed_at = *signed_at;
  if (suspension) {
    auto reason = text_member(j, "reason", source);
    if (!reason) return reason.error();
    const std::string problem = text_problem(*reason, kMaxReasonBytes);
    if (!problem.empty()) return malformed(source, "reason " + problem);
    s.reason = *reason;
  }
  auto sig = text_member(j, "sig", source);
  if (!sig) return sig.error();
  auto sig_bytes = keys::from_base64(*sig);
  if (!sig_bytes) return malformed(source, "sig is not padded base64");
  if (sig_bytes->size() != 64) {
    return malformed(source, "sig is " + std::to_string(sig_bytes->size()) +
                                 " bytes, not the 64 of an Ed25519 signature");
  }
  s.sig = *sig;
  return s;
}

std::string statement_file_name(const Statement& statement) {
  return statement.agreement + ".v" + std::to_string(statement.version) + "." + statement.agency +
         (statement.kind == StatementKind::suspension ? ".suspend.json" : ".sig.json");
}

}  // namespace accord::governance
