#include "accord/crypto/key_registry.hpp"

#include <algorithm>
#include <tuple>

#include "accord/crypto/key_dir.hpp"

namespace accord::crypto {
namespace {

// docs/agreements.md, "Signing keys and signed statements": same directory, other purpose.
constexpr std::string_view kSigningPublicSuffix = ".sign.pub.json";

}  // namespace

Result<KeyRegistry> KeyRegistry::parse(
    const std::vector<std::pair<std::string, std::string>>& files) {
  KeyRegistry registry;
  std::map<std::string, std::string, std::less<>> kid_source;
  for (const auto& [name, text] : files) {
    if (name.ends_with(kSigningPublicSuffix)) continue;  // an agreement signing key
    auto key = parse_public_key_file(text, name);
    if (!key) return key.error();
    auto [it, fresh] = kid_source.emplace(key->kid, name);
    if (!fresh) {
      return make_error("duplicate_kid",
                        name + ": kid \"" + key->kid + "\" is also registered by " + it->second,
                        name);
    }
    registry.keys_.push_back(std::move(*key));
  }
  std::sort(registry.keys_.begin(), registry.keys_.end(),
            [](const RecipientKey& a, const RecipientKey& b) {
              return std::tie(a.agency, a.created, a.kid) < std::tie(b.agency, b.created, b.kid);
            });
  // Sorted by (agency, created, kid): the last key of each agency is its newest.
  for (std::size_t i = 0; i < registry.keys_.size(); ++i) {
    registry.current_[registry.keys_[i].agency] = i;
  }
  return registry;
}

Result<KeyRegistry> KeyRegistry::load_dir(const std::string& dir) {
  auto files = read_dir_files(dir, ".pub.json");
  if (!files) return files.error();
  return parse(*files);
}

const RecipientKey* KeyRegistry::current(std::string_view agency) const {
  auto it = current_.find(agency);
  return it == current_.end() ? nullptr : &keys_[it->second];
}

const RecipientKey* KeyRegistry::find_kid(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

}  // namespace accord::crypto
