// What a gateway needs to know about a PostgreSQL spool before it opens one, read without
// changing anything (accord-gateway --check, and whether a start is the deployment's first).
// Kept apart from pg_spool.hpp: the backend opens and writes, this only looks.
#pragma once

#include <cstdint>
#include <string>

#include "accord/core/result.hpp"
#include "accord/spool/pg_spool.hpp"

namespace accord::spool {

struct PgSpoolState {
  bool in_recovery = false;               // the server reached is a standby
  std::string synchronous_commit;         // SHOW synchronous_commit
  std::string synchronous_standby_names;  // SHOW synchronous_standby_names
  bool schema_present = false;            // accord_meta exists
  std::int64_t schema_version = 0;        // accord_meta schema_version; 0 when absent
  std::string gateway_kid;                // the deployment's key id in accord_meta; "" none
  // Nothing has run on it: no schema, or no submission, no audit record and no gateway key
  // recorded. Only then may a gateway make a new pseudonym secret (docs/configuration).
  bool fresh = true;
};

// Connects (options.uri, options.connect_timeout_s) and reads the state in one read-only
// transaction. Errors: storage_unavailable (cannot connect or read).
Result<PgSpoolState> inspect_pg_spool(const PgSpoolOptions& options);

// What open_pg_spool() would refuse, found without changing anything: storage_unavailable
// (unreachable, or the server reached is a standby), schema_mismatch (a newer schema),
// not_durable (synchronous_commit not on/remote_apply, or no synchronous_standby_names;
// unless options.allow_async), key_mismatch (options.gateway_kid is set and the deployment
// recorded another). A database without the schema is fine: the first open creates it.
Status check_pg_spool(const PgSpoolOptions& options);

// The verdicts of check_pg_spool() on a state already read (pure; unit-tested by rows).
Status judge_pg_spool(const PgSpoolState& state, const PgSpoolOptions& options);

}  // namespace accord::spool
