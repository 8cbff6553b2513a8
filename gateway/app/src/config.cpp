#include "accord/app/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "accord/yaml/document.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::app {
namespace {

namespace fs = std::filesystem;

// The gateway config's readings on top of the one strict YAML reader (accord/yaml): errors
// there carry "line:col"; parse_config puts the file name in front.
class Reader {
 public:
  explicit Reader(std::string base_dir) : base_dir_(std::move(base_dir)) {}

  Status path(const YAML::Node& node, const std::string& name, std::string& out) const {
    if (auto s = yaml::read_text(node, name, out); !s.ok()) return s;
    out = yaml::resolve_path(base_dir_, out);
    return Status::Ok();
  }

  static Status port(const YAML::Node& node, const std::string& name, std::uint16_t& out) {
    int port = 0;
    if (auto s = yaml::read_scalar(node, name, port); !s.ok()) return s;
    if (port < 0 || port > 65535) return yaml::error_at(node, name + " must be 0..65535");
    out = static_cast<std::uint16_t>(port);
    return Status::Ok();
  }

 private:
  std::string base_dir_;
};

// The rules that tie storage keys to the backend, judged after the whole file is read.
Status check_storage(const GatewayConfig& config, const YAML::Node& root, const YAML::Node& storage,
                     const YAML::Node* postgresql) {
  if (config.storage_backend == StorageBackend::sqlite) {
    if (postgresql != nullptr) {
      return yaml::error_at(*postgresql,
                            "storage.postgresql is set but storage.backend is sqlite (the "
                            "default); set storage.backend: postgresql or remove "
                            "storage.postgresql");
    }
    if (config.storage.path.empty()) {
      return yaml::error_at(storage, "missing required key 'path' in storage");
    }
    return Status::Ok();
  }
  if (postgresql == nullptr) {
    return yaml::error_at(storage,
                          "missing required key 'postgresql' in storage: storage.backend "
                          "postgresql needs storage.postgresql.uri");
  }
  if (storage["path"]) {
    return yaml::error_at(storage["path"],
                          "storage.path names the SQLite spool file, unused with storage.backend "
                          "postgresql; remove it (signing_key and pseudonym_key name the "
                          "gateway's own files)");
  }
  // Every gateway of a deployment must hold the same two files: no default location.
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"signing_key", config.signing_key_path},
        {"pseudonym_key", config.pseudonym_key_path}}) {
    if (value.empty()) {
      return yaml::error_at(root, "missing required key '" + key +
                                      "' in the configuration: with storage.backend postgresql "
                                      "every gateway of the deployment uses the same " +
                                      key + " file; name it");
    }
  }
  return Status::Ok();
}

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
  // Errors below carry "line:col"; the file name goes in front here.
  const auto in_file = [&](Error error) {
    error.path = error.path.empty() ? source_name : source_name + ":" + error.path;
    return error;
  };
  const yaml::Document document = yaml::parse(yaml_text);
  if (!document.ok()) return in_file(yaml::error_from(document.problems.front()));
  const YAML::Node& root = document.root;
  GatewayConfig config;
  config.source = source_name;
  config.server.crl_check_interval = std::chrono::seconds(60);
  const Reader r(base_dir);
  YAML::Node tls_node;

  yaml::Handlers listen = {
      {"address",
       [&](auto& n) { return yaml::read_scalar(n, "listen.address", config.server.address); }},
      {"port", [&](auto& n) { return Reader::port(n, "listen.port", config.server.port); }}};
  yaml::Handlers admin_listen = {
      {"address",
       [&](auto& n) { return yaml::read_scalar(n, "admin_listen.address", config.admin_address); }},
      {"port", [&](auto& n) { return Reader::port(n, "admin_listen.port", config.admin_port); }},
      {"console",
       [&](auto& n) {
         return yaml::read_scalar(n, "admin_listen.console", config.console.enabled);
       }},
      {"console_dir",
       [&](auto& n) { return r.path(n, "admin_listen.console_dir", config.console.dir); }}};
  YAML::Node health_port_node;
  yaml::Handlers health_listen = {
      {"address",
       [&](auto& n) {
         return yaml::read_scalar(n, "health_listen.address", config.health_address);
       }},
      {"port", [&](auto& n) {
         health_port_node = n;
         return Reader::port(n, "health_listen.port", config.health_port);
       }}};
  yaml::Handlers tls = {
      {"ca", [&](auto& n) { return r.path(n, "tls.ca", config.server.tls.ca); }},
      {"crl", [&](auto& n) { return r.path(n, "tls.crl", config.server.tls.crl); }},
      {"cert", [&](auto& n) { return r.path(n, "tls.cert", config.server.tls.cert); }},
      {"key", [&](auto& n) { return r.path(n, "tls.key", config.server.tls.key); }},
      {"revocation",
       [&](auto& n) {
         std::string mode;
         if (auto s = yaml::read_scalar(n, "tls.revocation", mode); !s.ok()) return s;
         if (mode == "crl") {
           config.server.tls.revocation = server::Revocation::crl;
         } else if (mode == "none") {
           config.server.tls.revocation = server::Revocation::none;
         } else {
           return Status(yaml::error_at(n, "tls.revocation must be crl or none"));
         }
         return Status::Ok();
       }},
      {"crl_check_interval_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = yaml::read_scalar(n, "tls.crl_check_interval_seconds", seconds); !s.ok())
           return s;
         if (seconds < 0) {
           return Status(
               yaml::error_at(n, "tls.crl_check_interval_seconds must be 0 (off) or more"));
         }
         config.server.crl_check_interval = std::chrono::seconds(seconds);
         return Status::Ok();
       }},
      {"crl_warn_before_hours", [&](auto& n) {
         std::int64_t hours = 0;
         if (auto s = yaml::read_positive(n, "tls.crl_warn_before_hours", hours); !s.ok()) return s;
         config.server.crl_warn_before = std::chrono::hours(hours);
         return Status::Ok();
       }}};
  // storage: which backend is checked once the whole mapping is read (backend may come after
  // the keys it decides about).
  std::string backend = "sqlite";
  YAML::Node storage_node;
  YAML::Node postgresql_node;
  bool has_postgresql = false;  // a default YAML::Node is "defined": a flag says it was given
  yaml::Handlers postgresql = {
      {"uri",
       [&](auto& n) {
         auto& uri = config.postgresql.uri;
         if (auto s = yaml::read_text(n, "storage.postgresql.uri", uri); !s.ok()) return s;
         if (!spool::is_postgresql_uri(uri)) {
           return Status(
               yaml::error_at(n,
                              "storage.postgresql.uri must be a libpq URI (postgresql://... or "
                              "postgres://...), got '" +
                                  spool::redact_conninfo(uri) + "'"));
         }
         return Status::Ok();
       }},
      {"commit_timeout_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = yaml::read_positive(n, "storage.postgresql.commit_timeout_seconds", seconds);
             !s.ok())
           return s;
         config.postgresql.commit_timeout_ms = seconds * 1000;
         return Status::Ok();
       }},
      {"connect_timeout_seconds", [&](auto& n) {
         return yaml::read_positive(n, "storage.postgresql.connect_timeout_seconds",
                                    config.postgresql.connect_timeout_s);
       }}};
  yaml::Handlers storage = {
      {"backend",
       [&](auto& n) {
         if (auto s = yaml::read_scalar(n, "storage.backend", backend); !s.ok()) return s;
         if (backend == "sqlite") {
           config.storage_backend = StorageBackend::sqlite;
         } else if (backend == "postgresql") {
           config.storage_backend = StorageBackend::postgresql;
         } else {
           return Status(yaml::error_at(n, "storage.backend '" + backend +
                                               "' is not available (supported: sqlite, "
                                               "postgresql)"));
         }
         return Status::Ok();
       }},
      {"path", [&](auto& n) { return r.path(n, "storage.path", config.storage.path); }},
      {"postgresql",
       [&](auto& n) {
         postgresql_node = n;
         has_postgresql = true;
         return yaml::read_mapping(n, "storage.postgresql", postgresql, {"uri"});
       }},
      {"max_batch",
       [&](auto& n) {
         return yaml::read_positive(n, "storage.max_batch", config.storage.max_batch);
       }},
      {"max_pending", [&](auto& n) {
         return yaml::read_positive(n, "storage.max_pending", config.storage.max_pending);
       }}};
  yaml::Handlers limits = {
      {"max_body_bytes",
       [&](auto& n) {
         if (auto s = yaml::read_positive(n, "limits.max_body_bytes", config.server.max_body_bytes);
             !s.ok())
           return s;
         config.decode.max_bytes = config.server.max_body_bytes;
         return Status::Ok();
       }},
      {"max_batch_body_bytes",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_batch_body_bytes", config.max_batch_body_bytes);
       }},
      {"max_batch_items",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_batch_items", config.api.max_batch_items);
       }},
      {"max_connections",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_connections", config.server.max_connections);
       }},
      {"max_pending_handshakes_per_source",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_pending_handshakes_per_source",
                                    config.server.max_pending_handshakes_per_source);
       }},
      {"max_connections_per_agency",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_connections_per_agency",
                                    config.server.max_connections_per_agency);
       }},
      {"max_fields",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_fields", config.decode.max_fields);
       }},
      {"max_depth",
       [&](auto& n) {
         return yaml::read_positive(n, "limits.max_depth", config.decode.max_depth);
       }},
      {"handshake_timeout_ms",
       [&](auto& n) {
         return yaml::read_millis(n, "limits.handshake_timeout_ms",
                                  config.server.handshake_timeout);
       }},
      {"request_timeout_ms",
       [&](auto& n) {
         return yaml::read_millis(n, "limits.request_timeout_ms", config.server.request_timeout);
       }},
      {"idle_timeout_ms",
       [&](auto& n) {
         return yaml::read_millis(n, "limits.idle_timeout_ms", config.server.idle_timeout);
       }},
      {"rate_per_agency",
       [&](auto& n) {
         return yaml::read_scalar(n, "limits.rate_per_agency", config.api.rate_per_second);
       }},
      {"rate_burst", [&](auto& n) {
         return yaml::read_positive(n, "limits.rate_burst", config.api.rate_burst);
       }}};
  yaml::Handlers inbox = {
      {"max_batch",
       [&](auto& n) {
         return yaml::read_positive(n, "inbox.max_batch", config.api.inbox_max_batch);
       }},
      {"lease_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = yaml::read_positive(n, "inbox.lease_seconds", seconds); !s.ok()) return s;
         config.api.default_lease_ms = seconds * 1000;
         return Status::Ok();
       }},
      {"max_lease_seconds", [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = yaml::read_positive(n, "inbox.max_lease_seconds", seconds); !s.ok()) return s;
         config.api.max_lease_ms = seconds * 1000;
         return Status::Ok();
       }}};
  yaml::Handlers audit = {
      {"enabled",
       [&](auto& n) {
         return yaml::read_scalar(n, "audit.enabled", config.storage.audit.enabled);
       }},
      {"checkpoint_every_records",
       [&](auto& n) {
         return yaml::read_positive(n, "audit.checkpoint_every_records",
                                    config.storage.audit.checkpoint_every_records);
       }},
      {"checkpoint_every_seconds", [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = yaml::read_positive(n, "audit.checkpoint_every_seconds", seconds); !s.ok())
           return s;
         config.storage.audit.checkpoint_every_ms = seconds * 1000;
         return Status::Ok();
       }}};
  auto& retry = config.delivery.retry;
  yaml::Handlers delivery = {
      {"max_attempts",
       [&](auto& n) {
         return yaml::read_positive(n, "delivery.max_attempts", retry.max_attempts);
       }},
      {"max_age_hours",
       [&](auto& n) {
         std::int64_t hours = 0;
         if (auto s = yaml::read_positive(n, "delivery.max_age_hours", hours); !s.ok()) return s;
         retry.max_age_ms = hours * 3'600'000;
         return Status::Ok();
       }},
      {"backoff_initial_ms",
       [&](auto& n) {
         return yaml::read_positive(n, "delivery.backoff_initial_ms", retry.backoff_initial_ms);
       }},
      {"backoff_max_ms",
       [&](auto& n) {
         return yaml::read_positive(n, "delivery.backoff_max_ms", retry.backoff_max_ms);
       }},
      {"lease_seconds",
       [&](auto& n) {
         std::int64_t seconds = 0;
         if (auto s = yaml::read_positive(n, "delivery.lease_seconds", seconds); !s.ok()) return s;
         config.delivery.lease_ms = seconds * 1000;
         return Status::Ok();
       }},
      {"idle_poll_ms",
       [&](auto& n) {
         return yaml::read_millis(n, "delivery.idle_poll_ms", config.delivery.idle_poll);
       }},
      {"circuit_failures",
       [&](auto& n) {
         return yaml::read_positive(n, "delivery.circuit_failures",
                                    config.delivery.circuit_failures);
       }},
      {"circuit_open_ms", [&](auto& n) {
         return yaml::read_millis(n, "delivery.circuit_open_ms", config.delivery.circuit_open);
       }}};
  yaml::Handlers retention = {
      {"purge_every_seconds",
       [&](auto& n) {
         auto& out = config.retention.purge_every_seconds;
         if (auto s = yaml::read_scalar(n, "retention.purge_every_seconds", out); !s.ok()) return s;
         if (out < 0) {
           return Status(yaml::error_at(
               n, "retention.purge_every_seconds must be 0 (no periodic purge) or more"));
         }
         return Status::Ok();
       }},
      {"default_period",
       [&](auto& n) {
         auto& text = config.retention.default_period;
         if (auto s = yaml::read_text(n, "retention.default_period", text); !s.ok()) return s;
         const auto parsed = agreements::parse_duration(text);
         if (!parsed.duration) {
           return Status(yaml::error_at(n, "retention.default_period: " + parsed.error->message +
                                               " (write e.g. P1Y or P90D)"));
         }
         config.retention.default_duration = *parsed.duration;
         return Status::Ok();
       }},
      {"batch_size", [&](auto& n) {
         return yaml::read_positive(n, "retention.batch_size", config.retention.batch_size);
       }}};
  yaml::Handlers log = {
      {"level",
       [&](auto& n) {
         if (auto s = yaml::read_scalar(n, "log.level", config.log_level); !s.ok()) return s;
         static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
         for (const char* level : kLevels) {
           if (config.log_level == level) return Status::Ok();
         }
         return Status(
             yaml::error_at(n, "log.level must be trace, debug, info, warn, error or off"));
       }},
      {"format",
       [&](auto& n) {
         std::string format;
         if (auto s = yaml::read_scalar(n, "log.format", format); !s.ok()) return s;
         if (format == "text") {
           config.log_format = logging::LogFormat::text;
         } else if (format == "json") {
           config.log_format = logging::LogFormat::json;
         } else {
           return Status(yaml::error_at(n, "log.format must be text or json"));
         }
         return Status::Ok();
       }},
      {"access", [&](auto& n) { return yaml::read_scalar(n, "log.access", config.log_access); }}};
  auto& compliance = config.compliance;
  auto& feed = compliance.oversight_feed;
  yaml::Handlers oversight_feed = {
      {"sender",
       [&](auto& n) {
         return yaml::read_text(n, "compliance.oversight_feed.sender", feed.sender);
       }},
      {"recipient",
       [&](auto& n) {
         return yaml::read_text(n, "compliance.oversight_feed.recipient", feed.recipient);
       }},
      {"every", [&](auto& n) {
         if (auto s = yaml::read_text(n, "compliance.oversight_feed.every", feed.every); !s.ok())
           return s;
         if (feed.every != "month") {
           return Status(yaml::error_at(n, "compliance.oversight_feed.every must be month"));
         }
         return Status::Ok();
       }}};
  yaml::Handlers compliance_keys = {
      {"rules", [&](auto& n) { return r.path(n, "compliance.rules", compliance.rules_path); }},
      {"calendar",
       [&](auto& n) { return r.path(n, "compliance.calendar", compliance.calendar_path); }},
      {"refresh_seconds",
       [&](auto& n) {
         return yaml::read_positive(n, "compliance.refresh_seconds", compliance.refresh_seconds);
       }},
      {"oversight_feed", [&](auto& n) {
         feed.enabled = true;
         return yaml::read_mapping(n, "compliance.oversight_feed", oversight_feed,
                                   {"sender", "recipient"});
       }}};
  yaml::Handlers field_encryption = {
      {"epoch_seconds", [&](auto& n) {
         auto& out = config.field_key_epoch_seconds;
         if (auto s = yaml::read_scalar(n, "field_encryption.epoch_seconds", out); !s.ok())
           return s;
         if (out < 1 || out > crypto::kMaxEpochSeconds) {
           // 0 would read as "a key per copy"; that is not a mode the gateway has.
           return Status(
               yaml::error_at(n, "field_encryption.epoch_seconds must be from 1 to " +
                                     std::to_string(crypto::kMaxEpochSeconds) +
                                     " (how long one data key per recipient is used), got " +
                                     std::to_string(out)));
         }
         return Status::Ok();
       }}};
  yaml::Handlers top = {
      {"listen", [&](auto& n) { return yaml::read_mapping(n, "listen", listen); }},
      {"admin_listen",
       [&](auto& n) {
         config.admin_enabled = true;
         return yaml::read_mapping(n, "admin_listen", admin_listen);
       }},
      {"health_listen",
       [&](auto& n) {
         config.health_enabled = true;
         return yaml::read_mapping(n, "health_listen", health_listen);
       }},
      {"threads", [&](auto& n) { return yaml::read_positive(n, "threads", config.threads); }},
      {"tls",
       [&](auto& n) {
         tls_node = n;
         return yaml::read_mapping(n, "tls", tls, {"ca", "cert", "key"});
       }},
      {"storage",
       [&](auto& n) {
         storage_node = n;
         return yaml::read_mapping(n, "storage", storage);
       }},
      {"vocabulary", [&](auto& n) { return r.path(n, "vocabulary", config.vocabulary_path); }},
      {"agencies", [&](auto& n) { return r.path(n, "agencies", config.agencies_path); }},
      {"agreements", [&](auto& n) { return r.path(n, "agreements", config.agreements_path); }},
      {"signatures", [&](auto& n) { return r.path(n, "signatures", config.signatures_path); }},
      {"agreement_notice_days",
       [&](auto& n) {
         return yaml::read_positive(n, "agreement_notice_days", config.agreement_notice_days);
       }},
      {"pseudonym_key",
       [&](auto& n) { return r.path(n, "pseudonym_key", config.pseudonym_key_path); }},
      {"keys", [&](auto& n) { return r.path(n, "keys", config.keys_path); }},
      {"signing_key", [&](auto& n) { return r.path(n, "signing_key", config.signing_key_path); }},
      {"limits", [&](auto& n) { return yaml::read_mapping(n, "limits", limits); }},
      {"inbox", [&](auto& n) { return yaml::read_mapping(n, "inbox", inbox); }},
      {"log", [&](auto& n) { return yaml::read_mapping(n, "log", log); }},
      {"audit", [&](auto& n) { return yaml::read_mapping(n, "audit", audit); }},
      {"compliance",
       [&](auto& n) {
         compliance.enabled = true;
         return yaml::read_mapping(n, "compliance", compliance_keys, {"rules", "calendar"});
       }},
      {"delivery", [&](auto& n) { return yaml::read_mapping(n, "delivery", delivery); }},
      {"field_encryption",
       [&](auto& n) { return yaml::read_mapping(n, "field_encryption", field_encryption); }},
      {"retention", [&](auto& n) { return yaml::read_mapping(n, "retention", retention); }},
      {"adapters",
       [&](const YAML::Node& n) {
         if (!n.IsMap())
           return Status(yaml::error_at(n, "adapters must map agency ids to adapters"));
         for (const auto& agency : n) {
           if (!agency.first.IsScalar()) {
             return Status(yaml::error_at(agency.first, "adapters keys must be agency ids"));
           }
           const std::string id = agency.first.Scalar();
           yaml::Handlers sides = {
               {"outbound",
                [&](const YAML::Node& o) {
                  if (!o.IsMap() || !o["type"]) {
                    return Status(yaml::error_at(
                        o, "adapters." + id + ".outbound must be a mapping with a type"));
                  }
                  return Status::Ok();
                }},
               {"status_callbacks",
                [&](const YAML::Node& b) {
                  // Status notices to this agency about its own submissions (docs/receipts.md,
                  // "Status notices"); a mailbox agency (no outbound) may have them too.
                  bool on = false;
                  if (auto s = yaml::read_scalar(b, "adapters." + id + ".status_callbacks", on);
                      !s.ok())
                    return s;
                  if (on) config.status_callbacks.insert(id);
                  return Status::Ok();
                }},
               {"inbound", [&](const YAML::Node& i) {
                  if (!i.IsSequence()) {
                    return Status(yaml::error_at(i, "adapters." + id + ".inbound must be a list"));
                  }
                  for (const auto& item : i) {
                    if (!item.IsMap() || !item["type"]) {
                      return Status(yaml::error_at(
                          item,
                          "each of adapters." + id + ".inbound must be a mapping with a type"));
                    }
                  }
                  return Status::Ok();
                }}};
           if (auto s = yaml::read_mapping(agency.second, "adapters." + id, sides); !s.ok())
             return s;
         }
         config.adapters = n;
         return Status::Ok();
       }},
      {"zmq", [&](const YAML::Node& n) {
         config.zmq = n;
         return Status::Ok();
       }}};

  try {
    if (auto status =
            yaml::read_mapping(root, "the configuration", top,
                               {"tls", "storage", "vocabulary", "agencies", "agreements"});
        !status.ok()) {
      return in_file(status.error());
    }
  } catch (const YAML::Exception& e) {
    return in_file(yaml::error_at(YAML::Node(), e.msg));
  }
  if (config.server.tls.revocation == server::Revocation::crl && config.server.tls.crl.empty()) {
    return in_file(
        yaml::error_at(tls_node,
                       "missing required key 'tls.crl': revocation checking is on (tls.revocation: "
                       "crl, the default); name the CRL, or set tls.revocation: none to run "
                       "without revocation checking"));
  }
  if (config.server.tls.revocation == server::Revocation::none && !config.server.tls.crl.empty()) {
    return in_file(yaml::error_at(
        tls_node["crl"], "tls.crl is set but tls.revocation is none; remove one of the two"));
  }
  // A fixed health port must not be one the TLS listeners take (0: the OS picks a free one).
  if (config.health_enabled && config.health_port != 0) {
    const bool agency = config.health_port == config.server.port;
    if (agency || (config.admin_enabled && config.health_port == config.admin_port)) {
      return in_file(yaml::error_at(
          health_port_node, "health_listen.port " + std::to_string(config.health_port) +
                                " is also " + (agency ? "listen.port" : "admin_listen.port") +
                                "; give the health listener a port of its own"));
    }
  }
  if (auto s =
          check_storage(config, root, storage_node, has_postgresql ? &postgresql_node : nullptr);
      !s.ok()) {
    return in_file(s.error());
  }
  config.base_dir = base_dir;
  // Statements sit next to the agreements they sign unless the operator says otherwise.
  if (config.signatures_path.empty()) config.signatures_path = config.agreements_path;
  if (config.storage_backend == StorageBackend::sqlite) {
    // The spool's directory is the gateway's data directory.
    const auto data_dir = fs::path(config.storage.path).parent_path();
    if (config.pseudonym_key_path.empty()) {
      config.pseudonym_key_path = (data_dir / "pseudonym.key").string();
    }
    if (config.signing_key_path.empty()) {
      config.signing_key_path = (data_dir / "gateway-signing.key").string();
    }
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
