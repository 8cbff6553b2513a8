// The one strict YAML reader, third layer: a configuration mapping read key by key into
// typed values, stopping at the first problem (the gateway config, adapter settings, the zmq
// port). Every error is Error{"invalid_config", message, "line:col"}; a reader of a whole file
// puts the file name in front ("gateway.yaml:12:5"). One message shape throughout:
//   unknown key 'retyr' in delivery; did you mean 'retry'?
//   duplicate key 'port' in a mapping; first at 3:3
//   missing required key 'ca' in tls
//   limits.max_fields has the wrong type: expected a whole number, got 'many'
//   limits.max_fields must be greater than 0
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/yaml/document.hpp"

namespace accord::yaml {

// invalid_config at `node`'s position.
Error error_at(const YAML::Node& node, const std::string& message);
// invalid_config carrying a Problem's text and position.
Error error_from(const Problem& problem);

// What a node is, for messages: "a mapping", "a list", "nothing", or the scalar quoted.
std::string describe(const YAML::Node& node);

using Handlers = std::map<std::string, std::function<Status(const YAML::Node&)>, std::less<>>;

// Reads the mapping `node`, named `where` in messages. Refuses, in this order: a non-mapping,
// a non-text key, an unknown key (with a suggestion when one is close), a duplicate key at any
// depth below `node`; then calls each key's handler in document order; then refuses each key
// of `required` that is absent (at the mapping's position). The first problem is returned.
Status read_mapping(const YAML::Node& node, std::string_view where, const Handlers& handlers,
                    const std::vector<std::string_view>& required = {});

// The name of T's kind for "expected ..." messages.
template <typename T>
constexpr const char* kind_name() {
  if constexpr (std::is_same_v<T, bool>) {
    return "true or false";
  } else if constexpr (std::is_integral_v<T>) {
    return "a whole number";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "a number";
  } else {
    return "text";
  }
}

// A scalar converted to T (yaml-cpp's conversion rules); anything else is "<name> has the
// wrong type: expected <kind>, got <what>".
template <typename T>
Status read_scalar(const YAML::Node& node, const std::string& name, T& out) {
  const auto wrong = [&] {
    return Status(error_at(node, name + " has the wrong type: expected " + kind_name<T>() +
                                     ", got " + describe(node)));
  };
  if (!node.IsScalar()) return wrong();
  try {
    out = node.as<T>();
  } catch (const YAML::Exception&) {
    return wrong();
  }
  return Status::Ok();
}

// A whole number > 0 that fits T (read as a 64-bit number first, so "-1" is never an
// unsigned type's wrap-around), or a number > 0 for floating-point T.
template <typename T>
Status read_positive(const YAML::Node& node, const std::string& name, T& out) {
  if constexpr (std::is_integral_v<T>) {
    std::int64_t value = 0;
    if (auto status = read_scalar(node, name, value); !status.ok()) return status;
    if (value <= 0) return error_at(node, name + " must be greater than 0");
    if (std::cmp_greater(value, std::numeric_limits<T>::max())) {
      return error_at(node, name + " is too large");
    }
    out = static_cast<T>(value);
  } else {
    if (auto status = read_scalar(node, name, out); !status.ok()) return status;
    if (!(out > 0)) return error_at(node, name + " must be greater than 0");
  }
  return Status::Ok();
}

// read_positive into a duration in milliseconds ("timeout_ms: 3000").
Status read_millis(const YAML::Node& node, const std::string& name, std::chrono::milliseconds& out);

// read_positive into a count ("max_in_flight: 4").
Status read_count(const YAML::Node& node, const std::string& name, std::size_t& out);

// Text that is not empty: "<name> must not be empty".
Status read_text(const YAML::Node& node, const std::string& name, std::string& out);

// Relative paths in configuration resolve against the configuration file's directory
// (`base_dir`; empty: the path is used as given). The result is lexically normalised.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace accord::yaml
