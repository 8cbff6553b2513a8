// One statement on a libpq connection with a deadline: sent asynchronously, its result awaited
// with poll() on the connection's socket, cancelled (PQcancel) when the deadline passes.
// Why: a COMMIT waits for the synchronous standby, and a primary that vanished from the
// network never answers; the spool's writer must give up in bounded time and say so
// (storage_unavailable), never hang nor guess.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"
#include "pg_handle.hpp"

namespace accord::spool::detail {

using PgDeadline = std::chrono::steady_clock::time_point;

// How a failed call left the connection.
enum class PgFault {
  none,
  statement,   // the statement failed; the connection is usable after ROLLBACK
  retry,       // deadlock or serialization failure: the transaction may be run again
  connection,  // connection lost or the server is going away / read-only: reconnect
  timed_out,   // no answer by the deadline; cancelled; the outcome is unknown: reconnect
};

struct PgCallResult {
  Result<PgResult> result = PgResult();
  PgFault fault = PgFault::none;
};

// `sql` is SQL text with $1.. parameters, or with `prepared` the name of a statement prepared
// on this connection. Text results unless binary_result.
PgCallResult pg_call(PGconn* conn, std::string_view sql, const std::vector<PgParam>& params,
                     PgDeadline deadline, std::string_view what, bool prepared = false);

// Prepares `sql` as statement `name` on this connection (parameter types inferred).
PgCallResult pg_prepare(PGconn* conn, std::string_view name, std::string_view sql,
                        PgDeadline deadline, std::string_view what);

// The fault class of a server error (SQLSTATE) or of the connection's state.
PgFault pg_fault_of(PGconn* conn, std::string_view sqlstate);

}  // namespace accord::spool::detail
