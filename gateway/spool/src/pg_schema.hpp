// The PostgreSQL spool's schema (docs/storage.md "PostgreSQL schema"), shared by the spool
// (pg_spool.cpp), the audit reader and `accord spool migrate`. The tables mirror the SQLite
// schema (schema.cpp) column for column, so a migrated row means what it meant, plus
// audit_head: the one row whose lock orders audit appends across gateways.
#pragma once

#include <cstdint>

#include "accord/core/result.hpp"
#include "pg_handle.hpp"

namespace accord::spool::detail {

inline constexpr std::int64_t kPgSchemaVersion = 3;

// Creates what is missing (idempotent; several gateways may start at once: the creation runs
// under a transaction-scoped advisory lock) and checks the version in accord_meta.
// Errors: schema_mismatch (a newer version), storage_unavailable.
Status ensure_pg_schema(PgConnection& db);

// accord_meta keys.
inline constexpr const char* kMetaSchemaVersion = "schema_version";
inline constexpr const char* kMetaGatewayKid = "gateway_kid";

}  // namespace accord::spool::detail
