#include "accord/agreements/transform.hpp"

#include <sodium.h>

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

// A date value: "YYYY-MM-DD" (a real date) or a date-time in the envelope's profile (upper-case
// T and Z, no leap second, at most 9 fraction digits). Nothing else, so every reader of
// docs/agreements.md generalises the same values.
bool is_date_value(std::string_view s) {
  if (s.size() == 10) return parse_instant(s).has_value();
  return s.size() > 10 && envelope::is_date_time(s);
}

// Every date generalisation withholds a date later than the envelope's occurred_at (calendar
// dates as written compared): such a value is wrong for the field (a birth or an offence after
// the event being reported), and no form of it is shared. Fail closed, one rule for year,
// month and age_band.
Result<std::string> generalise_date(const Field& f, const FieldRule& r, std::string_view ref) {
  const std::string s = text_of(f);
  if (f.json.empty() || f.json[0] != '"' || !is_date_value(s)) {
    return ungeneralisable(f, "not a date");
  }
  if (!envelope::is_date_time(ref)) return ungeneralisable(f, "no reference date (occurred_at)");
  const std::string rs(ref.substr(0, 10));
  if (s.substr(0, 10) > rs) return ungeneralisable(f, "date after the reference date");
  if (r.to == Generalisation::year) return json_string(s.substr(0, 4));
  if (r.to == Generalisation::month) return json_string(s.substr(0, 7));
  const int y = std::stoi(s.substr(0, 4));
  int age = std::stoi(rs.substr(0, 4)) - y;
  if (rs.substr(5, 5) < s.substr(5, 5)) --age;  // birthday not yet reached that year
  std::size_t band = 0;
  while (band + 1 < r.bands.size() && r.bands[band + 1] <= age) ++band;
  const std::string label = band + 1 < r.bands.size() ? std::to_string(r.bands[band]) + "-" +
                                                            std::to_string(r.bands[band + 1] - 1)
                                                      : std::to_string(r.bands[band]) + "+";
  return json_string(label);
}

bool in(std::string_view set, char c) {
  return set.find(c) != std::string_view::npos;
}

// UK postcode → outward code ("SW1A 1AA" → "SW1A"), docs/agreements.md "Postcodes". Grammar
// (letters of either case, output upper case): OUTWARD [" "] INWARD with at most that one
// space, nothing before or after; OUTWARD is A9, A99, AA9, AA99, A9A or AA9A; INWARD is 9AA.
// Letters the Royal Mail format never uses in a position are refused: first Q V X; second
// I J Z; third (A9A) only A-H J K P S T U W; fourth (AA9A) only A B E H M N P R V W X Y;
// inward letters never C I K M O V. Special non-geographic codes (GIR 0AA) have no district.
Result<std::string> postcode_district(const Field& f) {
  if (f.json.empty() || f.json[0] != '"') return ungeneralisable(f, "not a postcode");
  std::string text = text_of(f);
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (text.size() >= 5 && text[text.size() - 4] == ' ') text.erase(text.size() - 4, 1);
  if (text.size() < 5 || text.size() > 7) return ungeneralisable(f, "not a postcode");
  auto letter = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const std::string_view in_code = std::string_view(text).substr(text.size() - 3);
  const std::string_view out = std::string_view(text).substr(0, text.size() - 3);
  constexpr std::string_view kNeverInward = "CIKMOV";
  const bool inward_ok = digit(in_code[0]) && letter(in_code[1]) && letter(in_code[2]) &&
                         !in(kNeverInward, in_code[1]) && !in(kNeverInward, in_code[2]);
  // Outward shapes, by the position of the first digit.
  bool outward_ok = letter(out[0]) && !in("QVX", out[0]);
  if (outward_ok && digit(out[1])) {  // A9, A99, A9A
    outward_ok = out.size() == 2 || (out.size() == 3 && digit(out[2])) ||
                 (out.size() == 3 && in("ABCDEFGHJKPSTUW", out[2]));
  } else if (outward_ok && letter(out[1]) && !in("IJZ", out[1]) && out.size() >= 3 &&
             digit(out[2])) {  // AA9, AA99, AA9A
    outward_ok = out.size() == 3 || (out.size() == 4 && digit(out[3])) ||
                 (out.size() == 4 && in("ABEHMNPRVWXY", out[3]));
  } else {
    outward_ok = false;
  }
  if (!inward_ok || !outward_ok) return ungeneralisable(f, "not a postcode");
  return json_string(std::string(out));
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
    if (fd.action == Action::encrypt) {
      out.to_seal.push_back({out.copy.data.size(), f});
      out.copy.data.push_back(Field{f.path, std::string(kSealPlaceholder)});
      continue;
    }
    Result<std::string> value = apply_action(f, *fd.rule, envelope.occurred_at, keys.pseudonym_key);
    if (!value.ok()) {
      if (value.error().code == "ungeneralisable") {
        out.withheld.push_back(f.path);
        continue;
      }
      return value.error();
    }
    out.copy.data.push_back(Field{f.path, std::move(value.value())});
  }
  return out;
}

accord::Status seal_fields(envelope::Envelope& copy, const std::vector<FieldToSeal>& to_seal,
                           const FieldEncryptor& encrypt) {
  for (const auto& field : to_seal) {
    if (field.index >= copy.data.size() || copy.data[field.index].path != field.plaintext.path) {
      return make_error("encryption_failed", "the copy does not match its fields to seal",
                        "data." + field.plaintext.path);
    }
    auto sealed = encrypt ? encrypt(field.plaintext)
                          : Result<std::string>(make_error("encryption_unavailable",
                                                           "no encryptor for the recipient"));
    if (!sealed.ok()) {
      return make_error("encryption_failed", sealed.error().message,
                        "data." + field.plaintext.path);
    }
    copy.data[field.index].json = std::move(sealed.value());
  }
  return accord::Status::Ok();
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
