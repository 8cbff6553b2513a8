// The gateway's configuration file (YAML; docs/operations.md is the reference).
// Strict: an unknown key, a wrong type or a missing file is an error naming file:line:col.
// Relative paths are resolved against the directory of the configuration file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "accord/agreements/retention.hpp"
#include "accord/api/api_handler.hpp"
#include "accord/console/console_files.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/epoch_keys.hpp"
#include "accord/delivery/worker.hpp"
#include "accord/env/env.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/logging/structured.hpp"
#include "accord/server/http_server.hpp"
#include "accord/spool/pg_spool.hpp"
#include "accord/spool/sqlite_spool.hpp"

namespace accord::app {

// Where the spool lives (storage.backend): the embedded SQLite file, or a replicated
// PostgreSQL database shared by several gateways (docs/storage.md).
enum class StorageBackend { sqlite, postgresql };

// The oversight feed (compliance.oversight_feed, docs/compliance.md §6): a monthly
// compliance.summary submitted by the gateway itself as `sender` to `recipient`.
struct OversightFeedConfig {
  bool enabled = false;
  std::string sender;           // an agency of kind gateway in the agency directory
  std::string recipient;        // the oversight body's agency id
  std::string every = "month";  // the only period: the previous London calendar month
};

// The compliance: section (docs/compliance.md §6); absent = no tracker, metrics or feed.
struct ComplianceConfig {
  bool enabled = false;
  std::string rules_path;             // config/compliance/victims-code.yaml
  std::string calendar_path;          // config/compliance/bank-holidays-england-and-wales.yaml
  std::int64_t refresh_seconds = 10;  // how often the tracker folds new audit records
  OversightFeedConfig oversight_feed;
};

// The `retention:` section (docs/operations.md, docs/compliance.md §9). Absent: the defaults.
struct RetentionConfig {
  // How often the gateway purges copies past their recipient's retention; 0: never on its own
  // (POST /v1/admin/retention/purge still does).
  std::int64_t purge_every_seconds = 3600;
  // For a copy on a route no agreement in force covers now (an ended or replaced agreement).
  std::string default_period = "P1Y";
  agreements::IsoDuration default_duration{1, 0, 0, 0, 0, 0, 0};
  // Copies examined per transaction.
  std::int64_t batch_size = 500;
};

struct GatewayConfig {
  std::string source;  // the file it came from
  server::ServerOptions server;
  // limits.max_batch_body_bytes: the body limit of POST /v1/messages:batch on the agency
  // listener (every other request keeps server.max_body_bytes).
  std::size_t max_batch_body_bytes = 8 * 1024 * 1024;
  // The admin listener (admin and auditor certificates only); disabled when absent.
  bool admin_enabled = false;
  std::string admin_address = "127.0.0.1";
  std::uint16_t admin_port = 0;
  // The web console it serves (admin_listen.console, admin_listen.console_dir).
  console::ConsoleOptions console;
  int threads = 2;
  StorageBackend storage_backend = StorageBackend::sqlite;
  // storage.path, storage.max_batch/max_pending and audit.*; for sqlite, the whole spool's
  // options. With postgresql only max_batch, max_pending and audit apply (path is refused).
  spool::SqliteSpoolOptions storage;
  // storage.postgresql: uri, commit_timeout_ms, connect_timeout_s (backend postgresql only).
  // The other fields are filled when the spool is opened (gateway_pg_spool_options).
  spool::PgSpoolOptions postgresql;
  std::string vocabulary_path;
  std::string agencies_path;
  std::string agreements_path;  // a directory of *.yaml agreements
  // Where signed statements about agreement versions live (*.sig.json, *.suspend.json): read
  // at start and reload, written by the admin API (`signatures`, default agreements_path).
  std::string signatures_path;
  // 32-byte secret for pseudonymise; created if absent on a first start. With postgresql
  // required (every gateway of a deployment must use the same file), as is signing_key.
  std::string pseudonym_key_path;
  std::string keys_path;         // directory of agencies' *.pub.json; empty = none registered
  std::string signing_key_path;  // the gateway's Ed25519 key; created (0600) if absent
  // field_encryption.epoch_seconds: how long one data key per recipient key encrypts fields
  // (docs/field-encryption.md §1), 1 to 86400.
  std::int64_t field_key_epoch_seconds = crypto::kDefaultEpochSeconds;
  api::ApiOptions api;
  envelope::DecodeLimits decode;
  std::string log_level = "info";
  logging::LogFormat log_format = logging::LogFormat::text;  // log.format
  bool log_access = false;  // log.access: one line per HTTP request on every listener
  // health_listen: plain HTTP /livez and /readyz (docs/operations.md, "Health checks");
  // disabled when absent.
  bool health_enabled = false;
  std::string health_address = "127.0.0.1";
  std::uint16_t health_port = 0;
  std::string base_dir;  // the config file's directory: adapters resolve relative paths here
  // Push delivery (retries, dead letters, circuit breaker) for agencies with an outbound
  // adapter that pushes.
  delivery::WorkerOptions delivery;
  // agency id → {outbound: {type: ..., ...}, inbound: [{type: ..., ...}]}. Shape checked
  // here; each adapter's settings are checked by its factory when the gateway starts.
  YAML::Node adapters;
  // Agencies with adapters.<agency>.status_callbacks: true: each gets a signed status notice
  // when every copy of one of its submissions is acknowledged or a copy is dead-lettered
  // (docs/receipts.md, "Status notices").
  std::set<std::string, std::less<>> status_callbacks;
  YAML::Node zmq;  // the zmq: section (adapters/zmq/options.hpp), or null
  // Advance notice, in days, of an agreement's valid_until and review_by: warned in the log
  // at load and reload (`agreement_notice_days`, default 30).
  int agreement_notice_days = 30;
  ComplianceConfig compliance;
  RetentionConfig retention;
  // The gateway's clocks, the files it writes (secrets, keys, adapters' files) and its
  // randomness (docs/architecture.md "The Env seam"); nullptr means env::system_env(). Never
  // read from the file: tests inject an env::FakeEnv to cross a lease or an agreement's
  // valid_until by moving its clock. Must outlive the gateway.
  env::Env* env = nullptr;
};

// Parses YAML text; `base_dir` resolves relative paths, `source_name` labels errors.
Result<GatewayConfig> parse_config(std::string_view yaml_text, const std::string& base_dir,
                                   const std::string& source_name);
// Reads and parses a file.
Result<GatewayConfig> load_config(const std::string& path);

// Reads a whole file; Error code `io` names the file and the reason.
Result<std::string> read_file(const std::string& path);

// Hands `text` (read from `path`) to a pure parser (`Result<T> parse(std::string_view)`,
// whose errors carry "line:col" in Error::path); errors then name "path:line:col".
template <typename Parse>
auto parse_text(const std::string& path, std::string_view text, Parse parse)
    -> decltype(parse(std::string_view{})) {
  auto parsed = parse(text);
  if (!parsed.ok()) {
    Error error = parsed.error();
    error.path = path + ":" + error.path;
    return error;
  }
  return parsed;
}

// Reads `path` and parses it as parse_text() does.
template <typename Parse>
auto parse_file(const std::string& path, Parse parse) -> decltype(parse(std::string_view{})) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  return parse_text(path, text.value(), parse);
}

}  // namespace accord::app
