#include "pg_call.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>
#include <thread>

namespace accord::spool::detail {
namespace {

// Waits until libpq has a whole result to hand out (PQisBusy false) or the deadline passes.
// false: deadline passed or the connection failed (`lost` says which).
bool wait_ready(PGconn* conn, PgDeadline deadline, bool& lost) {
  lost = false;
  while (PQisBusy(conn) != 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{PQsocket(conn), POLLIN, 0};
    if (fd.fd < 0) {
      lost = true;
      return false;
    }
    const int ready =
        ::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1'000'000)));
    if (ready < 0 && errno != EINTR) {
      lost = true;
      return false;
    }
    if (ready > 0 && PQconsumeInput(conn) == 0) {
      lost = true;
      return false;
    }
  }
  return true;
}

// Asks the server to cancel the statement (a COMMIT waiting for the standby stops waiting and
// releases its locks; other gateways are waiting for them). On a thread of its own: PQcancel
// opens a new connection with no timeout, and a primary cut off by the network would hold
// the writer for minutes. The PGcancel copy needs nothing from the connection, which the
// caller drops at once.
void cancel(PGconn* conn) {
  PGcancel* c = PQgetCancel(conn);
  if (c == nullptr) return;
  std::thread([c] {
    std::array<char, 256> error{};
    (void)PQcancel(c, error.data(), static_cast<int>(error.size()));
    PQfreeCancel(c);
  }).detach();
}

// Collects the one statement's result: one result, then nullptr. Keeps the first result.
PgCallResult await_result(PGconn* conn, PgDeadline deadline, const std::string& label) {
  PgResult kept;
  for (;;) {
    bool lost = false;
    if (!wait_ready(conn, deadline, lost)) {
      if (lost) {
        return {make_error("storage_unavailable", label + ": connection to postgresql lost: " +
                                                      std::string(PQerrorMessage(conn))),
                PgFault::connection};
      }
      cancel(conn);
      return {make_error("storage_unavailable", label + ": no answer from postgresql in time"),
              PgFault::timed_out};
    }
    PGresult* raw = PQgetResult(conn);
    if (raw == nullptr) break;
    PgResult r(raw);
    if (kept.get() == nullptr) kept = std::move(r);
  }
  const auto status = kept.get() != nullptr ? PQresultStatus(kept.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return {std::move(kept), PgFault::none};
  }
  const std::string state = kept.sqlstate();
  return {pg_error(conn, kept.get(), label), pg_fault_of(conn, state)};
}

}  // namespace

PgFault pg_fault_of(PGconn* conn, std::string_view sqlstate) {
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return PgFault::connection;
  if (sqlstate == "40P01" || sqlstate == "40001") return PgFault::retry;
  // 08: connection exceptions; 57P01-3: the server is shutting down or starting; 25006: a
  // read-only server (the old primary came back as a standby).
  if (sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate == "25006") {
    return PgFault::connection;
  }
  return PgFault::statement;
}

PgCallResult pg_call(PGconn* conn, std::string_view sql, const std::vector<PgParam>& params,
                     PgDeadline deadline, std::string_view what, bool prepared) {
  const std::string label(what.empty() ? sql.substr(0, 40) : what);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return {make_error("storage_unavailable", label + ": not connected to postgresql"),
            PgFault::connection};
  }
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  // Text parameters must be NUL-terminated for libpq: owned copies live until the send.
  std::vector<std::string> owned(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (p.null) continue;
    if (p.binary) {
      values[i] = p.value.data() != nullptr ? p.value.data() : "";
      lengths[i] = static_cast<int>(p.value.size());
      formats[i] = 1;
    } else {
      owned[i] = std::string(p.value);
      values[i] = owned[i].c_str();
    }
  }
  const std::string text(sql);
  const int n = static_cast<int>(params.size());
  const int sent = prepared ? PQsendQueryPrepared(conn, text.c_str(), n, values.data(),
                                                  lengths.data(), formats.data(), 0)
                            : PQsendQueryParams(conn, text.c_str(), n, nullptr, values.data(),
                                                lengths.data(), formats.data(), 0);
  if (sent == 0) return {pg_error(conn, nullptr, label), pg_fault_of(conn, "")};
  return await_result(conn, deadline, label);
}

PgCallResult pg_prepare(PGconn* conn, std::string_view name, std::string_view sql,
                        PgDeadline deadline, std::string_view what) {
  const std::string label(what);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return {make_error("storage_unavailable", label + ": not connected to postgresql"),
            PgFault::connection};
  }
  const std::string n(name);
  const std::string text(sql);
  if (PQsendPrepare(conn, n.c_str(), text.c_str(), 0, nullptr) == 0) {
    return {pg_error(conn, nullptr, label), pg_fault_of(conn, "")};
  }
  return await_result(conn, deadline, label);
}

}  // namespace accord::spool::detail
