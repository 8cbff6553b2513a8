// inspect_pg_spool / check_pg_spool: reads only, in one READ ONLY transaction.
#include "accord/spool/pg_check.hpp"

#include <cstdlib>

#include "pg_handle.hpp"
#include "pg_schema.hpp"

namespace accord::spool {
namespace {

using detail::PgConnection;
using detail::PgParam;

Result<std::string> one_text(PgConnection& db, const char* sql, const std::vector<PgParam>& params,
                             const char* what) {
  auto r = db.exec_params(sql, params, what);
  if (!r.ok()) return r.error();
  return r->rows() == 0 ? std::string() : r->text(0, 0);
}

Result<PgSpoolState> read_state(PgConnection& db) {
  PgSpoolState state;
  auto recovery = one_text(db, "SELECT pg_is_in_recovery()::text", {}, "pg_is_in_recovery");
  if (!recovery.ok()) return recovery.error();
  state.in_recovery = recovery.value() == "true";
  auto commit =
      one_text(db, "SELECT current_setting('synchronous_commit')", {}, "synchronous_commit");
  if (!commit.ok()) return commit.error();
  state.synchronous_commit = commit.value();
  auto standbys = one_text(db, "SELECT current_setting('synchronous_standby_names')", {},
                           "synchronous_standby_names");
  if (!standbys.ok()) return standbys.error();
  state.synchronous_standby_names = standbys.value();
  auto meta = one_text(db, "SELECT (to_regclass('accord_meta') IS NOT NULL)::text", {},
                       "look for accord_meta");
  if (!meta.ok()) return meta.error();
  state.schema_present = meta.value() == "true";
  if (!state.schema_present) return state;
  const char* kMeta = "SELECT value FROM accord_meta WHERE key = $1";
  auto version =
      one_text(db, kMeta, {PgParam::text(detail::kMetaSchemaVersion)}, "read schema version");
  if (!version.ok()) return version.error();
  state.schema_version = std::strtoll(version->c_str(), nullptr, 10);
  auto kid = one_text(db, kMeta, {PgParam::text(detail::kMetaGatewayKid)}, "read gateway kid");
  if (!kid.ok()) return kid.error();
  state.gateway_kid = kid.value();
  // Tables of a newer schema may differ: only a version this build knows is looked into.
  if (state.schema_version > detail::kPgSchemaVersion) {
    state.fresh = false;
    return state;
  }
  auto used = one_text(db,
                       "SELECT (EXISTS(SELECT 1 FROM submissions) OR "
                       "EXISTS(SELECT 1 FROM audit_records))::text",
                       {}, "look for stored data");
  if (!used.ok()) return used.error();
  state.fresh = used.value() != "true" && state.gateway_kid.empty();
  return state;
}

}  // namespace

Result<PgSpoolState> inspect_pg_spool(const PgSpoolOptions& options) {
  auto db = PgConnection::open(options.uri, options.connect_timeout_s);
  if (!db.ok()) return db.error();
  if (auto s = db->exec("BEGIN READ ONLY", "begin read only"); !s.ok()) return s.error();
  auto state = read_state(db.value());
  (void)db->exec("ROLLBACK", "end read only");
  return state;
}

Status judge_pg_spool(const PgSpoolState& state, const PgSpoolOptions& options) {
  const std::string where = redact_conninfo(options.uri);
  if (state.in_recovery) {
    return make_error("storage_unavailable",
                      "the postgresql server reached through " + where +
                          " is a standby (in recovery): name the primary too and add "
                          "target_session_attrs=read-write to the URI");
  }
  if (state.schema_present && state.schema_version > detail::kPgSchemaVersion) {
    return make_error("schema_mismatch", "postgresql spool schema version " +
                                             std::to_string(state.schema_version) +
                                             " is newer than this build's " +
                                             std::to_string(detail::kPgSchemaVersion));
  }
  const bool synchronous =
      state.synchronous_commit == "on" || state.synchronous_commit == "remote_apply";
  if (!options.allow_async && (!synchronous || state.synchronous_standby_names.find_first_not_of(
                                                   " \t") == std::string::npos)) {
    return make_error("not_durable",
                      "the postgresql server (" + where +
                          ") would acknowledge a commit held on one machine "
                          "only: it runs with synchronous_commit = '" +
                          state.synchronous_commit + "' and synchronous_standby_names = '" +
                          state.synchronous_standby_names +
                          "'; set synchronous_commit = on and name the synchronous standby "
                          "(docs/operations.md, \"High availability\")");
  }
  if (!options.gateway_kid.empty() && !state.gateway_kid.empty() &&
      options.gateway_kid != state.gateway_kid) {
    return make_error("key_mismatch",
                      "this gateway signs with key " + options.gateway_kid +
                          " but the deployment's spool was opened with key " + state.gateway_kid +
                          ": every gateway of a deployment must use the same signing_key file");
  }
  return Status::Ok();
}

Status check_pg_spool(const PgSpoolOptions& options) {
  auto state = inspect_pg_spool(options);
  if (!state.ok()) return state.error();
  return judge_pg_spool(state.value(), options);
}

}  // namespace accord::spool
