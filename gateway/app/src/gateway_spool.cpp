#include "gateway_spool.hpp"

#include <filesystem>

#include "accord/spool/pg_check.hpp"
#include "accord/spool/pg_spool.hpp"
#include "accord/spool/sqlite_spool.hpp"

namespace accord::app {

const char* backend_name(StorageBackend backend) {
  return backend == StorageBackend::postgresql ? "postgresql" : "sqlite";
}

spool::PgSpoolOptions gateway_pg_spool_options(const GatewayConfig& config,
                                               const std::string& gateway_kid) {
  spool::PgSpoolOptions options = config.postgresql;
  options.max_batch = config.storage.max_batch;
  options.max_pending = config.storage.max_pending;
  options.audit = config.storage.audit;
  options.gateway_kid = gateway_kid;
  options.env = config.env;
  return options;
}

Result<std::unique_ptr<spool::Spool>> open_gateway_spool(const GatewayConfig& config,
                                                         const SpoolWiring& wiring) {
  spool::AuditOptions audit = config.storage.audit;
  const crypto::GatewaySigner* signer = wiring.signer;
  audit.sign = [signer](std::string_view bytes) { return signer->sign(bytes); };
  audit.now_ms = wiring.now_ms;
  if (config.storage_backend == StorageBackend::postgresql) {
    auto options = gateway_pg_spool_options(config, signer->public_key().kid);
    options.audit = std::move(audit);
    options.env = wiring.env;
    return spool::open_pg_spool(options);
  }
  spool::SqliteSpoolOptions options = config.storage;
  options.audit = std::move(audit);
  options.env = wiring.env;
  return spool::open_sqlite_spool(options);
}

Status check_gateway_spool(const GatewayConfig& config, const std::string& gateway_kid) {
  if (config.storage_backend == StorageBackend::postgresql) {
    return spool::check_pg_spool(gateway_pg_spool_options(config, gateway_kid));
  }
  return spool::check_sqlite_spool(config.storage);
}

Result<bool> first_start_of_storage(const GatewayConfig& config) {
  if (config.storage_backend == StorageBackend::postgresql) {
    auto state = spool::inspect_pg_spool(gateway_pg_spool_options(config, {}));
    if (!state.ok()) return state.error();
    return state->fresh;
  }
  std::error_code ec;
  return !std::filesystem::exists(config.storage.path, ec) &&
         !std::filesystem::exists(spool::spool_manifest_path(config.storage.path), ec);
}

std::string audit_location(const GatewayConfig& config) {
  return config.storage_backend == StorageBackend::postgresql ? config.postgresql.uri
                                                              : config.storage.path;
}

std::string storage_location_for_log(const GatewayConfig& config) {
  return config.storage_backend == StorageBackend::postgresql
             ? spool::redact_conninfo(config.postgresql.uri)
             : config.storage.path;
}

}  // namespace accord::app
