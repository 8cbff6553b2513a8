#include "pg_handle.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <utility>

#include "accord/spool/pg_spool.hpp"

namespace accord::spool::detail {
namespace {

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// libpq prints server notices on stderr by default. NOTICEs (CREATE ... IF NOT EXISTS on
// every start) are noise for operators; WARNINGs (a cancelled synchronous-replication wait)
// are not: they go to the gateway's log.
void log_notice(void*, const char* message) {
  const std::string text = trimmed(message);
  if (text.starts_with("WARNING")) {
    spdlog::warn("postgresql: {}", text);
  } else {
    spdlog::debug("postgresql: {}", text);
  }
}

}  // namespace

std::string PgResult::text(int row, int column) const {
  if (!result_ || is_null(row, column)) return {};
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t PgResult::int64(int row, int column) const {
  if (!result_ || is_null(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

std::string PgResult::bytes(int row, int column) const {
  if (!result_ || is_null(row, column)) return {};
  const char* raw = PQgetvalue(result_.get(), row, column);
  const auto length = static_cast<std::size_t>(PQgetlength(result_.get(), row, column));
  if (PQfformat(result_.get(), column) == 1) return std::string(raw, length);
  std::size_t out_length = 0;
  unsigned char* decoded =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(raw), &out_length);
  if (decoded == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(decoded), out_length);
  PQfreemem(decoded);
  return out;
}

std::string PgResult::sqlstate() const {
  if (!result_) return {};
  const char* state = PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE);
  return state != nullptr ? state : "";
}

Result<PgConnection> PgConnection::open(const std::string& conninfo, int connect_timeout_s) {
  // connect_timeout from the caller unless the conninfo sets its own.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const std::string timeout = std::to_string(connect_timeout_s);
  const char* values[] = {timeout.c_str(), "accord", conninfo.c_str(), nullptr};
  PgConnection c;
  // expand_dbname = 1: "dbname" is a whole conninfo or URI. libpq processes the keys in
  // order, the last value of a key winning: dbname comes last so the URI's own settings
  // override these defaults.
  c.conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!c.conn_) return make_error("storage_unavailable", "postgresql: out of memory");
  if (PQstatus(c.conn_.get()) != CONNECTION_OK) {
    return make_error("storage_unavailable", "cannot connect to postgresql (" +
                                                 redact_conninfo(conninfo) +
                                                 "): " + trimmed(PQerrorMessage(c.conn_.get())));
  }
  PQsetNoticeProcessor(c.conn_.get(), log_notice, nullptr);
  return c;
}

Status PgConnection::exec(std::string_view sql, std::string_view what) {
  PgResult r(PQexec(conn_.get(), std::string(sql).c_str()));
  const auto status = r.get() != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::Ok();
  return pg_error(conn_.get(), r.get(), what.empty() ? sql.substr(0, 40) : what);
}

Result<PgResult> PgConnection::exec_params(std::string_view sql, const std::vector<PgParam>& params,
                                           std::string_view what, bool binary_result) {
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  // Text parameters must be NUL-terminated for libpq: keep owned copies alive here.
  std::vector<std::string> owned(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (p.null) {
      values[i] = nullptr;
      continue;
    }
    if (p.binary) {
      values[i] = p.value.data() != nullptr ? p.value.data() : "";
      lengths[i] = static_cast<int>(p.value.size());
      formats[i] = 1;
    } else {
      owned[i] = std::string(p.value);
      values[i] = owned[i].c_str();
    }
  }
  PgResult r(PQexecParams(conn_.get(), std::string(sql).c_str(), static_cast<int>(params.size()),
                          nullptr, values.data(), lengths.data(), formats.data(),
                          binary_result ? 1 : 0));
  const auto status = r.get() != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  return pg_error(conn_.get(), r.get(), what.empty() ? sql.substr(0, 40) : what);
}

Result<std::optional<std::int64_t>> PgConnection::query_int64(std::string_view sql,
                                                              const std::vector<PgParam>& params) {
  auto r = exec_params(sql, params);
  if (!r.ok()) return r.error();
  if (r->rows() == 0 || r->is_null(0, 0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(r->int64(0, 0));
}

Error pg_error(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string state;
  std::string message;
  if (result != nullptr) {
    if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) state = s;
    message = trimmed(PQresultErrorMessage(result));
  }
  if (message.empty() && conn != nullptr) message = trimmed(PQerrorMessage(conn));
  std::string text = std::string(what) + ": " + message;
  if (state == "XX001" || state == "XX002") return make_error("corrupt", std::move(text));
  if (state == "42P01" || state == "42703") return make_error("schema_mismatch", std::move(text));
  return make_error("storage_unavailable", std::move(text));
}

}  // namespace accord::spool::detail

namespace accord::spool {

bool is_postgresql_uri(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string redact_conninfo(std::string_view conninfo) {
  std::string out(conninfo);
  if (is_postgresql_uri(out)) {
    // postgresql://user:secret@host → postgresql://user:***@host
    const auto scheme_end = out.find("://") + 3;
    const auto at = out.find('@', scheme_end);
    const auto colon = out.find(':', scheme_end);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... in key/value form or as a URI query parameter.
  for (const std::string key : {"password="}) {
    std::size_t at = 0;
    while ((at = out.find(key, at)) != std::string::npos) {
      const auto start = at + key.size();
      auto end = out.find_first_of(" &", start);
      if (end == std::string::npos) end = out.size();
      out.replace(start, end - start, "***");
      at = start + 3;
    }
  }
  return out;
}

}  // namespace accord::spool
