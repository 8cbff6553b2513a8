// The one place the gateway turns storage.backend into a spool: open (Gateway::create),
// check without side effects (--check), and where the audit reader finds the log.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "accord/app/config.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/env/env.hpp"
#include "accord/spool/spool.hpp"

namespace accord::app {

// What the spool needs from the gateway: checkpoints signed with the key that signs every
// delivered copy (one published key verifies both), the checkpoint clock, the Env.
struct SpoolWiring {
  const crypto::GatewaySigner* signer = nullptr;
  std::function<std::int64_t()> now_ms;
  env::Env* env = nullptr;
};

// storage.postgresql plus what applies to both backends (storage.max_batch/max_pending,
// audit.*) and the gateway key id; no signer (check, inspect).
spool::PgSpoolOptions gateway_pg_spool_options(const GatewayConfig& config,
                                               const std::string& gateway_kid);

Result<std::unique_ptr<spool::Spool>> open_gateway_spool(const GatewayConfig& config,
                                                         const SpoolWiring& wiring);

// What opening would refuse, changing nothing. `gateway_kid` is "" when the signing key does
// not exist yet (then the key is not compared).
Status check_gateway_spool(const GatewayConfig& config, const std::string& gateway_kid);

// Whether this start may make a new pseudonym secret: sqlite, no database and no manifest;
// postgresql, nothing has run on the database (spool::PgSpoolState::fresh). Errors:
// storage_unavailable when PostgreSQL cannot be reached.
Result<bool> first_start_of_storage(const GatewayConfig& config);

// Where AuditReader::open finds the log: the SQLite file, or the PostgreSQL URI.
std::string audit_location(const GatewayConfig& config);

// For logs: the SQLite file, or the URI with any password masked.
std::string storage_location_for_log(const GatewayConfig& config);

// "sqlite" or "postgresql".
const char* backend_name(StorageBackend backend);

}  // namespace accord::app
