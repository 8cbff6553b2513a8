#include "accord/app/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace accord::app {
namespace {

namespace fs = std::filesystem;

// Walks a YAML mapping strictly: every key must be consumed by a known handler.
class Reader {
 public:
  Reader(std::string source, std::string base_dir)
      : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  Error error_at(const YAML::Node& node, const std::string& message) const {
    const auto mark = node.Mark();
    return make_error(
        "invalid_config", message,
        source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1));
  }

  using Handlers = std::map<std::string, std::function<Status(const YAML::Node&)>>;

  Status mapping(const YAML::Node& node, const std::string& where, const Handlers& handlers) {
    if (!node.IsMap()) return error_at(node, where + " must be a mapping");
    for (const auto& entry : node) {
      const auto key = entry.first.as<std::string>();
      const auto handler = handlers.find(key);
      if (handler == handlers.end()) {
        std::string known;
        for (const auto& [name, _] : handlers) known += (known.empty() ? "" : ", ") + name;
        return error_at(entry.first,
                        "unknown key '" + key + "' in " + where + " (known: " + known + ")");
      }
      if (auto status = handler->second(entry.second); !status.ok()) return status;
    }
    return Status::Ok();
  }

  template <typename T>
  Status scalar(const YAML::Node& node, const std::string& name, T& out) {
    if (!node.IsScalar()) return error_at(node, name + " must be a scalar");
    try {
      out = node.as<T>();
    } catch (const YAML::Exception&) {
      return error_at(node, name + " has the wrong type");
    }
    return Status::Ok();
  }

  template <typename T>
  Status positive(const YAML::Node& node, const std::string& name, T& out) {
    if (auto s = scalar(node, name, out); !s.ok()) return s;
    if (out <= 0) return error_at(node, name + " must be greater than 0");
    return Status::Ok();
  }

  Status path(const YAML::Node& node, const std::string& name, std::string& out) {
    if (auto s = scalar(node, name, out); !s.ok()) return s;
    if (out.empty()) return error_at(node, name + " must not be empty");
    out = resolve(out);
    return Status::Ok();
  }

  Status millis(const YAML::Node& node, const std::string& name, std::chrono::milliseconds& out) {
    std::int64_t value = 0;
    if (auto s = positive(node, name, value); !s.ok()) return s;
    out = std::chrono::milliseconds(value);
    return Status::Ok();
  }

  std::string resolve(const std::string& path) const {
    fs::path p(path);
    return (p.is_absolute() ? p : fs::path(base_dir_) / p).lexically_normal().string();
  }

