// Strict reading of an adapter's YAML settings mapping, shared by the built-in adapters:
// every key must have a handler (a typo is an error, not a silently ignored option), and every
// error is invalid_config with the YAML mark as "line:col" (1-based), so an operator can find it.
// Pure functions; no state, safe from any thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "accord/core/result.hpp"

namespace accord::adapters::config {

// invalid_config at `node`'s position.
Error config_error(const YAML::Node& node, const std::string& message);

using KeyHandlers = std::map<std::string, std::function<Status(const YAML::Node&)>>;

// Calls the handler of each key of the mapping `node` in document order; the first failing
// handler's error is returned. An unknown key is refused, naming the known ones. `where`
// names the mapping in messages ("webhook adapter").
Status read_mapping(const YAML::Node& node, const std::string& where, const KeyHandlers& handlers);

// A scalar converted to T (yaml-cpp's conversion rules); a non-scalar or a failed conversion
// is invalid_config naming `name`.
template <typename T>
Status read_scalar(const YAML::Node& node, const std::string& name, T& out) {
  if (!node.IsScalar()) return config_error(node, name + " must be a scalar");
  try {
    out = node.as<T>();
  } catch (const YAML::Exception&) {
    return config_error(node, name + " has the wrong type");
  }
  return Status::Ok();
}

// read_scalar, then refuses values <= 0.
template <typename T>
Status read_positive(const YAML::Node& node, const std::string& name, T& out) {
  if (auto status = read_scalar(node, name, out); !status.ok()) return status;
  if (out <= 0) return config_error(node, name + " must be greater than 0");
  return Status::Ok();
}

// read_positive into a duration in milliseconds ("timeout_ms: 3000").
inline Status read_millis(const YAML::Node& node, const std::string& name,
                          std::chrono::milliseconds& out) {
  std::int64_t ms = 0;
  if (auto status = read_positive(node, name, ms); !status.ok()) return status;
  out = std::chrono::milliseconds(ms);
  return Status::Ok();
}

// read_positive into a count ("max_in_flight: 4").
inline Status read_count(const YAML::Node& node, const std::string& name, std::size_t& out) {
  std::int64_t count = 0;
  if (auto status = read_positive(node, name, count); !status.ok()) return status;
  out = static_cast<std::size_t>(count);
  return Status::Ok();
}

// Relative paths in settings resolve against the config file's directory (`base_dir`; empty:
// the path is used as given). The result is lexically normalised.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace accord::adapters::config
