#include "accord/yaml/fields.hpp"

#include <filesystem>

#include "accord/yaml/keys.hpp"

namespace accord::yaml {

Error error_at(const YAML::Node& node, const std::string& message) {
  return make_error("invalid_config", message, position_of(node).to_string());
}

Error error_from(const Problem& problem) {
  return make_error("invalid_config", problem.text(), problem.at.to_string());
}

std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (!node.IsScalar()) return "nothing";
  return "'" + excerpt(node.Scalar()) + "'";  // enough to recognise, short enough for a log line
}

Status read_mapping(const YAML::Node& node, std::string_view where, const Handlers& handlers,
                    const std::vector<std::string_view>& required) {
  Keys keys;
  for (const auto& [key, handler] : handlers) keys.optional.push_back(key);
  // Required keys are reported after the handlers ran: a bad value comes first.
  if (auto problems = check_mapping(node, where, keys); !problems.empty()) {
    return error_from(problems.front());
  }
  if (auto problems = duplicate_keys(node); !problems.empty()) return error_from(problems.front());
  for (const auto& entry : node) {
    auto status = handlers.find(entry.first.Scalar())->second(entry.second);
    if (status.ok()) continue;
    // yaml-cpp marks an empty value ("key:" and nothing) at the token after it, often the
    // next line: point at the key instead.
    Error error = status.error();
    if (entry.second.IsNull() && error.path == position_of(entry.second).to_string()) {
      error.path = position_of(entry.first).to_string();
    }
    return error;
  }
  for (std::string_view key : required) {
    if (!node[std::string(key)]) {
      return error_at(node,
                      "missing required key '" + std::string(key) + "' in " + std::string(where));
    }
  }
  return Status::Ok();
}

Status read_millis(const YAML::Node& node, const std::string& name,
                   std::chrono::milliseconds& out) {
  std::int64_t ms = 0;
  if (auto status = read_positive(node, name, ms); !status.ok()) return status;
  out = std::chrono::milliseconds(ms);
  return Status::Ok();
}

Status read_count(const YAML::Node& node, const std::string& name, std::size_t& out) {
  return read_positive(node, name, out);
}

Status read_text(const YAML::Node& node, const std::string& name, std::string& out) {
  if (auto status = read_scalar(node, name, out); !status.ok()) return status;
  if (out.empty()) return error_at(node, name + " must not be empty");
  return Status::Ok();
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  const std::filesystem::path p(path);
  return (p.is_absolute() || base_dir.empty() ? p : std::filesystem::path(base_dir) / p)
      .lexically_normal()
      .string();
}

}  // namespace accord::yaml
