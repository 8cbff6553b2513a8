#include "accord/agreements/transform.hpp"

#include <sodium.h>

#include <cctype>
#include <nlohmann/json.hpp>

namespace accord::agreements {
namespace {

using envelope::Field;

constexpr std::size_t kPseudonymBytes = 16;

std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The text a field holds: a JSON string's content, or any other value's JSON text.
std::string text_of(const Field& f) {
  if (!f.json.empty() && f.json[0] == '"') {
    const auto j = nlohmann::json::parse(f.json, nullptr, false);
    if (j.is_string()) return j.get<std::string>();
  }
  return f.json;
}

// Splits UTF-8 into code points so masking never cuts a character in half.
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0)
      n = 4;
    else if (c >= 0xE0)
      n = 3;
    else if (c >= 0xC0)
      n = 2;
    n = std::min(n, s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

Result<std::string> mask(const Field& f, int keep_last) {
  const std::string text = text_of(f);  // owns the bytes the code-point views point into
  const auto cps = code_points(text);
  // Never reveal more than half of the value, so short values are not shown whole.
  const std::size_t reveal = std::min(static_cast<std::size_t>(keep_last), cps.size() / 2);
  std::string out(cps.size() - reveal, '*');
  for (std::size_t i = cps.size() - reveal; i < cps.size(); ++i) out.append(cps[i]);
  return json_string(out);
}

Error ungeneralisable(const Field& f, std::string_view why) {
  return make_error("ungeneralisable", std::string(why), "data." + f.path);
}

Result<std::string> generalise_date(const Field& f, const FieldRule& r, std::string_view ref) {
  const std::string s = text_of(f);
  if (f.json.empty() || f.json[0] != '"' || !parse_instant(s)) {
    return ungeneralisable(f, "not a date");
  }
  const int y = std::stoi(s.substr(0, 4));
  if (r.to == Generalisation::year) return json_string(s.substr(0, 4));
  if (r.to == Generalisation::month) return json_string(s.substr(0, 7));
  if (!parse_instant(ref)) return ungeneralisable(f, "no reference date (occurred_at)");
  const std::string rs(ref.substr(0, 10));
  int age = std::stoi(rs.substr(0, 4)) - y;
  if (rs.substr(5, 5) < s.substr(5, 5)) --age;  // birthday not yet reached that year
  if (age < 0) return ungeneralisable(f, "date after the reference date");
  std::size_t band = 0;
  while (band + 1 < r.bands.size() && r.bands[band + 1] <= age) ++band;
  const std::string label = band + 1 < r.bands.size() ? std::to_string(r.bands[band]) + "-" +
                                                            std::to_string(r.bands[band + 1] - 1)
                                                      : std::to_string(r.bands[band]) + "+";
  return json_string(label);
}

// UK postcode → outward code ("SW1A 1AA" → "SW1A"). The inward code is always digit, letter,
// letter; the outward code is 2–4 characters starting with a letter.
Result<std::string> postcode_district(const Field& f) {
  if (f.json.empty() || f.json[0] != '"') return ungeneralisable(f, "not a postcode");
  std::string pc;
  for (char c : text_of(f)) {
    if (c == ' ') continue;
    if (!std::isalnum(static_cast<unsigned char>(c))) return ungeneralisable(f, "not a postcode");
    pc.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (pc.size() < 5 || pc.size() > 7) return ungeneralisable(f, "not a postcode");
  const std::string in = pc.substr(pc.size() - 3);
  const std::string out = pc.substr(0, pc.size() - 3);
  if (!std::isdigit(static_cast<unsigned char>(in[0])) ||
      !std::isalpha(static_cast<unsigned char>(in[1])) ||
      !std::isalpha(static_cast<unsigned char>(in[2])) ||
      !std::isalpha(static_cast<unsigned char>(out[0]))) {
    return ungeneralisable(f, "not a postcode");
  }
  return json_string(out);
}

Result<std::string> pseudonymise(const Field& f, std::span<const unsigned char> key) {
  if (key.size() != kPseudonymKeyBytes) {
    return make_error("invalid_key", "pseudonymise needs a 32-byte per-recipient key",
                      "data." + f.path);
  }
  unsigned char out[kPseudonymBytes];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(f.json.data()),
                     f.json.size(), key.data(), key.size());
  char hex[2 * kPseudonymBytes + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return json_string(std::string("ps1:") + hex);
}

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; it only picks the fastest implementations.
  static const int once = sodium_init();
  (void)once;
}

}  // namespace

Result<std::string> apply_action(const Field& field, const FieldRule& rule,
                                 std::string_view reference_date,
                                 std::span<const unsigned char> pseudonym_key) {
  switch (rule.action) {
    case Action::share:
      return field.json;
    case Action::mask:
      return mask(field, rule.keep_last);
    case Action::generalise:
      if (rule.to == Generalisation::postcode_district) return postcode_district(field);
      return generalise_date(field, rule, reference_date);
    case Action::pseudonymise:
      ensure_sodium();
      return pseudonymise(field, pseudonym_key);
    case Action::drop:
      return make_error("dropped", "the field is dropped", "data." + field.path);
    case Action::encrypt:
      return make_error("encryption_unavailable", "encrypt is applied by the crypto layer",
                        "data." + field.path);
  }
  return make_error("dropped", "unknown action", "data." + field.path);
}

Result<Transformed> transform(const envelope::Envelope& envelope, const Decision& decision,
                              const TransformKeys& keys) {
  if (!decision.allowed) return make_error("not_allowed", "the decision denies this copy");
  if (decision.fields.size() != envelope.data.size()) {
    return make_error("decision_mismatch", "the decision was made for another envelope");
  }
  if (decision.requires_encryption && !keys.encrypt) {
    return make_error("encryption_unavailable",
                      "a granted field must be encrypted for the recipient and field encryption "
                      "is not available; the copy must not be delivered");
  }
  Transformed out;
  out.copy.id = envelope.id;
  out.copy.type = envelope.type;
  out.copy.case_ref = envelope.case_ref;
  out.copy.subject = envelope.subject;
  out.copy.occurred_at = envelope.occurred_at;
  out.copy.classification = envelope.classification;
  out.copy.data.reserve(envelope.data.size());
  for (std::size_t i = 0; i < envelope.data.size(); ++i) {
    const Field& f = envelope.data[i];
    const FieldDecision& fd = decision.fields[i];
    if (fd.path != f.path) {
      return make_error("decision_mismatch", "the decision was made for another envelope",
                        "data." + f.path);
    }
    if (fd.action == Action::drop || !fd.rule) continue;
    Result<std::string> value =
        fd.action == Action::encrypt
            ? keys.encrypt(f)
            : apply_action(f, *fd.rule, envelope.occurred_at, keys.pseudonym_key);
    if (!value.ok()) {
      if (value.error().code == "ungeneralisable") {
        out.withheld.push_back(f.path);
        continue;
      }
      if (fd.action == Action::encrypt) {
        return make_error("encryption_failed", value.error().message, "data." + f.path);
      }
      return value.error();
    }
    out.copy.data.push_back(Field{f.path, std::move(value.value())});
  }
  return out;
}

Result<std::vector<unsigned char>> derive_pseudonym_key(std::span<const unsigned char> master,
                                                        std::string_view recipient) {
  if (master.size() < crypto_generichash_KEYBYTES_MIN ||
      master.size() > crypto_generichash_KEYBYTES_MAX) {
    return make_error("invalid_key", "the pseudonym master secret must be 16 to 64 bytes");
  }
  ensure_sodium();
  std::string input = "accord-pseudonym-v1";
  input.push_back('\0');
  input.append(recipient);
  std::vector<unsigned char> key(kPseudonymKeyBytes);
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), master.data(), master.size());
  return key;
}

}  // namespace accord::agreements