 private:
  std::string source_;
  std::string base_dir_;
};

}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io", "cannot read " + path + ": " + std::strerror(errno), path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<GatewayConfig> parse_config(std::string_view yaml_text, const std::string& base_dir,
                                   const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    return make_error("invalid_config", e.msg,
                      source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1));
  }
  GatewayConfig config;
  config.source = source_name;
  config.server.crl_check_interval = std::chrono::seconds(60);
  Reader r(source_name, base_dir);
  bool have_tls = false, have_storage = false;

  Reader::Handlers listen = {
      {"address", [&](auto& n) { return r.scalar(n, "listen.address", config.server.address); }},
      {"port", [&](auto& n) {
         int port = 0;
         if (auto s = r.scalar(n, "listen.port", port); !s.ok()) return s;
         if (port < 0 || port > 65535) return Status(r.error_at(n, "listen.port must be 0..65535"));
         config.server.port = static_cast<std::uint16_t>(port);
         return Status::Ok();
       }}};
  Reader::Handlers admin_listen = {
      {"address",
       [&](auto& n) { return r.scalar(n, "admin_listen.address", config.admin_address); }},
      {"port", [&](auto& n) {
         int port = 0;
         if (auto s = r.scalar(n, "admin_listen.port", port); !s.ok()) return s;
         if (port < 0 || port > 65535) {
           return Status(r.error_at(n, "admin_listen.port must be 0..65535"));
         }
         config.admin_port = static_cast<std::uint16_t>(port);
         return Status::Ok();
       }}};
  Reader::Handlers tls = {
      {"ca", [&](auto& n) { return r.path(n, "tls.ca", config.server.tls.ca); }},
      {"crl", [&](auto& n) { return r.path(n, "tls.crl", config.server.tls.crl); }},
      {"cert", [&](auto& n) { return r.path(n, "tls.cert", config.server.tls.cert); }},
      {"key", [&](auto& n) { return r.path(n, "tls.key", config.server.tls.key); }},
      {"revocation",
       [&](auto& n) {
         std::string mode;
         if (auto s = r.scalar(n, "tls.revocation", mode); !s.ok()) return s;
         if (mode == "crl") {
           config.server.tls.revocation = server::Revocation::crl;
         } else if (mode == "none") {
           config.server.tls.revocation = server::Revocation::none;
         } else {
           return Status(r.error_at(n, "tls.revocation must be crl or none"));
         }
         return Status::Ok();
       }},
      {"crl_check_interval_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = r.scalar(n, "tls.crl_check_interval_seconds", seconds); !s.ok()) return s;
         if (seconds < 0) {
           return Status(r.error_at(n, "tls.crl_check_interval_seconds must be 0 (off) or more"));
         }
         config.server.crl_check_interval = std::chrono::seconds(seconds);
         return Status::Ok();
       }},
      {"crl_warn_before_hours", [&](auto& n) {
         std::int64_t hours = 0;
         if (auto s = r.positive(n, "tls.crl_warn_before_hours", hours); !s.ok()) return s;
         config.server.crl_warn_before = std::chrono::hours(hours);
         return Status::Ok();
       }}};
  Reader::Handlers storage = {
      {"backend",
       [&](auto& n) {
         std::string backend;
         if (auto s = r.scalar(n, "storage.backend", backend); !s.ok()) return s;
         if (backend != "sqlite") {
           return Status(r.error_at(
               n, "storage.backend '" + backend + "' is not available (supported: sqlite)"));
         }
         return Status::Ok();
       }},
      {"path", [&](auto& n) { return r.path(n, "storage.path", config.storage.path); }},
      {"max_batch",
       [&](auto& n) { return r.positive(n, "storage.max_batch", config.storage.max_batch); }},
      {"max_pending",
       [&](auto& n) { return r.positive(n, "storage.max_pending", config.storage.max_pending); }}};
  Reader::Handlers limits = {
      {"max_body_bytes",
       [&](auto& n) {
         if (auto s = r.positive(n, "limits.max_body_bytes", config.server.max_body_bytes); !s.ok())
           return s;
         config.decode.max_bytes = config.server.max_body_bytes;
         return Status::Ok();
       }},
      {"max_connections",
       [&](auto& n) {
         return r.positive(n, "limits.max_connections", config.server.max_connections);
       }},
      {"max_pending_handshakes_per_source",
       [&](auto& n) {
         return r.positive(n, "limits.max_pending_handshakes_per_source",
                           config.server.max_pending_handshakes_per_source);
       }},
      {"max_connections_per_agency",
       [&](auto& n) {
         return r.positive(n, "limits.max_connections_per_agency",
                           config.server.max_connections_per_agency);
       }},
      {"max_fields",
       [&](auto& n) { return r.positive(n, "limits.max_fields", config.decode.max_fields); }},
      {"max_depth",
       [&](auto& n) { return r.positive(n, "limits.max_depth", config.decode.max_depth); }},
      {"handshake_timeout_ms",
       [&](auto& n) {
         return r.millis(n, "limits.handshake_timeout_ms", config.server.handshake_timeout);
       }},
      {"request_timeout_ms",
       [&](auto& n) {
         return r.millis(n, "limits.request_timeout_ms", config.server.request_timeout);
       }},
      {"idle_timeout_ms",
       [&](auto& n) { return r.millis(n, "limits.idle_timeout_ms", config.server.idle_timeout); }},
      {"rate_per_agency",
       [&](auto& n) { return r.scalar(n, "limits.rate_per_agency", config.api.rate_per_second); }},
      {"rate_burst",
       [&](auto& n) { return r.positive(n, "limits.rate_burst", config.api.rate_burst); }}};
  Reader::Handlers inbox = {
      {"max_batch",
       [&](auto& n) { return r.positive(n, "inbox.max_batch", config.api.inbox_max_batch); }},
      {"lease_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = r.positive(n, "inbox.lease_seconds", seconds); !s.ok()) return s;
         config.api.default_lease_ms = seconds * 1000;
         return Status::Ok();
       }},
      {"max_lease_seconds", [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = r.positive(n, "inbox.max_lease_seconds", seconds); !s.ok()) return s;
         config.api.max_lease_ms = seconds * 1000;
         return Status::Ok();
       }}};
  Reader::Handlers audit = {
      {"enabled",
       [&](auto& n) { return r.scalar(n, "audit.enabled", config.storage.audit.enabled); }},
      {"checkpoint_every_records",
       [&](auto& n) {
         return r.positive(n, "audit.checkpoint_every_records",
                           config.storage.audit.checkpoint_every_records);
       }},
      {"checkpoint_every_seconds", [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = r.positive(n, "audit.checkpoint_every_seconds", seconds); !s.ok()) return s;
         config.storage.audit.checkpoint_every_ms = seconds * 1000;
         return Status::Ok();
       }}};
  auto& retry = config.delivery.retry;
  Reader::Handlers delivery = {
      {"max_attempts",
       [&](auto& n) { return r.positive(n, "delivery.max_attempts", retry.max_attempts); }},
      {"max_age_hours",
       [&](auto& n) {
         std::int64_t hours = 0;
         if (auto s = r.positive(n, "delivery.max_age_hours", hours); !s.ok()) return s;
         retry.max_age_ms = hours * 3'600'000;
         return Status::Ok();
       }},
      {"backoff_initial_ms",
       [&](auto& n) {
         return r.positive(n, "delivery.backoff_initial_ms", retry.backoff_initial_ms);
       }},
      {"backoff_max_ms",
       [&](auto& n) { return r.positive(n, "delivery.backoff_max_ms", retry.backoff_max_ms); }},
      {"lease_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = r.positive(n, "delivery.lease_seconds", seconds); !s.ok()) return s;
         config.delivery.lease_ms = seconds * 1000;
         return Status::Ok();
       }},
      {"idle_poll_ms",
       [&](auto& n) { return r.millis(n, "delivery.idle_poll_ms", config.delivery.idle_poll); }},
      {"circuit_failures",
       [&](auto& n) {
         return r.positive(n, "delivery.circuit_failures", config.delivery.circuit_failures);
       }},
      {"circuit_open_ms", [&](auto& n) {
         return r.millis(n, "delivery.circuit_open_ms", config.delivery.circuit_open);
       }}};
  Reader::Handlers log = {
      {"level", [&](auto& n) {
         if (auto s = r.scalar(n, "log.level", config.log_level); !s.ok()) return s;
         static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
         for (const char* level : kLevels) {
           if (config.log_level == level) return Status::Ok();
         }
         return Status(r.error_at(n, "log.level must be trace, debug, info, warn, error or off"));
       }}};
  Reader::Handlers top = {
      {"listen", [&](auto& n) { return r.mapping(n, "listen", listen); }},
      {"admin_listen",
       [&](auto& n) {
         config.admin_enabled = true;
         return r.mapping(n, "admin_listen", admin_listen);
       }},
      {"threads", [&](auto& n) { return r.positive(n, "threads", config.threads); }},
      {"tls",
       [&](auto& n) {
         have_tls = true;
         return r.mapping(n, "tls", tls);
       }},
      {"storage",
       [&](auto& n) {
         have_storage = true;
         return r.mapping(n, "storage", storage);
       }},
      {"vocabulary", [&](auto& n) { return r.path(n, "vocabulary", config.vocabulary_path); }},
      {"agencies", [&](auto& n) { return r.path(n, "agencies", config.agencies_path); }},
      {"agreements", [&](auto& n) { return r.path(n, "agreements", config.agreements_path); }},
      {"agreement_notice_days",
       [&](auto& n) {
         return r.positive(n, "agreement_notice_days", config.agreement_notice_days);
       }},
      {"pseudonym_key",
       [&](auto& n) { return r.path(n, "pseudonym_key", config.pseudonym_key_path); }},
      {"keys", [&](auto& n) { return r.path(n, "keys", config.keys_path); }},
      {"signing_key", [&](auto& n) { return r.path(n, "signing_key", config.signing_key_path); }},
      {"limits", [&](auto& n) { return r.mapping(n, "limits", limits); }},
      {"inbox", [&](auto& n) { return r.mapping(n, "inbox", inbox); }},
      {"log", [&](auto& n) { return r.mapping(n, "log", log); }},
      {"audit", [&](auto& n) { return r.mapping(n, "audit", audit); }},
      {"delivery", [&](auto& n) { return r.mapping(n, "delivery", delivery); }},
      {"adapters",
       [&](const YAML::Node& n) {
         if (!n.IsMap()) return Status(r.error_at(n, "adapters must map agency ids to adapters"));
         for (const auto& agency : n) {
           const auto id = agency.first.as<std::string>();
           Reader::Handlers sides = {
               {"outbound",
                [&](const YAML::Node& o) {
                  if (!o.IsMap() || !o["type"]) {
                    return Status(r.error_at(
                        o, "adapters." + id + ".outbound must be a mapping with a type"));
                  }
                  return Status::Ok();
                }},
               {"inbound", [&](const YAML::Node& i) {
                  if (!i.IsSequence()) {
                    return Status(r.error_at(i, "adapters." + id + ".inbound must be a list"));
                  }
                  for (const auto& item : i) {
                    if (!item.IsMap() || !item["type"]) {
                      return Status(r.error_at(item, "each of adapters." + id +
                                                         ".inbound must be a mapping with a type"));
                    }
                  }
                  return Status::Ok();
                }}};
           if (auto s = r.mapping(agency.second, "adapters." + id, sides); !s.ok()) return s;
         }
         config.adapters = n;
         return Status::Ok();
       }},
      {"zmq", [&](const YAML::Node& n) {
         config.zmq = n;
         return Status::Ok();
       }}};

  try {
    if (auto status = r.mapping(root, "the configuration", top); !status.ok())
      return status.error();
  } catch (const YAML::Exception& e) {
    return make_error("invalid_config", e.msg, source_name);
  }

  auto missing = [&](const std::string& what) {
    return make_error("invalid_config", "missing required key '" + what + "'", source_name);
  };
  if (!have_tls) return missing("tls");
  if (config.server.tls.ca.empty()) return missing("tls.ca");
  if (config.server.tls.cert.empty()) return missing("tls.cert");
  if (config.server.tls.key.empty()) return missing("tls.key");
  if (config.server.tls.revocation == server::Revocation::crl && config.server.tls.crl.empty()) {
    return make_error("invalid_config",
                      "missing required key 'tls.crl': revocation checking is on (tls.revocation: "
                      "crl, the default); name the CRL, or set tls.revocation: none to run "
                      "without revocation checking",
                      source_name);
  }
  if (config.server.tls.revocation == server::Revocation::none && !config.server.tls.crl.empty()) {
    return make_error("invalid_config",
                      "tls.crl is set but tls.revocation is none; remove one of the two",
                      source_name);
  }
  if (!have_storage || config.storage.path.empty()) return missing("storage.path");
  if (config.vocabulary_path.empty()) return missing("vocabulary");
  if (config.agencies_path.empty()) return missing("agencies");
  if (config.agreements_path.empty()) return missing("agreements");
  config.base_dir = base_dir;
  const auto data_dir = fs::path(config.storage.path).parent_path();
  if (config.pseudonym_key_path.empty()) {
    config.pseudonym_key_path = (data_dir / "pseudonym.key").string();
  }
  if (config.signing_key_path.empty()) {
    config.signing_key_path = (data_dir / "gateway-signing.key").string();
  }
  return config;
}

Result<GatewayConfig> load_config(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  const auto base = fs::absolute(path).parent_path().string();
  return parse_config(text.value(), base, path);
}

}  // namespace accord::app
