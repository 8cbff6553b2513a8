// GET /v1/admin/audit/agreements/{id}@{version} through the real AdminHandler over a real spool
// file whose agreement.* records were written by the real spool (Spool::record), as the gateway
// writes them at start and reload. Tampering is done with SQL on the closed database.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/api/admin_handler.hpp"
#include "accord/governance/signing.hpp"
#include "archive_log_fixture.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
using spool::testing::AuditLog;
using spool::testing::kOtherText;
using spool::testing::kT0;
using spool::testing::kText;
namespace http = server::http;

class AuditAgreementRouteTest : public ::testing::Test {
 protected:
  // The log of archive_log_fixture.hpp.
  void SetUp() override { spool::testing::write_archive_log(log_); }

  struct Recorded {
    std::vector<audit::Event> events;
  };

  AdminHooks hooks() {
    AdminHooks h;
    h.audit_db_path = log_.path();
    h.record_audit = [into = recorded_](std::vector<audit::Event> events,
                                        std::function<void(Status)> done) {
      for (auto& e : events) into->events.push_back(std::move(e));
      done(Status::Ok());
    };
    h.now_ms = [] { return kT0 + 50'000; };
    return h;
  }

  server::HttpResponse call(server::PeerRole role, const std::string& target,
                            http::verb method = http::verb::get) {
    AdminHandler handler(hooks(), metrics_);
    server::Request request;
    request.http = server::HttpRequest{method, target, 11};
    if (method == http::verb::post) request.http.set(http::field::content_type, "application/json");
    request.peer.role = role;
    request.peer.id = "tester";
    request.peer.subject = "CN=tester,O=Accord Test";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << target;
    return answer ? *answer : server::HttpResponse{};
  }

  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(log_.path().c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    EXPECT_EQ(sqlite3_changes(db), 1) << statement;
    sqlite3_close(db);
  }

  static std::string detail(const audit::Event& e, const std::string& key) {
    for (const auto& [k, v] : e.details) {
      if (k == key) return v;
    }
    return "<absent>";
  }

  AuditLog log_;
  std::shared_ptr<Recorded> recorded_ = std::make_shared<Recorded>();
  server::Metrics metrics_;
};

constexpr const char* kV2 = "/v1/admin/audit/agreements/met-lvws-referral@2";

TEST_F(AuditAgreementRouteTest, TheArchivedTextAndItsHistory) {
  const auto r = call(server::PeerRole::auditor, kV2);
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(r[http::field::content_type], "application/json");
  const auto doc = json::parse(r.body());
  EXPECT_EQ(doc["agreement"], "met-lvws-referral");
  EXPECT_EQ(doc["version"], 2);
  EXPECT_EQ(doc["text"].get<std::string>(), kText);  // byte for byte, quotes and UTF-8 included
  EXPECT_EQ(doc["content_hash"], governance::content_hash(kText));
  EXPECT_EQ(doc["file"], "met-lvws-referral.yaml");
  EXPECT_EQ(doc["verified"], true);
  std::vector<std::int64_t> seqs;
  std::vector<std::string> kinds;
  for (const auto& h : doc["history"]) {
    seqs.push_back(h["seq"].get<std::int64_t>());
    kinds.push_back(h["kind"].get<std::string>());
  }
  // The decision (seq 5) names the version but is not lifecycle; @3's record is another version.
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 3, 4, 6}));
  EXPECT_EQ(kinds, (std::vector<std::string>{"agreement.proposed", "agreement.signed",
                                             "agreement.activated", "agreement.suspended"}));
  EXPECT_FALSE(doc["history"][0]["details"].contains("text"));
  EXPECT_EQ(doc["history"][0]["at"], "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(doc["history"][3]["reason"], "breach reported");
  EXPECT_EQ(doc["history"][1]["details"]["agency"], "police.met");

  // '@' percent-encoded reads the same.
  const auto encoded =
      call(server::PeerRole::auditor, "/v1/admin/audit/agreements/met-lvws-referral%402");
  ASSERT_EQ(encoded.result_int(), 200u) << encoded.body();
  EXPECT_EQ(encoded.body(), r.body());

  const auto v3 = call(server::PeerRole::auditor, "/v1/admin/audit/agreements/met-lvws-referral@3");
  ASSERT_EQ(v3.result_int(), 200u);
  EXPECT_EQ(json::parse(v3.body())["text"], kOtherText);
}

