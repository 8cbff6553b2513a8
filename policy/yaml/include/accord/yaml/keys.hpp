// The one strict YAML reader, second layer: a mapping's keys checked against the keys it may
// hold. Unknown keys get a suggestion when one known key is close ("did you mean 'retry'?"),
// otherwise the list of known keys. Pure.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "accord/yaml/document.hpp"

namespace accord::yaml {

// The known key nearest to `key` by edit distance when it is close (at most 2 edits, and
// fewer edits than half of `key`'s length); "" otherwise.
std::string nearest(std::string_view key, const std::vector<std::string_view>& known);

// The keys one mapping may hold.
struct Keys {
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

// Checks the mapping `node` (named `where` in messages: "limits", "the agreement") and returns
// every problem in document order: not a mapping or a non-text key (wrong_type), a key not in
// `keys` (unknown_key), a key given twice (duplicate_key, at the second), then each missing
// required key (missing_key, at the mapping). Values are not looked at.
std::vector<Problem> check_mapping(const YAML::Node& node, std::string_view where,
                                   const Keys& keys);

// The same problems, one at a time: the unknown key problem for `key` in `where`.
Problem unknown_key(const YAML::Node& key_node, std::string_view where,
                    const std::vector<std::string_view>& known);

}  // namespace accord::yaml
