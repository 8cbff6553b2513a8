// The one loading rule of both key registries (agency encryption keys, gateway/crypto
// KeyRegistry; agreement signing keys, policy/governance SignerRegistry): every file whose name
// the registry wants is parsed, one kid in two files is `duplicate_kid` naming both, and the keys
// come out sorted by (agency, created, kid), so the last of an agency is its newest. Pure.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::keys {

// `wanted(name)` picks the files; `parse(text, name)` returns Result<Key>, where Key has the
// string members agency, created and kid.
template <class Key, class Wanted, class Parse>
Result<std::vector<Key>> parse_key_files(
    const std::vector<std::pair<std::string, std::string>>& files, Wanted wanted, Parse parse) {
  std::vector<Key> keys;
  std::map<std::string, std::string, std::less<>> kid_source;
  for (const auto& [name, text] : files) {
    if (!wanted(name)) continue;
    Result<Key> key = parse(text, name);
    if (!key.ok()) return key.error();
    auto [it, fresh] = kid_source.emplace(key.value().kid, name);
    if (!fresh) {
      return make_error(
          "duplicate_kid",
          name + ": kid \"" + key.value().kid + "\" is also registered by " + it->second, name);
    }
    keys.push_back(std::move(key.value()));
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return std::tie(a.agency, a.created, a.kid) < std::tie(b.agency, b.created, b.kid);
  });
  return keys;
}

}  // namespace accord::keys
