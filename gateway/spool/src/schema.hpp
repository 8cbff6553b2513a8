// The on-disk format of the embedded spool (docs/storage.md lists every column) and the
// checks made when a database file is opened.
#pragma once

#include <cstdint>

#include "accord/core/result.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool::detail {

// PRAGMA user_version of the schema this code writes. A file with a higher number was
// written by newer code and is refused (schema_mismatch) rather than misread.
inline constexpr std::int64_t kSchemaVersion = 6;

// Opens the file, refuses a newer schema, switches to WAL with the configured synchronous
// level, runs PRAGMA quick_check (corrupt) and creates the tables on first use.
Result<Connection> open_database(const SqliteSpoolOptions& options);

}  // namespace accord::spool::detail
