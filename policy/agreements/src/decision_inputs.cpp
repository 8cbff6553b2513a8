#include "accord/agreements/decision_inputs.hpp"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "accord/agreements/condition_values.hpp"

namespace accord::agreements {
namespace {

constexpr std::string_view kDataPrefix = "data.";
constexpr std::string_view kFactPrefix = "fact.";
constexpr std::string_view kPresent = "present";

// Ops whose values are literals a data field is compared with (present and at_most name none).
bool names_literals(Op op) {
  return op == Op::equals || op == Op::not_equals || op == Op::in;
}

bool is_data_path(std::string_view path) {
  return path.size() > kDataPrefix.size() && path.substr(0, kDataPrefix.size()) == kDataPrefix;
}

// Whether some field lies below `path` (relative to data): the value at `path` is an object.
bool has_descendant(const envelope::Envelope& e, std::string_view path) {
  std::string prefix(path);
  prefix.push_back('.');
  const auto it =
      std::lower_bound(e.data.begin(), e.data.end(), prefix,
                       [](const envelope::Field& f, const std::string& p) { return f.path < p; });
  return it != e.data.end() && it->path.compare(0, prefix.size(), prefix) == 0;
}

// {"not":[l1,l2,...]}: the literals are canonical JSON already, so the text is too.
std::string none_of(const std::vector<std::string>& literals) {
  std::size_t size = 10;
  for (const auto& l : literals) size += l.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"not\":[";
  for (std::size_t i = 0; i < literals.size(); ++i) {
    if (i > 0) out += ',';
    out += literals[i];
  }
  out += "]}";
  return out;
}

// The text a state fact is recorded as: the value decide() reads, unquoted ("given",
// "phone", "true"). nullopt when the state holds none.
std::optional<std::string> state_text(const SubjectState& state, std::string_view fact) {
  auto json = state_fact_json(state, fact);
  if (!json) return std::nullopt;
  if (json->size() >= 2 && json->front() == '"') return json->substr(1, json->size() - 2);
  return json;
}

bool valid_state_text(std::string_view fact, const std::string& text) {
  const auto allowed = state_fact_values(fact);
  const std::string json =
      fact == "state.contact.do_not_contact" ? text : nlohmann::json(text).dump();
  return std::find(allowed.begin(), allowed.end(), json) != allowed.end();
}

void set_state(SubjectState& state, std::string_view fact, const std::string& text) {
  if (fact == "state.consent") {
    state.consent = text;
  } else {
    state.contact[std::string(fact.substr(std::string_view("state.contact.").size()))] = text;
  }
}

bool is_scalar(const nlohmann::json& j) {
  return j.is_string() || j.is_number() || j.is_boolean() || j.is_null();
}

// A fact's value: one literal, or {"not":[literal,...]} with at least one.
bool valid_fact_value(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return false;
  if (is_scalar(j)) return true;
  if (!j.is_object() || j.size() != 1 || !j.contains("not")) return false;
  const auto& list = j["not"];
  return list.is_array() && !list.empty() && std::all_of(list.begin(), list.end(), is_scalar);
}

Error invalid(std::string path, std::string message) {
  return Error{"invalid_record", std::move(message), std::move(path)};
}

}  // namespace

ConditionLiterals ConditionLiterals::of(const AgreementSet& set) {
  return of(set.agreements());
}

ConditionLiterals ConditionLiterals::of(const std::vector<Agreement>& agreements) {
  ConditionLiterals out;
  for (const Agreement& a : agreements) {
    for (const Flow& f : a.flows) {
      for (const Condition& c : f.when) {
        if (!names_literals(c.op) || !is_data_path(c.fact)) continue;
        auto& literals = out.by_path_[c.fact];
        literals.insert(literals.end(), c.values.begin(), c.values.end());
      }
    }
  }
  for (auto& [path, literals] : out.by_path_) {
    std::sort(literals.begin(), literals.end());
    literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
  }
  return out;
}

DecisionInputs collect_inputs(const envelope::Envelope& envelope, const ConditionLiterals& literals,
                              const SubjectState* state) {
  DecisionInputs in;
  if (const auto cls = parse_classification(envelope.classification)) {
    in.classification = to_string(*cls);
  }
  in.case_owner = envelope.case_ref.owner;
  in.paths.reserve(envelope.data.size());
  for (const envelope::Field& f : envelope.data) {
    std::string path;
    path.reserve(kDataPrefix.size() + f.path.size());
    path += kDataPrefix;
    path += f.path;
    in.paths.push_back(std::move(path));
  }
  for (const auto& [path, named] : literals.by_path()) {
    const std::string_view relative = std::string_view(path).substr(kDataPrefix.size());
    if (const envelope::Field* f = envelope.find(relative)) {
      // The same equality decide() applies, so the recorded literal is the one it matched.
      const std::string* equal = matching_value(named, f->json);
      in.facts.emplace_back(path, equal ? *equal : none_of(named));
    } else if (has_descendant(envelope, relative)) {
      in.facts.emplace_back(path, none_of(named));  // an object equals no literal
    }
  }
  if (state) {
    in.state_read = true;
    in.state = *state;
  }
  return in;
}

std::vector<std::pair<std::string, std::string>> inputs_details(const DecisionInputs& inputs) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(3 + std::size(kStateFacts) + inputs.facts.size());
  out.emplace_back("classification", inputs.classification);
  out.emplace_back("case.owner", inputs.case_owner);
  out.emplace_back("state", inputs.state_read ? "read" : "not_read");
  if (inputs.state_read) {
    for (std::string_view fact : kStateFacts) {
      if (auto text = state_text(inputs.state, fact)) out.emplace_back(fact, std::move(*text));
    }
  }
  for (const auto& [path, value] : inputs.facts) {
    std::string key;
    key.reserve(kFactPrefix.size() + path.size());
    key += kFactPrefix;
    key += path;
    out.emplace_back(std::move(key), value);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> inputs_fields(const DecisionInputs& inputs) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(inputs.paths.size());
  for (const auto& path : inputs.paths) out.emplace_back(path, kPresent);
  return out;
}

Result<DecisionInputs> inputs_from_record(
    const std::vector<std::pair<std::string, std::string>>& details,
    const std::vector<std::pair<std::string, std::string>>& fields) {
  DecisionInputs in;
  bool has_classification = false, has_owner = false, has_state = false;
  for (const auto& [key, value] : details) {
    const std::string path = "details." + key;
    if (key == "classification") {
      if (has_classification) return invalid(path, "classification is given twice");
      const auto cls = parse_classification(value);
      if (!value.empty() && (!cls || to_string(*cls) != value)) {
        return invalid(path, "classification is not a bare marking (OFFICIAL, ...) or empty");
      }
      in.classification = value;
      has_classification = true;
    } else if (key == "case.owner") {
      if (has_owner) return invalid(path, "case.owner is given twice");
      in.case_owner = value;
      has_owner = true;
    } else if (key == "state") {
      if (has_state) return invalid(path, "state is given twice");
      if (value != "read" && value != "not_read") {
        return invalid(path, "state is neither read nor not_read");
      }
      in.state_read = value == "read";
      has_state = true;
    } else if (is_state_fact(key)) {
      if (!in.state_read) return invalid(path, key + " is recorded but the state was not read");
      if (state_text(in.state, key)) return invalid(path, key + " is given twice");
      if (!valid_state_text(key, value)) return invalid(path, key + " is not one of its values");
      set_state(in.state, key, value);
    } else if (key.compare(0, kFactPrefix.size(), kFactPrefix) == 0) {
      std::string fact = key.substr(kFactPrefix.size());
      if (!is_data_path(fact)) return invalid(path, "a fact names no data path");
      if (!in.facts.empty() && in.facts.back().first >= fact) {
        return invalid(path, "facts are not in path order, or one is given twice");
      }
      if (!valid_fact_value(value)) {
        return invalid(path, "a fact is neither a literal nor {\"not\":[literal,...]}");
      }
      in.facts.emplace_back(std::move(fact), value);
    } else {
      return invalid(path, "unknown member of a decision.inputs record's details");
    }
  }
  if (!has_classification) return invalid("details.classification", "classification is missing");
  if (!has_owner) return invalid("details.case.owner", "case.owner is missing");
  if (!has_state) return invalid("details.state", "state is missing");
  in.paths.reserve(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& [path, mark] = fields[i];
    const std::string where = "fields[" + std::to_string(i) + "]";
    if (!is_data_path(path)) return invalid(where, "a field path does not start with data.");
    if (mark != kPresent) return invalid(where, "a field is not marked present");
    if (!in.paths.empty() && in.paths.back() >= path) {
      return invalid(where, "field paths are not in order, or one is given twice");
    }
    in.paths.push_back(path);
  }
  return in;
}

}  // namespace accord::agreements
