// GET /v1/admin/audit/verification through the real AdminHandler over a real spool file (the
// fixture's log, signed by a real gateway key): the verdict on an intact log, on a log whose
// record was altered, and whose chain was rewritten after an alteration (only the signed
// checkpoint catches that); with the wrong key; auditors only; recorded as audit.read.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "accord/api/admin_handler.hpp"
#include "audit_log_fixture.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
using spool::testing::AuditLog;
namespace http = server::http;

constexpr std::int64_t kNow = spool::testing::kT0 + 86'400'000;  // 2026-01-02T00:00:00Z

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << sql << ": " << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

class VerificationRouteTest : public ::testing::Test {
 protected:
  void SetUp() override { log_.build(); }

  AdminHooks hooks() {
    AdminHooks h;
    h.audit_db_path = log_.path();
    h.audit_key = log_.key();
    h.now_ms = [] { return kNow; };
    h.record_audit = [this](std::vector<audit::Event> events, std::function<void(Status)> done) {
      recorded_.insert(recorded_.end(), events.begin(), events.end());
      done(Status::Ok());
    };
    return h;
  }

  server::HttpResponse call(server::PeerRole role, const std::string& target,
                            std::optional<AdminHooks> with = std::nullopt) {
    server::Metrics metrics;
    AdminHandler handler(with ? *with : hooks(), metrics);
    server::Request request;
    request.http = server::HttpRequest{http::verb::get, target, 11};
    request.peer.role = role;
    request.peer.id = "auditor-1";
    request.peer.subject = "CN=auditor-1";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << target;
    return answer ? *answer : server::HttpResponse{};
  }

  json verify() {
    const auto answer = call(server::PeerRole::auditor, "/v1/admin/audit/verification");
    EXPECT_EQ(answer.result_int(), 200u) << answer.body();
    return json::parse(answer.body());
  }

  AuditLog log_;
  std::vector<audit::Event> recorded_;
};

TEST_F(VerificationRouteTest, AnIntactLogVerifiesWithItsUnsealedTail) {
  const json body = verify();
  EXPECT_EQ(body, json::parse(R"({"ok": true, "records": 11, "checkpoints": 2, "first_seq": 1,
      "last_seq": 11, "sealed_seq": 10, "unsealed_tail": 1, "index_mismatches": 0,
      "failure": null, "key_id": ")" +
                              log_.key().kid + R"(", "verified_at": "2026-01-02T00:00:00.000Z"})"))
      << body.dump();
  ASSERT_EQ(recorded_.size(), 1u);
  EXPECT_EQ(recorded_[0].kind, "audit.read");
  const auto detail = [&](const std::string& key) {
    for (const auto& [k, v] : recorded_[0].details) {
      if (k == key) return v;
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(detail("endpoint"), "verification");
  EXPECT_EQ(detail("actor"), "auditor-1");
  EXPECT_EQ(detail("returned"), "0");
  // No record is disclosed, so no range of disclosed records either.
  EXPECT_EQ(detail("first_seq"), "<absent>");
  EXPECT_EQ(detail("last_seq"), "<absent>");
}

TEST_F(VerificationRouteTest, AnAlteredRecordFailsAtItsSeq) {
  exec(log_.path(),
       "UPDATE audit_records SET record = replace(record, 'police-wcu@1', 'police-wcu@9') "
       "WHERE seq = 3");
  const json body = verify();
  EXPECT_EQ(body["ok"], false);
  ASSERT_TRUE(body["failure"].is_object()) << body.dump();
  EXPECT_EQ(body["failure"]["code"], "chain_mismatch");
  EXPECT_EQ(body["failure"]["seq"], 3);
  EXPECT_FALSE(body["failure"]["message"].get<std::string>().empty());
}

TEST_F(VerificationRouteTest, ADeletedRecordIsASeqGap) {
  exec(log_.path(), "DELETE FROM audit_records WHERE seq = 5");
  const json body = verify();
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["failure"]["code"], "seq_gap");
  EXPECT_EQ(body["failure"]["seq"], 6);
}

TEST_F(VerificationRouteTest, AnotherGatewaysKeyDoesNotVerifyTheCheckpoints) {
  AuditLog other;  // a second, unrelated gateway key
  AdminHooks h = hooks();
  h.audit_key = other.key();
  const auto answer = call(server::PeerRole::auditor, "/v1/admin/audit/verification", h);
  ASSERT_EQ(answer.result_int(), 200u);
  const json body = json::parse(answer.body());
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["failure"]["code"], "wrong_gateway_key") << body.dump();
  EXPECT_EQ(body["failure"]["seq"], 7);
}

TEST_F(VerificationRouteTest, RefusalsDiscloseNothingAndAreNotRecorded) {
  struct Refused {
    server::PeerRole role;
    std::string target;
    unsigned status;
    std::string code;
  };
  for (const auto& row : std::vector<Refused>{
           {server::PeerRole::admin, "/v1/admin/audit/verification", 403, "forbidden"},
           {server::PeerRole::agency, "/v1/admin/audit/verification", 403, "forbidden"},
           {server::PeerRole::auditor, "/v1/admin/audit/verification?seq=1", 400, "invalid_query"},
       }) {
    const auto answer = call(row.role, row.target);
    EXPECT_EQ(answer.result_int(), row.status) << row.target;
    EXPECT_EQ(json::parse(answer.body())["error"]["code"], row.code) << row.target;
  }
  AdminHooks keyless = hooks();
  keyless.audit_key.reset();
  const auto answer = call(server::PeerRole::auditor, "/v1/admin/audit/verification", keyless);
  EXPECT_EQ(answer.result_int(), 503u);
  EXPECT_EQ(json::parse(answer.body())["error"]["code"], "audit_unavailable");
  EXPECT_TRUE(recorded_.empty());
}

}  // namespace
}  // namespace accord::api
