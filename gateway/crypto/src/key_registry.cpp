#include "accord/crypto/key_registry.hpp"

#include <algorithm>
#include <tuple>

#include "accord/crypto/key_dir.hpp"
#include "accord/keys/key_files.hpp"

namespace accord::crypto {
namespace {

// docs/agreements.md, "Signing keys and signed statements": same directory, other purpose.
constexpr std::string_view kSigningPublicSuffix = ".sign.pub.json";

}  // namespace

Result<KeyRegistry> KeyRegistry::parse(
    const std::vector<std::pair<std::string, std::string>>& files) {
  // Every key file but an agreement signing key's (policy/governance SignerRegistry's).
  auto keys = keys::parse_key_files<RecipientKey>(
      files, [](const std::string& name) { return !name.ends_with(kSigningPublicSuffix); },
      [](const std::string& text, const std::string& name) {
        return parse_public_key_file(text, name);
      });
  if (!keys.ok()) return keys.error();
  KeyRegistry registry;
  registry.keys_ = std::move(keys.value());
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
