// GET /v1/admin/audit/agreements/{id}@{version} on a PostgreSQL spool: the archive fixture's
// real SQLite spool migrated (migrate_sqlite_to_pg) into a fresh database on a real server
// (testing::shared_pg_cluster(); fails, never skips, without one). The answers must be the
// same bytes as on the SQLite file, and a changed text must read as unverified on both.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/api/admin_handler.hpp"
#include "accord/spool/pg_migrate.hpp"
#include "accord/testing/pg_cluster.hpp"
#include "archive_log_fixture.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
using spool::testing::AuditLog;
namespace http = server::http;

std::string fresh_database() {
  static std::atomic<int> counter{0};
  auto cluster = accord::testing::shared_pg_cluster();
  if (!cluster.ok()) {
    ADD_FAILURE() << "PostgreSQL did not start: " << cluster.error().message;
    return {};
  }
  auto uri = (*cluster)->create_database("archive_pg_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(++counter));
  if (!uri.ok()) ADD_FAILURE() << uri.error().message;
  return uri.ok() ? *uri : std::string();
}

void pg_exec(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r);
  EXPECT_STREQ(PQcmdTuples(r), "1") << sql;
  PQclear(r);
  PQfinish(conn);
}

server::HttpResponse get(const std::string& location, const std::string& target) {
  server::Metrics metrics;
  AdminHooks hooks;
  hooks.audit_db_path = location;
  AdminHandler handler(hooks, metrics);
  server::Request request;
  request.http = server::HttpRequest{http::verb::get, target, 11};
  request.peer.role = server::PeerRole::auditor;
  request.peer.id = "tester";
  std::optional<server::HttpResponse> answer;
  handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
  EXPECT_TRUE(answer.has_value());
  return answer ? *answer : server::HttpResponse{};
}

TEST(AuditAgreementPg, TheSameArchiveOnBothBackends) {
  AuditLog log;
  spool::testing::write_archive_log(log);
  const std::string uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  spool::MigrateOptions o;
  o.from = log.path();
  o.to = uri;
  o.gateway_kid = log.key().kid;
  auto migrated = spool::migrate_sqlite_to_pg(o);
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;

  for (const std::string ref : {"met-lvws-referral@2", "met-lvws-referral@3"}) {
    const std::string target = "/v1/admin/audit/agreements/" + ref;
    const auto on_pg = get(uri, target);
    const auto on_sqlite = get(log.path(), target);
    ASSERT_EQ(on_pg.result_int(), 200u) << on_pg.body();
    EXPECT_EQ(on_pg.body(), on_sqlite.body()) << ref;
  }
  const auto v2 = json::parse(get(uri, "/v1/admin/audit/agreements/met-lvws-referral@2").body());
  EXPECT_EQ(v2["text"], spool::testing::kText);
  EXPECT_EQ(v2["verified"], true);
  EXPECT_EQ(v2["history"].size(), 4u);

  const auto unknown = get(uri, "/v1/admin/audit/agreements/met-lvws-referral@9");
  EXPECT_EQ(unknown.result_int(), 404u);
  EXPECT_EQ(json::parse(unknown.body())["error"]["code"], "unknown_version");

  // Someone with write access to the database edits the archived text.
  pg_exec(uri,
          "UPDATE audit_records SET record = replace(record, 'provider.lvws\\n', "
          "'provider.x\\n') WHERE seq = 1");
  const auto changed =
      json::parse(get(uri, "/v1/admin/audit/agreements/met-lvws-referral@2").body());
  EXPECT_EQ(changed["verified"], false);
  EXPECT_NE(changed["text"].get<std::string>().find("provider.x"), std::string::npos);
}

}  // namespace
}  // namespace accord::api
