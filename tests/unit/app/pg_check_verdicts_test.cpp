// What accord-gateway --check says about a PostgreSQL server's state
// (spool::judge_pg_spool): one row per state. The states themselves are read from real
// servers in tests/integration/pg_gateway_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "accord/spool/pg_check.hpp"

namespace accord::spool {
namespace {

struct VerdictRow {
  const char* name;
  std::function<void(PgSpoolState&, PgSpoolOptions&)> change;
  std::string code;     // "" = ok
  std::string message;  // part of the message
};

PgSpoolState durable_state() {
  PgSpoolState state;
  state.synchronous_commit = "on";
  state.synchronous_standby_names = "standby1";
  state.schema_present = true;
  state.schema_version = 1;
  state.gateway_kid = "gw-1";
  state.fresh = false;
  return state;
}

class PgCheckVerdicts : public ::testing::TestWithParam<VerdictRow> {};

TEST_P(PgCheckVerdicts, Row) {
  const VerdictRow& row = GetParam();
  PgSpoolState state = durable_state();
  PgSpoolOptions options;
  options.uri = "postgresql://accord:s3cret@db1,db2/accord?target_session_attrs=read-write";
  options.gateway_kid = "gw-1";
  row.change(state, options);
  const Status verdict = judge_pg_spool(state, options);
  if (row.code.empty()) {
    EXPECT_TRUE(verdict.ok()) << verdict.error().message;
    return;
  }
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code, row.code);
  EXPECT_NE(verdict.error().message.find(row.message), std::string::npos)
      << verdict.error().message;
  EXPECT_EQ(verdict.error().message.find("s3cret"), std::string::npos) << verdict.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    States, PgCheckVerdicts,
    ::testing::Values(
        VerdictRow{"durable", [](auto&, auto&) {}, "", ""},
        VerdictRow{"remote_apply_is_durable",
                   [](auto& s, auto&) { s.synchronous_commit = "remote_apply"; }, "", ""},
        VerdictRow{"no_schema_yet_is_fine",
                   [](auto& s, auto&) {
                     s.schema_present = false;
                     s.schema_version = 0;
                     s.gateway_kid.clear();
                     s.fresh = true;
                   },
                   "", ""},
        VerdictRow{"no_key_yet_is_not_compared", [](auto&, auto& o) { o.gateway_kid.clear(); }, "",
                   ""},
        VerdictRow{"no_standby_named", [](auto& s, auto&) { s.synchronous_standby_names.clear(); },
                   "not_durable", "synchronous_standby_names = ''"},
        VerdictRow{"local_commit", [](auto& s, auto&) { s.synchronous_commit = "local"; },
                   "not_durable", "synchronous_commit = 'local'"},
        VerdictRow{"remote_write_is_not_a_flush",
                   [](auto& s, auto&) { s.synchronous_commit = "remote_write"; }, "not_durable",
                   "held on one machine only"},
        VerdictRow{"async_allowed_for_benchmarks",
                   [](auto& s, auto& o) {
                     s.synchronous_commit = "off";
                     o.allow_async = true;
                   },
                   "", ""},
        VerdictRow{"another_key", [](auto& s, auto&) { s.gateway_kid = "gw-2"; }, "key_mismatch",
                   "every gateway of a deployment must use the same signing_key"},
        VerdictRow{"newer_schema", [](auto& s, auto&) { s.schema_version = 99; }, "schema_mismatch",
                   "version 99 is newer"},
        VerdictRow{"a_standby", [](auto& s, auto&) { s.in_recovery = true; }, "storage_unavailable",
                   "target_session_attrs=read-write"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::spool
