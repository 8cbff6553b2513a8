#include "accord/crypto/key_registry.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

namespace accord::crypto {

Result<KeyRegistry> KeyRegistry::parse(
    const std::vector<std::pair<std::string, std::string>>& files) {
  KeyRegistry registry;
  std::map<std::string, std::string, std::less<>> kid_source;
  for (const auto& [name, text] : files) {
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
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return make_error("io_error", dir + ": " + std::strerror(errno), dir);
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() > 9 && name.ends_with(".pub.json")) names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& name : names) {
    const std::string path = dir + "/" + name;
    auto text = read_text_file(path);
    if (!text) return text.error();
    files.emplace_back(path, std::move(*text));
  }
  return parse(files);
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
