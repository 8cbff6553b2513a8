#include "accord/adapters/zmq/options.hpp"

#include <set>

#include "accord/adapters/zmq/curve_key.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

using yaml::error_at;

Status binding(const YAML::Node& node, const std::string& base_dir, ZmqAdapterBinding& out) {
  bool have_key = false, have_key_file = false;
  auto one_key = [&](const YAML::Node& n) {
    return have_key && have_key_file
               ? Status(error_at(n, "give `public_key` or `public_key_file`, not both"))
               : Status::Ok();
  };
  yaml::Handlers handlers = {
      {"agency",
       [&](const YAML::Node& n) {
         return yaml::read_text(n, "zmq.adapters[].agency", out.agency);
       }},
      {"public_key",
       [&](const YAML::Node& n) {
         have_key = true;
         if (auto s = one_key(n); !s.ok()) return s;
         if (auto s = yaml::read_text(n, "zmq.adapters[].public_key", out.public_key); !s.ok()) {
           return s;
         }
         if (!is_z85_key(out.public_key)) {
           return Status(error_at(n, "public_key must be a 40-character Z85 CURVE key"));
         }
         return Status::Ok();
       }},
      {"public_key_file", [&](const YAML::Node& n) {
         have_key_file = true;
         std::string path;
         if (auto s = one_key(n); !s.ok()) return s;
         if (auto s = yaml::read_text(n, "zmq.adapters[].public_key_file", path); !s.ok()) return s;
         auto key = read_public_key_file(yaml::resolve_path(base_dir, path));
         if (!key.ok()) return Status(error_at(n, key.error().message));
         out.public_key = key.value();
         return Status::Ok();
       }}};
  if (auto s = yaml::read_mapping(node, "zmq.adapters[]", handlers, {"agency"}); !s.ok()) return s;
  if (!have_key && !have_key_file) {
    return error_at(node, "zmq.adapters[] needs `public_key` or `public_key_file`");
  }
  return Status::Ok();
}

}  // namespace

Result<ZmqPortOptions> parse_zmq_port(const YAML::Node& node, const std::string& base_dir) {
  ZmqPortOptions options;
  try {
    yaml::Handlers handlers = {
        {"endpoint",
         [&](const YAML::Node& n) { return yaml::read_text(n, "zmq.endpoint", options.endpoint); }},
        {"secret_key",
         [&](const YAML::Node& n) {
           if (auto s = yaml::read_text(n, "zmq.secret_key", options.secret_key_path); !s.ok()) {
             return s;
           }
           options.secret_key_path = yaml::resolve_path(base_dir, options.secret_key_path);
           return Status::Ok();
         }},
        {"heartbeat_ms",
         [&](const YAML::Node& n) {
           return yaml::read_positive(n, "zmq.heartbeat_ms", options.heartbeat_ms);
         }},
        {"ack_timeout_ms",
         [&](const YAML::Node& n) {
           return yaml::read_positive(n, "zmq.ack_timeout_ms", options.ack_timeout_ms);
         }},
        {"max_in_flight",
         [&](const YAML::Node& n) {
           return yaml::read_positive(n, "zmq.max_in_flight", options.max_in_flight);
         }},
        {"max_submit_in_flight",
         [&](const YAML::Node& n) {
           return yaml::read_positive(n, "zmq.max_submit_in_flight", options.max_submit_in_flight);
         }},
        {"max_frame_bytes",
         [&](const YAML::Node& n) {
           return yaml::read_positive(n, "zmq.max_frame_bytes", options.max_frame_bytes);
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
    if (auto s = yaml::read_mapping(node, "zmq", handlers, {"endpoint", "secret_key"}); !s.ok()) {
      return s.error();
    }
  } catch (const YAML::Exception& e) {
    return error_at(node, std::string("zmq: ") + e.what());
  }
  if (options.endpoint.rfind("tcp://", 0) != 0 && options.endpoint.rfind("ipc://", 0) != 0) {
    return error_at(node["endpoint"], "zmq.endpoint must be tcp://host:port or ipc://path");
  }
  return options;
}

}  // namespace accord::adapters
