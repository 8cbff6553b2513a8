#include "accord/yaml/keys.hpp"

#include <algorithm>
#include <map>

namespace accord::yaml {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string what_it_is(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "a single value";
  return "nothing";
}

}  // namespace

std::string nearest(std::string_view key, const std::vector<std::string_view>& known) {
  // Close means a typo, not another word: "retyr" → "retry", but "ca" never → "crl".
  if (key.empty()) return {};
  const std::size_t limit = std::min<std::size_t>(2, (key.size() - 1) / 2);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : known) {
    // The distance is at least the difference in length: a long key costs nothing here.
    const std::size_t gap = key.size() > candidate.size() ? key.size() - candidate.size()
                                                          : candidate.size() - key.size();
    if (gap > limit) continue;
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) best_distance = d, best = std::string(candidate);
  }
  return best;
}

Problem unknown_key(const YAML::Node& key_node, std::string_view where,
                    const std::vector<std::string_view>& known) {
  const std::string key = key_node.Scalar();
  const std::string suggestion = nearest(key, known);
  std::string hint;
  if (suggestion.empty()) {
    std::vector<std::string_view> sorted = known;
    std::sort(sorted.begin(), sorted.end());
    hint = "known: ";
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      hint += (i == 0 ? "" : ", ") + std::string(sorted[i]);
    }
  } else {
    hint = "did you mean '" + suggestion + "'?";
  }
  return Problem{"unknown_key", "unknown key '" + excerpt(key) + "' in " + std::string(where), hint,
                 position_of(key_node)};
}

std::vector<Problem> check_mapping(const YAML::Node& node, std::string_view where,
                                   const Keys& keys) {
  std::vector<Problem> out;
  if (!node.IsMap()) {
    out.push_back(
        Problem{"wrong_type", std::string(where) + " must be a mapping, not " + what_it_is(node),
                "write `key: value` lines under " + std::string(where), position_of(node)});
    return out;
  }
  std::vector<std::string_view> known = keys.required;
  known.insert(known.end(), keys.optional.begin(), keys.optional.end());
  std::map<std::string, Position, std::less<>> seen;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      out.push_back(Problem{"wrong_type", "keys in " + std::string(where) + " must be plain names",
                            "use a plain key", position_of(entry.first)});
      continue;
    }
    const std::string& key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      out.push_back(unknown_key(entry.first, where, known));
      continue;
    }
    const auto [first, fresh] = seen.emplace(key, position_of(entry.first));
    if (!fresh) {
      out.push_back(Problem{"duplicate_key",
                            "duplicate key '" + key + "' in " + std::string(where) + " (first at " +
                                first->second.to_string() + ")",
                            "keep one '" + key + "'", position_of(entry.first)});
    }
  }
  for (std::string_view key : keys.required) {
    if (!seen.contains(key)) {
      out.push_back(Problem{
          "missing_key", "missing required key '" + std::string(key) + "' in " + std::string(where),
          "add '" + std::string(key) + ":'", position_of(node)});
    }
  }
  return out;
}

}  // namespace accord::yaml
