// The agreement loader. yaml-cpp reports syntax errors and bad conversions by exception; they
// are caught in parse() and become diagnostics, so nothing escapes to the caller.
#include "accord/agreements/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "accord/agreements/subject_state.hpp"
#include "accord/yaml/document.hpp"
#include "accord/yaml/keys.hpp"

namespace accord::agreements {
namespace {

struct Entry {
  YAML::Node key;
  YAML::Node value;
};
using Entries = std::map<std::string, Entry, std::less<>>;

// A message quotes at most yaml::kExcerptBytes of any value from the file, so that the
// diagnostics of a file stay proportional to it (a long flow name once per recipient would
// otherwise cost their product).
std::string q(std::string_view text) {
  return yaml::excerpt(text);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_segment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// "data.a.b" → "a.b"; "data.a.*" → "a" + wildcard; "data.*" → "" + wildcard. nullopt if bad.
std::optional<std::pair<std::string, bool>> split_pattern(std::string_view p, bool allow_wild) {
  if (p.substr(0, 5) != "data.") return std::nullopt;
  std::string_view rest = p.substr(5);
  bool wild = false;
  if (allow_wild && rest == "*") return std::make_pair(std::string(), true);
  if (allow_wild && rest.size() > 2 && rest.substr(rest.size() - 2) == ".*") {
    wild = true;
    rest.remove_suffix(2);
  }
  std::size_t start = 0;
  while (true) {
    const auto dot = rest.find('.', start);
    if (!valid_segment(rest.substr(start, dot == std::string_view::npos ? rest.npos : dot - start)))
      return std::nullopt;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::make_pair(std::string(rest), wild);
}

class Loader {
 public:
  Loader(std::string_view file, std::vector<Diagnostic>& out) : file_(file), diags_(out) {}

  std::optional<Agreement> load(const YAML::Node& root);

  void error(const YAML::Mark& m, std::string code, std::string message, std::string hint) {
    diags_.push_back(Diagnostic{Severity::error, file_, pos(m), std::move(code), std::move(message),
                                std::move(hint)});
  }
  static Pos pos(const YAML::Mark& m) {
    if (m.is_null() || m.line < 0) return {};
    return Pos{m.line + 1, m.column + 1};
  }

 private:
  bool read_map(const YAML::Node& node, std::string_view what,
                std::initializer_list<std::string_view> required,
                std::initializer_list<std::string_view> optional, Entries& out);
  std::optional<std::string> scalar(const Entry& e, std::string_view key);
  std::optional<std::string> text(const Entries& m, std::string_view key);
  std::optional<std::vector<std::pair<std::string, Pos>>> string_list(const Entries& m,
                                                                      std::string_view key);
  std::optional<Instant> date(const Entries& m, std::string_view key);
  std::optional<bool> boolean(const Entries& m, std::string_view key);
  template <typename E, std::size_t N>
  std::optional<E> choice(const Entries& m, std::string_view key,
                          const std::pair<std::string_view, E> (&options)[N]);
  std::optional<std::string> json_value(const YAML::Node& node);
  std::optional<Condition> condition(const YAML::Node& node);
  std::optional<FieldRule> field_rule(const YAML::Node& key, const YAML::Node& value);
  std::optional<Flow> flow(const YAML::Node& node, const Agreement& a);

  std::string file_;
  std::vector<Diagnostic>& diags_;
};

// Keys are checked by the one strict YAML reader (accord/yaml/keys.hpp): unknown keys with a
// "did you mean", duplicates at the second occurrence, missing required keys.
bool Loader::read_map(const YAML::Node& node, std::string_view what,
                      std::initializer_list<std::string_view> required,
                      std::initializer_list<std::string_view> optional, Entries& out) {
  const yaml::Keys keys{std::vector<std::string_view>(required),
                        std::vector<std::string_view>(optional)};
  const std::vector<yaml::Problem> problems = yaml::check_mapping(node, what, keys);
  for (const yaml::Problem& p : problems) {
    diags_.push_back(
        Diagnostic{Severity::error, file_, Pos{p.at.line, p.at.column}, p.code, p.message, p.hint});
  }
  if (!node.IsMap()) return false;
  const auto known = [&](std::string_view key) {
    return std::find(required.begin(), required.end(), key) != required.end() ||
           std::find(optional.begin(), optional.end(), key) != optional.end();
  };
  for (const auto& kv : node) {
    // The first of a duplicated key is kept (the second is already an error).
    if (kv.first.IsScalar() && known(kv.first.Scalar()) && !out.count(kv.first.Scalar())) {
      out.emplace(kv.first.Scalar(), Entry{kv.first, kv.second});
    }
  }
  return problems.empty();
}

std::optional<std::string> Loader::scalar(const Entry& e, std::string_view key) {
  if (!e.value.IsScalar() || e.value.Scalar().empty()) {
    error(e.value.IsNull() ? e.key.Mark() : e.value.Mark(), "wrong_type",
          "`" + std::string(key) + "` must be a non-empty text value",
          "write `" + std::string(key) + ": <value>` on one line");
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::optional<std::string> Loader::text(const Entries& m, std::string_view key) {
  const auto it = m.find(key);
  if (it == m.end()) return std::string();
  return scalar(it->second, key);
}

std::optional<std::vector<std::pair<std::string, Pos>>> Loader::string_list(const Entries& m,
                                                                            std::string_view key) {
  std::vector<std::pair<std::string, Pos>> out;
  const auto it = m.find(key);
  if (it == m.end()) return out;
  const YAML::Node& n = it->second.value;
  if (!n.IsSequence() || n.size() == 0) {
    error(n.IsNull() ? it->second.key.Mark() : n.Mark(), "wrong_type",
          "`" + std::string(key) + "` must be a non-empty list",
          "write `" + std::string(key) + ": [a, b]`");
    return std::nullopt;
  }
  bool ok = true;
  std::set<std::string> seen;
  for (const YAML::Node& item : n) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      error(item.Mark(), "wrong_type", "items of `" + std::string(key) + "` must be plain text",
            "write each item as a single name");
      ok = false;
      continue;
    }
    if (!seen.insert(item.Scalar()).second) {
      error(item.Mark(), "duplicate_item",
            "`" + q(item.Scalar()) + "` is listed twice in `" + std::string(key) + "`",
            "list it once");
      ok = false;
      continue;
    }
    out.emplace_back(item.Scalar(), pos(item.Mark()));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Instant> Loader::date(const Entries& m, std::string_view key) {
  const auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  const auto s = scalar(it->second, key);
  if (!s) return std::nullopt;
  const auto t = parse_instant(*s);
  if (!t) {
    error(it->second.value.Mark(), "invalid_date", "`" + std::string(key) + "` is not a date",
          "write YYYY-MM-DD or an RFC 3339 time such as 2025-04-01T00:00:00Z");
  }
  return t;
}

std::optional<bool> Loader::boolean(const Entries& m, std::string_view key) {
  const auto it = m.find(key);
  if (it == m.end()) return false;
  const auto s = scalar(it->second, key);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  error(it->second.value.Mark(), "invalid_value",
        "`" + std::string(key) + "` must be true or false",
        "write `" + std::string(key) + ": true` or `false`");
  return std::nullopt;
}

template <typename E, std::size_t N>
std::optional<E> Loader::choice(const Entries& m, std::string_view key,
                                const std::pair<std::string_view, E> (&options)[N]) {
  const auto it = m.find(key);
  if (it == m.end()) return options[0].second;
  const auto s = scalar(it->second, key);
  if (!s) return std::nullopt;
  std::string allowed;
  for (const auto& [name, value] : options) {
    if (name == *s) return value;
    allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  }
  error(it->second.value.Mark(), "invalid_value",
        "`" + std::string(key) + "` cannot be `" + q(*s) + "`", "use one of: " + allowed);
  return std::nullopt;
}

// A YAML scalar as canonical minified JSON, refusing every spelling that YAML readers disagree
// on (docs/agreements.md, "Condition values"): quoted scalars are strings; plain `true`,
// `false` and JSON numbers keep their JSON type; a plain scalar that starts like a number must
// be a JSON number; YAML 1.1 / 1.2 spellings of booleans other than JSON's own (`True`, `yes`,
// `off`, ...) and explicit tags are refused; anything else is a string. Null in any spelling
// is a YAML null node, not a scalar, and is refused as wrong_type.
std::optional<std::string> Loader::json_value(const YAML::Node& node) {
  if (!node.IsScalar()) {
    error(node.Mark(), "wrong_type", "a condition value must be a single value",
          "write a value such as true, 3 or sexual_offence");
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  try {
    if (node.Tag() == "!") return nlohmann::json(s).dump();  // quoted: always text
    if (node.Tag() != "?") {
      error(node.Mark(), "noncanonical_value",
            "explicit YAML tag `" + q(node.Tag()) + "` on a condition value",
            "remove the tag; quote the value to make it text");
      return std::nullopt;
    }
    if (s == "true" || s == "false") return s;
    if (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) {
      const auto j = nlohmann::json::parse(s, nullptr, false);
      if (!j.is_discarded() && j.is_number() &&
          (!j.is_number_float() || std::isfinite(j.get<double>()))) {
        return j.dump();
      }
      error(node.Mark(), "noncanonical_value",
            "`" + q(s) + "` starts like a number but is not a JSON number",
            "write the number as JSON writes it (e.g. 1, -2, 0.5, 16, 1e3), or quote it (\"" +
                q(s) + "\") if it is text");
      return std::nullopt;
    }
    static constexpr std::string_view kAmbiguous[] = {
        "True", "TRUE", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO",
        "on",   "On",   "ON",    "off",   "Off", "OFF", "y",   "Y",  "n",  "N"};
    if (std::find(std::begin(kAmbiguous), std::end(kAmbiguous), s) != std::end(kAmbiguous)) {
      error(node.Mark(), "noncanonical_value",
            "`" + q(s) + "` is a boolean to some YAML readers and text to others",
            "write true or false in lower case, or quote it (\"" + s + "\") if it is text");
      return std::nullopt;
    }
    return nlohmann::json(s).dump();
  } catch (const nlohmann::json::exception&) {
    error(node.Mark(), "invalid_value", "the value is not valid UTF-8", "fix the file's encoding");
    return std::nullopt;
  }
}

std::optional<Condition> Loader::condition(const YAML::Node& node) {
  Entries m;
  if (!read_map(node, "a condition", {"fact"}, {"equals", "not_equals", "in", "present", "at_most"},
                m)) {
    return std::nullopt;
  }
  Condition c;
  c.pos = pos(node.Mark());
  const auto fact = text(m, "fact");
  if (!fact) return std::nullopt;
  c.fact = *fact;
  const bool header = c.fact == "subject.role" || c.fact == "case.owner" ||
                      c.fact == "classification" || c.fact == "type";
  const bool state = is_state_fact(c.fact);
  if (!state && c.fact.rfind("state.", 0) == 0) {
    error(m.at("fact").value.Mark(), "invalid_path", "unknown state fact `" + q(c.fact) + "`",
          "use state.consent, state.contact.channel, state.contact.updates or "
          "state.contact.do_not_contact");
    return std::nullopt;
  }
  if (!header && !state && !split_pattern(c.fact, false)) {
    error(m.at("fact").value.Mark(), "invalid_path", "unknown fact `" + q(c.fact) + "`",
          "use data.<path> (no wildcard), subject.role, case.owner, classification, type or "
          "state.<fact>");
    return std::nullopt;
  }
  std::vector<std::string> ops;
  for (const auto& [k, e] : m) {
    if (k != "fact") ops.push_back(k);
  }
  if (ops.size() != 1) {
    error(node.Mark(), "invalid_condition",
          "a condition needs exactly one test (equals, not_equals, in, present, at_most)",
          "split it into one condition per test");
    return std::nullopt;
  }
  const Entry& e = m.at(ops[0]);
  if (ops[0] == "equals" || ops[0] == "not_equals") {
    c.op = ops[0] == "equals" ? Op::equals : Op::not_equals;
    const auto v = json_value(e.value);
    if (!v) return std::nullopt;
    c.values.push_back(*v);
  } else if (ops[0] == "in") {
    c.op = Op::in;
    if (!e.value.IsSequence() || e.value.size() == 0) {
      error(e.value.Mark(), "wrong_type", "`in` needs a non-empty list", "write `in: [a, b]`");
      return std::nullopt;
    }
    for (const YAML::Node& item : e.value) {
      const auto v = json_value(item);
      if (!v) return std::nullopt;
      c.values.push_back(*v);
    }
  } else if (ops[0] == "present") {
    c.op = Op::present;
    const auto b = boolean(m, "present");
    if (!b) return std::nullopt;
    c.values.push_back(*b ? "true" : "false");
  } else {
    c.op = Op::at_most;
    if (c.fact != "classification") {
      error(e.key.Mark(), "invalid_condition", "`at_most` applies only to fact classification",
            "use equals or in for other facts");
      return std::nullopt;
    }
    const auto s = scalar(e, "at_most");
    if (!s) return std::nullopt;
    const auto cls = parse_classification(*s);
    if (!cls || to_string(*cls) != *s) {
      error(e.value.Mark(), "invalid_value",
            "`" + q(*s) + "` is not a bare classification marking (caveats are ignored)",
            "use OFFICIAL, OFFICIAL-SENSITIVE, SECRET or TOP SECRET");
      return std::nullopt;
    }
    c.at_most = *cls;
    c.values.push_back(std::string(to_string(*cls)));
  }
  if (state && (c.op == Op::equals || c.op == Op::not_equals || c.op == Op::in)) {
    // A stored state has closed lists of values: a value outside them could never match.
    const auto allowed = state_fact_values(c.fact);
    const YAML::Node& v = e.value;
    for (std::size_t i = 0; i < c.values.size(); ++i) {
      if (std::find(allowed.begin(), allowed.end(), c.values[i]) != allowed.end()) continue;
      const YAML::Node item = v.IsSequence() ? v[static_cast<int>(i)] : v;
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      error(item.Mark(), "invalid_value",
            "`" + c.fact + "` is never " + q(c.values[i]) + " (its values: " + list + ")",
            "use one of its values");
      return std::nullopt;
    }
  }
  if (c.fact == "classification" && c.op != Op::at_most && c.op != Op::present) {
    // One rule for every classification test: the marking alone is compared, caveats ignored
    // (as for at_most and max_classification), so a value must be a bare marking.
    const YAML::Node& v = e.value;
    for (std::size_t i = 0; i < c.values.size(); ++i) {
      const YAML::Node item = v.IsSequence() ? v[static_cast<int>(i)] : v;
      bool ok = false;
      for (Classification cls : {Classification::official, Classification::official_sensitive,
                                 Classification::secret, Classification::top_secret}) {
        ok = ok || c.values[i] == nlohmann::json(std::string(to_string(cls))).dump();
      }
      if (!ok) {
        error(item.Mark(), "invalid_value",
              "a classification condition compares the marking alone (handling caveats such as "
              "[PERSONAL] are ignored), so its value must be a bare marking",
              "use OFFICIAL, OFFICIAL-SENSITIVE, SECRET or TOP SECRET");
        return std::nullopt;
      }
    }
  }
  return c;
}

std::optional<FieldRule> Loader::field_rule(const YAML::Node& key, const YAML::Node& value) {
  static constexpr std::pair<std::string_view, Action> kActions[] = {
      {"share", Action::share},
      {"drop", Action::drop},
      {"mask", Action::mask},
      {"generalise", Action::generalise},
      {"pseudonymise", Action::pseudonymise},
      {"encrypt", Action::encrypt}};
  static constexpr std::pair<std::string_view, Generalisation> kTo[] = {
      {"year", Generalisation::year},
      {"month", Generalisation::month},
      {"age_band", Generalisation::age_band},
      {"postcode_district", Generalisation::postcode_district}};
  FieldRule r;
  r.pattern = key.Scalar();
  r.pos = pos(key.Mark());
  const auto split = split_pattern(r.pattern, true);
  if (!split) {
    error(key.Mark(), "invalid_path", "`" + q(r.pattern) + "` is not a field path",
          "write data.<name>[.<name>...], optionally ending in .* (e.g. data.victim.*)");
    return std::nullopt;
  }
  r.prefix = split->first;
  r.wildcard = split->second;
  Entries m;
  if (value.IsScalar()) {
    // The short form `path: action`.
    m.emplace("action", Entry{key, value});
  } else if (!read_map(value, "a field rule", {"action"}, {"keep_last", "to", "bands"}, m)) {
    return std::nullopt;
  }
  const auto action = choice(m, "action", kActions);
  if (!action) return std::nullopt;
  r.action = *action;
  auto unused = [&](std::string_view param, std::string_view belongs) {
    if (!m.count(param)) return false;
    error(m.find(param)->second.key.Mark(), "unused_parameter",
          "`" + std::string(param) + "` does not apply to " + std::string(to_string(r.action)),
          "remove it, or use action " + std::string(belongs));
    return true;
  };
  if (r.action != Action::mask && unused("keep_last", "mask")) return std::nullopt;
  if (r.action != Action::generalise &&
      (unused("to", "generalise") || unused("bands", "generalise")))
    return std::nullopt;
  if (r.action == Action::mask && m.count("keep_last")) {
    const auto s = scalar(m.at("keep_last"), "keep_last");
    if (!s) return std::nullopt;
    if (s->size() > 2 || !all_digits(*s)) {
      error(m.at("keep_last").value.Mark(), "invalid_value", "keep_last must be 0 to 99",
            "write e.g. `keep_last: 4`");
      return std::nullopt;
    }
    r.keep_last = std::stoi(*s);
  }
  if (r.action == Action::generalise) {
    if (!m.count("to")) {
      error(value.Mark(), "missing_key", "generalise needs `to`",
            "write `{action: generalise, to: year}` (year, month, age_band, postcode_district)");
      return std::nullopt;
    }
    const auto to = choice(m, "to", kTo);
    if (!to) return std::nullopt;
    r.to = *to;
    if (m.count("bands")) {
      const Entry& e = m.at("bands");
      if (r.to != Generalisation::age_band) {
        error(e.key.Mark(), "unused_parameter", "`bands` applies only to `to: age_band`",
              "remove `bands`");
        return std::nullopt;
      }
      r.bands.clear();
      if (e.value.IsSequence()) {
        for (const YAML::Node& b : e.value) {
          const std::string s = b.IsScalar() ? b.Scalar() : "";
          if (s.empty() || s.size() > 3 || !all_digits(s) ||
              (!r.bands.empty() && std::stoi(s) <= r.bands.back())) {
            r.bands.clear();
            break;
          }
          r.bands.push_back(std::stoi(s));
        }
      }
      if (r.bands.empty() || r.bands[0] != 0) {
        error(e.value.Mark(), "invalid_value",
              "bands must be a list of ages in increasing order starting at 0",
              "write e.g. `bands: [0, 18, 25, 35, 50, 65]`");
        return std::nullopt;
      }
    }
  }
  return r;
}

std::optional<Flow> Loader::flow(const YAML::Node& node, const Agreement& a) {
  Entries m;
  if (!read_map(node, "a flow", {"name", "events", "fields"},
                {"to", "when", "consent_based", "receipts"}, m)) {
    return std::nullopt;
  }
  Flow f;
  f.pos = pos(node.Mark());
  bool ok = true;
  const auto name = text(m, "name");
  if (name)
    f.name = *name;
  else
    ok = false;
  if (const auto events = string_list(m, "events")) {
    for (const auto& [e, p] : *events) f.events.push_back(e), f.event_pos.push_back(p);
  } else {
    ok = false;
  }
  if (const auto to = string_list(m, "to")) {
    for (const auto& [r, p] : *to) {
      if (std::find(a.recipients.begin(), a.recipients.end(), r) == a.recipients.end()) {
        diags_.push_back(Diagnostic{Severity::error, file_, p, "recipient_not_listed",
                                    "flow `" + q(f.name) + "` sends to `" + q(r) +
                                        "`, which is not among the agreement's recipients",
                                    "add `" + q(r) + "` to `recipients` or remove it from `to`"});
        ok = false;
      }
      f.to.push_back(r), f.to_pos.push_back(p);
    }
  } else {
    ok = false;
  }
  if (m.count("consent_based")) {
    if (const auto b = boolean(m, "consent_based")) {
      f.consent_based = *b;
    } else {
      ok = false;
    }
  }
  static constexpr std::pair<std::string_view, bool> kReceipts[] = {{"optional", false},
                                                                    {"required", true}};
  if (const auto required = choice(m, "receipts", kReceipts)) {
    f.receipts_required = *required;
  } else {
    ok = false;
  }
  if (m.count("when")) {
    const YAML::Node& when = m.at("when").value;
    if (!when.IsSequence()) {
      error(when.Mark(), "wrong_type", "`when` must be a list of conditions",
            "write `when:` then `- {fact: data.consent.referral, equals: true}`");
      ok = false;
    } else {
      for (const YAML::Node& c : when) {
        if (auto cond = condition(c))
          f.when.push_back(std::move(*cond));
        else
          ok = false;
      }
    }
  }
  const YAML::Node& fields = m.at("fields").value;
  if (!fields.IsMap() || fields.size() == 0) {
    error(fields.Mark(), "wrong_type", "`fields` must map field paths to actions",
          "write `fields:` then `data.offence.category: share`");
    return std::nullopt;
  }
  std::map<std::string, const FieldRule*> seen;
  for (const auto& kv : fields) {
    if (!kv.first.IsScalar()) {
      error(kv.first.Mark(), "invalid_path", "a field path must be plain text",
            "write data.<name>...");
      ok = false;
      continue;
    }
    auto rule = field_rule(kv.first, kv.second);
    if (!rule) {
      ok = false;
      continue;
    }
    f.fields.push_back(std::move(*rule));
  }
  // Contradictions: the same pattern twice in one flow (yaml-cpp keeps duplicate map keys).
  // Each rule is compared with the first rule of its pattern, found by a map: a flow of
  // many fields costs n log n, not n squared.
  std::map<std::string_view, std::size_t> first_of;
  for (std::size_t i = 0; i < f.fields.size(); ++i) {
    const FieldRule& x = f.fields[i];
    const auto [it, fresh] = first_of.emplace(x.pattern, i);
    if (fresh) continue;
    const FieldRule& y = f.fields[it->second];
    const bool same = x.describe() == y.describe();
    diags_.push_back(Diagnostic{
        Severity::error, file_, x.pos, same ? "duplicate_field" : "contradictory_field_action",
        "`" + q(x.pattern) + "` is given twice in flow `" + q(f.name) + "` (" + y.describe() +
            " at line " + std::to_string(y.pos.line) + ", " + x.describe() + " here)",
        same ? "remove one of them" : "keep the one action you intend"});
    ok = false;
  }
  if (!ok) return std::nullopt;
  return f;
}

std::optional<Agreement> Loader::load(const YAML::Node& root) {
  static constexpr std::pair<std::string_view, Status> kStatus[] = {
      {"draft", Status::draft},
      {"active", Status::active},
      {"suspended", Status::suspended},
      {"expired", Status::expired}};
  static constexpr std::pair<std::string_view, Mode> kMode[] = {{"enforce", Mode::enforce},
                                                                {"shadow", Mode::shadow}};
  static constexpr std::pair<std::string_view, PartyRole> kRole[] = {
      {"controller", PartyRole::controller},
      {"joint_controller", PartyRole::joint_controller},
      {"processor", PartyRole::processor}};
  static constexpr std::pair<std::string_view, OnwardSharing> kOnward[] = {
      {"prohibited", OnwardSharing::prohibited},
      {"with_consent", OnwardSharing::with_consent},
      {"permitted", OnwardSharing::permitted}};

  Entries m;
  if (!read_map(root, "the agreement",
                {"id",
                 "version",
                 "title",
                 "status",
                 "provider",
                 "recipients",
                 "parties",
                 "purpose",
                 "victims_code_right",
                 "lawful_basis",
                 "valid_from",
                 "valid_until",
                 "review_by",
                 "retention",
                 "onward_sharing",
                 "max_classification",
                 "breach_contact",
                 "signatories",
                 "dpia_ref",
                 "flows"},
                {"mode", "consent_model", "special_category"}, m)) {
    // Still report what the present keys contain: fall through only when the map is usable.
    if (!root.IsMap()) return std::nullopt;
  }
  Agreement a;
  a.file = file_;
  const std::size_t errors_before = diags_.size();
  auto mark = [&](std::string_view key) {
    const auto it = m.find(key);
    return it == m.end() ? Pos{} : pos(it->second.value.Mark());
  };
  if (auto v = text(m, "id")) a.id = *v;
  a.id_pos = mark("id");
  if (!a.id.empty() && !std::all_of(a.id.begin(), a.id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
      })) {
    error(m.at("id").value.Mark(), "invalid_value",
          "id `" + q(a.id) + "` has characters other than a-z 0-9 - .",
          "use a lowercase id such as met-lvws-referral");
  }
  if (m.count("version")) {
    const auto v = scalar(m.at("version"), "version");
    if (v && (v->size() > 6 || !all_digits(*v) || std::stoi(*v) < 1)) {
      error(m.at("version").value.Mark(), "invalid_value", "version must be a whole number >= 1",
            "write `version: 1` and raise it with each change");
    } else if (v) {
      a.version = std::stoi(*v);
    }
  }
  a.version_pos = mark("version");
  if (auto v = text(m, "title")) a.title = *v;
  if (auto v = choice(m, "status", kStatus)) a.status = *v;
  a.status_pos = mark("status");
  if (auto v = choice(m, "mode", kMode)) a.mode = *v;
  if (auto v = text(m, "provider")) a.provider = *v;
  a.provider_pos = mark("provider");
  if (auto v = string_list(m, "recipients")) {
    for (const auto& [r, p] : *v) a.recipients.push_back(r), a.recipient_pos.push_back(p);
  }
  if (auto v = text(m, "purpose")) a.purpose = *v;
  if (auto v = text(m, "victims_code_right")) a.victims_code_right = *v;
  if (auto v = text(m, "consent_model")) a.consent_model = *v;
  if (auto v = text(m, "breach_contact")) a.breach_contact = *v;
  if (auto v = text(m, "dpia_ref")) a.dpia_ref = *v;
  if (auto v = choice(m, "onward_sharing", kOnward)) a.onward_sharing = *v;
  if (m.count("max_classification")) {
    if (const auto s = scalar(m.at("max_classification"), "max_classification")) {
      if (const auto c = parse_classification(*s)) {
        a.max_classification = *c;
      } else {
        error(m.at("max_classification").value.Mark(), "invalid_value",
              "unknown classification `" + q(*s) + "`",
              "use OFFICIAL, OFFICIAL-SENSITIVE, SECRET or TOP SECRET");
      }
    }
  }
  if (auto t = date(m, "valid_from")) a.valid_from = *t;
  if (auto t = date(m, "valid_until")) a.valid_until = *t;
  if (auto t = date(m, "review_by")) a.review_by = *t;
  a.valid_from_pos = mark("valid_from");
  a.valid_until_pos = mark("valid_until");
  a.review_by_pos = mark("review_by");
  if (diags_.size() == errors_before && m.count("valid_from") && m.count("valid_until") &&
      a.valid_until <= a.valid_from) {
    error(m.at("valid_until").value.Mark(), "invalid_validity",
          "valid_until is not after valid_from", "set valid_until later than valid_from");
  }
  if (m.count("lawful_basis")) {
    Entries lb;
    const YAML::Node& n = m.at("lawful_basis").value;
    if (read_map(n, "lawful_basis", {},
                 {"article6", "article9", "article10", "dpa_part3", "dpa_part3_sensitive"}, lb)) {
      a.lawful_basis.pos = pos(n.Mark());
      if (auto v = text(lb, "article6")) a.lawful_basis.article6 = *v;
      if (auto v = text(lb, "article9")) a.lawful_basis.article9 = *v;
      if (auto v = text(lb, "article10")) a.lawful_basis.article10 = *v;
      if (auto v = text(lb, "dpa_part3")) a.lawful_basis.dpa_part3 = *v;
      if (auto v = text(lb, "dpa_part3_sensitive")) a.lawful_basis.dpa_part3_sensitive = *v;
      if (!lb.count("article6") && !lb.count("dpa_part3")) {
        error(n.Mark(), "missing_lawful_basis",
              "no UK GDPR Art 6 basis and no DPA 2018 Part 3 purpose",
              "add `article6: ...` (or `dpa_part3: ...` when both parties are competent "
              "authorities processing for law enforcement)");
      }
    }
  }
  auto list_of_maps = [&](std::string_view key, auto&& each) {
    if (!m.count(key)) return;
    const YAML::Node& n = m.find(key)->second.value;
    if (!n.IsSequence() || n.size() == 0) {
      error(n.IsNull() ? m.find(key)->second.key.Mark() : n.Mark(), "wrong_type",
            "`" + std::string(key) + "` must be a non-empty list",
            "write one `- ...` item per entry (docs/agreements.md)");
      return;
    }
    for (const YAML::Node& item : n) each(item);
  };
  list_of_maps("parties", [&](const YAML::Node& item) {
    Entries pm;
    if (!read_map(item, "a party", {"agency", "role"}, {"competent_authority"}, pm)) return;
    Party p;
    p.pos = pos(item.Mark());
    if (auto v = text(pm, "agency")) p.agency = *v;
    if (auto v = choice(pm, "role", kRole)) p.role = *v;
    if (auto v = boolean(pm, "competent_authority")) p.competent_authority = *v;
    a.parties.push_back(std::move(p));
  });
  list_of_maps("retention", [&](const YAML::Node& item) {
    Entries rm;
    if (!read_map(item, "a retention entry", {"agency", "period", "trigger", "disposal"}, {}, rm))
      return;
    Retention r;
    r.pos = pos(item.Mark());
    if (auto v = text(rm, "agency")) r.agency = *v;
    if (auto v = text(rm, "period")) {
      r.period = *v;
      const ParsedDuration parsed = parse_duration(*v);
      if (parsed.duration) {
        r.duration = *parsed.duration;
      } else {
        error(rm.at("period").value.Mark(), "invalid_retention", parsed.error->message,
              "write an ISO 8601 duration such as P2Y, P6M, P30D or P1Y6M (docs/agreements.md)");
      }
    }
    if (auto v = text(rm, "trigger")) {
      r.trigger = *v;
      if (!is_retention_trigger(*v)) {
        std::string list;
        for (const auto t : kRetentionTriggers) list += (list.empty() ? "" : ", ") + std::string(t);
        error(rm.at("trigger").value.Mark(), "invalid_retention",
              "unknown retention trigger `" + q(*v) + "`", "use one of " + list);
      }
    }
    if (auto v = text(rm, "disposal")) r.disposal = *v;
    a.retention.push_back(std::move(r));
  });
  list_of_maps("signatories", [&](const YAML::Node& item) {
    Entries sm;
    if (!read_map(item, "a signatory", {"name", "role", "agency"}, {"signed_on"}, sm)) return;
    Signatory s;
    s.pos = pos(item.Mark());
    if (auto v = text(sm, "name")) s.name = *v;
    if (auto v = text(sm, "role")) s.role = *v;
    if (auto v = text(sm, "agency")) s.agency = *v;
    s.signed_on = date(sm, "signed_on");
    a.signatories.push_back(std::move(s));
  });
  if (m.count("special_category")) {
    if (auto v = string_list(m, "special_category")) {
      for (const auto& [p, at] : *v) {
        if (!split_pattern(p, true)) {
          diags_.push_back(Diagnostic{Severity::error, file_, at, "invalid_path",
                                      "`" + q(p) + "` is not a field path",
                                      "write data.<name>..., optionally ending in .*"});
          continue;
        }
        a.special_category.push_back(p), a.special_category_pos.push_back(at);
      }
    }
  }
  list_of_maps("flows", [&](const YAML::Node& item) {
    if (auto f = flow(item, a)) a.flows.push_back(std::move(*f));
  });
  if (diags_.size() != errors_before || has_errors(diags_)) return std::nullopt;
  return a;
}

}  // namespace

LoadResult parse(std::string_view yaml_text, std::string_view file_name) {
  LoadResult out;
  if (yaml_text.size() > kMaxAgreementBytes) {
    out.diagnostics.push_back(Diagnostic{Severity::error,
                                         std::string(file_name),
                                         {},
                                         "too_large",
                                         "the file is over 1 MiB",
                                         "an agreement is one small file; split it"});
    return out;
  }
  // Aliases and a second document are found before any tree is built (yaml/document.hpp).
  const yaml::Scan found = yaml::scan(yaml_text);
  if (found.alias) {
    const yaml::Problem p = yaml::alias_problem(*found.alias);
    out.diagnostics.push_back(Diagnostic{Severity::error, std::string(file_name),
                                         Pos{p.at.line, p.at.column}, p.code, p.message, p.hint});
    return out;
  }
  if (found.second_document) {
    out.diagnostics.push_back(Diagnostic{
        Severity::error, std::string(file_name),
        Pos{found.second_document->line, found.second_document->column}, "not_one_document",
        "the file holds several YAML documents",
        "put exactly one agreement in each file (a stray `,` at the top level starts another)"});
    return out;
  }
  Loader loader(file_name, out.diagnostics);
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));  // the only document
    if (root.IsNull()) {
      out.diagnostics.push_back(Diagnostic{Severity::error, std::string(file_name), Pos{},
                                           "not_one_document", "the file is empty",
                                           "put exactly one agreement in each file"});
      return out;
    }
    out.agreement = loader.load(root);
  } catch (const YAML::Exception& e) {
    loader.error(e.mark, "yaml_syntax", "YAML syntax: " + e.msg,
                 "fix the YAML at this position (indentation, quotes, colons)");
    out.agreement.reset();
  } catch (const std::exception& e) {
    // Conversions on hostile input (numbers out of range, bad encodings) end here.
    out.diagnostics.push_back(Diagnostic{Severity::error,
                                         std::string(file_name),
                                         {},
                                         "invalid_value",
                                         e.what(),
                                         "check the file's values"});
    out.agreement.reset();
  }
  return out;
}

LoadedSet parse_all(const std::vector<SourceText>& sources) {
  LoadedSet set;
  for (const SourceText& s : sources) {
    LoadResult r = parse(s.text, s.file);
    set.diagnostics.insert(set.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
    if (r.agreement) set.agreements.push_back(std::move(*r.agreement));
  }
  return set;
}

}  // namespace accord::agreements
