#include "accord/adapters/zmq/options.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "accord/adapters/zmq/curve_key.hpp"

namespace accord::adapters {
namespace {

namespace fs = std::filesystem;

Error error_at(const YAML::Node& node, const std::string& message) {
  const auto mark = node.Mark();
  return make_error("invalid_config", message,
                    std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1));
}

using Handlers = std::map<std::string, std::function<Status(const YAML::Node&)>>;

// Every key must have a handler; each handler runs once (YAML maps have unique keys).
Status mapping(const YAML::Node& node, const std::string& where, const Handlers& handlers,
               std::set<std::string>& seen) {
  if (!node.IsMap()) return error_at(node, where + " must be a mapping");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar())
      return error_at(entry.first, "keys in " + where + " must be names");
    const auto key = entry.first.Scalar();
    const auto handler = handlers.find(key);
    if (handler == handlers.end()) {
      std::string known;
      for (const auto& [name, _] : handlers) known += (known.empty() ? "" : ", ") + name;
      return error_at(entry.first,
                      "unknown key '" + key + "' in " + where + " (known: " + known + ")");
    }
    if (!seen.insert(key).second) return error_at(entry.first, "duplicate key '" + key + "'");
    if (auto status = handler->second(entry.second); !status.ok()) return status;
  }
  return Status::Ok();
}

Status text(const YAML::Node& node, const std::string& name, std::string& out) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    return error_at(node, name + " must be a non-empty string");
  }
  out = node.Scalar();
  return Status::Ok();
}

template <typename T>
Status positive(const YAML::Node& node, const std::string& name, T& out) {
  long long value = 0;
  try {
    if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
    value = node.as<long long>();
  } catch (const YAML::Exception&) {
    return error_at(node, name + " must be a whole number");
  }
  if (value <= 0) return error_at(node, name + " must be greater than 0");
  out = static_cast<T>(value);
  return Status::Ok();
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(base_dir) / p).lexically_normal().string();
}

Status binding(const YAML::Node& node, const std::string& base_dir, ZmqAdapterBinding& out) {
  std::set<std::string> seen;
  auto one_key = [&](const YAML::Node& n) {
    return seen.count("public_key") && seen.count("public_key_file")
               ? Status(error_at(n, "give `public_key` or `public_key_file`, not both"))
               : Status::Ok();
  };
  Handlers handlers = {
      {"agency", [&](const YAML::Node& n) { return text(n, "zmq.adapters[].agency", out.agency); }},
      {"public_key",
       [&](const YAML::Node& n) {
         if (auto s = one_key(n); !s.ok()) return s;
         if (auto s = text(n, "zmq.adapters[].public_key", out.public_key); !s.ok()) return s;
         if (!is_z85_key(out.public_key)) {
           return Status(error_at(n, "public_key must be a 40-character Z85 CURVE key"));
         }
         return Status::Ok();
       }},
      {"public_key_file", [&](const YAML::Node& n) {
         std::string path;
         if (auto s = one_key(n); !s.ok()) return s;
         if (auto s = text(n, "zmq.adapters[].public_key_file", path); !s.ok()) return s;
         auto key = read_public_key_file(resolve(base_dir, path));
         if (!key.ok()) return Status(error_at(n, key.error().message));
         out.public_key = key.value();
         return Status::Ok();
       }}};
  if (auto s = mapping(node, "zmq.adapters[]", handlers, seen); !s.ok()) return s;
  if (!seen.count("agency")) return error_at(node, "zmq.adapters[] needs `agency`");
  if (!seen.count("public_key") && !seen.count("public_key_file")) {
    return error_at(node, "zmq.adapters[] needs `public_key` or `public_key_file`");
  }
  return Status::Ok();
}

}  // namespace

Result<ZmqPortOptions> parse_zmq_port(const YAML::Node& node, const std::string& base_dir) {
  ZmqPortOptions options;
  std::set<std::string> seen;
  try {
    Handlers handlers = {
        {"endpoint",
         [&](const YAML::Node& n) { return text(n, "zmq.endpoint", options.endpoint); }},
        {"secret_key",
         [&](const YAML::Node& n) {
           if (auto s = text(n, "zmq.secret_key", options.secret_key_path); !s.ok()) return s;
           options.secret_key_path = resolve(base_dir, options.secret_key_path);
           return Status::Ok();
         }},
        {"heartbeat_ms",
         [&](const YAML::Node& n) {
           return positive(n, "zmq.heartbeat_ms", options.heartbeat_ms);
         }},
        {"ack_timeout_ms",
         [&](const YAML::Node& n) {
           return positive(n, "zmq.ack_timeout_ms", options.ack_timeout_ms);
         }},
        {"max_in_flight",
         [&](const YAML::Node& n) {
           return positive(n, "zmq.max_in_flight", options.max_in_flight);
         }},
        {"max_submit_in_flight",
         [&](const YAML::Node& n) {
           return positive(n, "zmq.max_submit_in_flight", options.max_submit_in_flight);
         }},
        {"max_frame_bytes",
         [&](const YAML::Node& n) {
           return positive(n, "zmq.max_frame_bytes", options.max_frame_bytes);
         }},
        {"adapters", [&](const YAML::Node& n) {
           if (!n.IsSequence()) return Status(error_at(n, "zmq.adapters must be a list"));
           std::set<std::string> agencies, keys;
           for (const auto& item : n) {
             ZmqAdapterBinding b;
             if (auto s = binding(item, base_dir, b); !s.ok()) return s;
             if (!agencies.insert(b.agency).second) {
               return Status(error_at(item, "agency " + b.agency +
                                                " has two zmq adapters; "
                                                "one key pair per agency"));
             }
             // One key, one identity: a key shared by two agencies could speak for either.
             if (!keys.insert(b.public_key).second) {
               return Status(error_at(
                   item, "public key of " + b.agency + " is already bound to another agency"));
             }
             options.adapters.push_back(std::move(b));
           }
           return Status::Ok();
         }}};
    if (auto s = mapping(node, "zmq", handlers, seen); !s.ok()) return s.error();
  } catch (const YAML::Exception& e) {
    return error_at(node, std::string("zmq: ") + e.what());
  }
  for (const char* required : {"endpoint", "secret_key"}) {
    if (!seen.count(required)) return error_at(node, std::string("zmq needs `") + required + "`");
  }
  if (options.endpoint.rfind("tcp://", 0) != 0 && options.endpoint.rfind("ipc://", 0) != 0) {
    return error_at(node["endpoint"], "zmq.endpoint must be tcp://host:port or ipc://path");
  }
  return options;
}

}  // namespace accord::adapters