TEST_F(AuditAgreementRouteTest, EachReadIsAnAuditReadRecord) {
  ASSERT_EQ(call(server::PeerRole::auditor, kV2).result_int(), 200u);
  ASSERT_EQ(recorded_->events.size(), 1u);
  const auto& e = recorded_->events[0];
  EXPECT_EQ(e.kind, "audit.read");
  EXPECT_EQ(e.at_ms, kT0 + 50'000);
  EXPECT_EQ(detail(e, "actor"), "tester");
  EXPECT_EQ(detail(e, "actor_role"), "auditor");
  EXPECT_EQ(detail(e, "endpoint"), "agreement");
  EXPECT_EQ(detail(e, "filter"), R"({"agreement":"met-lvws-referral@2","kind":"agreement."})");
  EXPECT_EQ(detail(e, "returned"), "4");
  EXPECT_EQ(detail(e, "first_seq"), "1");
  EXPECT_EQ(detail(e, "last_seq"), "6");
}

TEST_F(AuditAgreementRouteTest, OnlyAuditorsAndOnlyGet) {
  for (const auto role : {server::PeerRole::agency, server::PeerRole::admin}) {
    const auto r = call(role, kV2);
    EXPECT_EQ(r.result_int(), 403u);
    EXPECT_EQ(json::parse(r.body())["error"]["code"], "forbidden");
  }
  const auto post = call(server::PeerRole::auditor, kV2, http::verb::post);
  EXPECT_EQ(post.result_int(), 405u);
  EXPECT_EQ(post[http::field::allow], "GET");
  EXPECT_TRUE(recorded_->events.empty());
}

TEST_F(AuditAgreementRouteTest, UnknownVersionIs404AndNotRecorded) {
  for (const std::string ref :
       {"met-lvws-referral@1", "met-lvws-referral@20", "met-lvws@2", "other@2"}) {
    const auto r = call(server::PeerRole::auditor, "/v1/admin/audit/agreements/" + ref);
    EXPECT_EQ(r.result_int(), 404u) << ref << ": " << r.body();
    const auto error = json::parse(r.body())["error"];
    EXPECT_EQ(error["code"], "unknown_version") << r.body();
    EXPECT_NE(error["message"].get<std::string>().find(ref), std::string::npos);
  }
  EXPECT_TRUE(recorded_->events.empty());
}

TEST_F(AuditAgreementRouteTest, AMalformedVersionIs400) {
  struct Row {
    std::string tail;  // after /v1/admin/audit/agreements/
    unsigned status;
    std::string code;
    std::string path;
  };
  const std::vector<Row> rows = {
      {"met-lvws-referral", 400, "invalid_query", "agreement"},
      {"met-lvws-referral@0", 400, "invalid_query", "agreement"},
      {"met-lvws-referral@02", 400, "invalid_query", "agreement"},
      {"Met@2", 400, "invalid_query", "agreement"},
      {"met@2x", 400, "invalid_query", "agreement"},
      {"met%zz@2", 400, "invalid_query", "agreement"},
      {"met-lvws-referral@2?kind=x", 400, "invalid_query", "target"},
      {"", 404, "not_found", "target"},
      {"met-lvws-referral@2/history", 404, "not_found", "target"},
  };
  for (const auto& row : rows) {
    const auto r = call(server::PeerRole::auditor, "/v1/admin/audit/agreements/" + row.tail);
    EXPECT_EQ(r.result_int(), row.status) << row.tail << ": " << r.body();
    const auto error = json::parse(r.body())["error"];
    EXPECT_EQ(error["code"], row.code) << row.tail;
    EXPECT_EQ(error["path"], row.path) << row.tail;
  }
  EXPECT_TRUE(recorded_->events.empty());
}

TEST_F(AuditAgreementRouteTest, AChangedTextIsAnsweredUnverified) {
  // An administrator with write access edits the archived text (the chain then fails
  // `accord audit verify`); the route still answers, and says the text does not verify.
  sql("UPDATE audit_records SET record = replace(record, 'provider.lvws\\n', 'provider.x\\n') "
      "WHERE seq = 1");
  const auto r = call(server::PeerRole::auditor, kV2);
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  const auto doc = json::parse(r.body());
  EXPECT_EQ(doc["verified"], false);
  EXPECT_NE(doc["text"].get<std::string>().find("provider.x"), std::string::npos);
  EXPECT_EQ(doc["content_hash"], governance::content_hash(kText));
}

TEST_F(AuditAgreementRouteTest, AForgedIndexColumnIsReported) {
  // The signed record's agreement column moved to another version: still found by what the
  // record says, and reported; and the version the column now names gains nothing.
  sql("UPDATE audit_records SET agreement = 'met-lvws-referral@3' WHERE seq = 3");
  const auto r = call(server::PeerRole::auditor, kV2);
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(json::parse(r.body())["history"].size(), 4u);
  EXPECT_EQ(r["Accord-Index-Mismatch"], "3:agreement");
  const auto v3 = call(server::PeerRole::auditor, "/v1/admin/audit/agreements/met-lvws-referral@3");
  ASSERT_EQ(v3.result_int(), 200u);
  EXPECT_EQ(json::parse(v3.body())["history"].size(), 1u);
  EXPECT_EQ(v3["Accord-Index-Mismatch"], "3:agreement");
}

TEST_F(AuditAgreementRouteTest, AMalformedArchiveRecordIs500Corrupt) {
  sql("UPDATE audit_records SET record = replace(record, '\"text\":', '\"txet\":') WHERE seq = 1");
  const auto r = call(server::PeerRole::auditor, kV2);
  EXPECT_EQ(r.result_int(), 500u) << r.body();
  const auto error = json::parse(r.body())["error"];
  EXPECT_EQ(error["code"], "corrupt");
  EXPECT_NE(error["message"].get<std::string>().find("audit record 1"), std::string::npos);
  EXPECT_TRUE(recorded_->events.empty());
}

TEST_F(AuditAgreementRouteTest, NoAuditLogIs503) {
  AdminHooks h;
  AdminHandler handler(h, metrics_);
  server::Request request;
  request.http = server::HttpRequest{http::verb::get, kV2, 11};
  request.peer.role = server::PeerRole::auditor;
  std::optional<server::HttpResponse> answer;
  handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->result_int(), 503u);
  EXPECT_EQ(json::parse(answer->body())["error"]["code"], "audit_unavailable");
}

}  // namespace
}  // namespace accord::api
