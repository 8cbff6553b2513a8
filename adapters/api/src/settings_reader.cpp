#include "accord/adapters/settings_reader.hpp"

#include <filesystem>

namespace accord::adapters::config {

Error config_error(const YAML::Node& node, const std::string& message) {
  const YAML::Mark mark = node.Mark();
  return make_error("invalid_config", message,
                    std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1));
}

Status read_mapping(const YAML::Node& node, const std::string& where, const KeyHandlers& handlers) {
  if (!node.IsMap()) return config_error(node, where + " must be a mapping");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return config_error(entry.first, where + ": keys must be scalars");
    const auto key = entry.first.Scalar();
    const auto handler = handlers.find(key);
    if (handler == handlers.end()) {
      std::string known;
      for (const auto& [name, unused] : handlers) known += (known.empty() ? "" : ", ") + name;
      return config_error(entry.first,
                          "unknown key '" + key + "' in " + where + " (known: " + known + ")");
    }
    if (auto status = handler->second(entry.second); !status.ok()) return status;
  }
  return Status::Ok();
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  return (p.is_absolute() || base_dir.empty() ? p : std::filesystem::path(base_dir) / p)
      .lexically_normal()
      .string();
}

}  // namespace accord::adapters::config
