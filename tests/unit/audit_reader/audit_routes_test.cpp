// The /v1/admin/audit/* routes through the real AdminHandler over a real spool file (the
// fixture's log); TLS and the listener are covered by tests/integration/audit_cli_test.cpp.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "accord/api/admin_handler.hpp"
#include "accord/audit/verifier.hpp"
#include "audit_log_fixture.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
using spool::testing::AuditLog;
namespace http = server::http;

class AuditRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log_ = new AuditLog();
    log_->build();
  }
  static void TearDownTestSuite() {
    delete log_;
    log_ = nullptr;
  }

  AdminHooks hooks() {
    AdminHooks h;
    h.audit_db_path = log_->path();
    h.audit_checkpoint = [this](std::function<void(Status)> done) {
      ++checkpoints_forced_;
      auto spool = log_->open();
      spool->checkpoint(spool::testing::kT0 + 9'000, std::move(done));
      spool->shutdown();
    };
    return h;
  }

  server::HttpResponse call(server::PeerRole role, http::verb method, const std::string& target,
                            std::optional<AdminHooks> with = std::nullopt) {
    AdminHandler handler(with ? *with : hooks(), metrics_);
    server::Request request;
    request.http = server::HttpRequest{method, target, 11};
    // Admin POSTs are JSON (415 otherwise): as the accord CLI sends them.
    if (method == http::verb::post) request.http.set(http::field::content_type, "application/json");
    request.peer.role = role;
    request.peer.id = "tester";
    request.peer.subject = "CN=tester,O=Accord Test";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << target;
    return answer ? *answer : server::HttpResponse{};
  }

  static std::string header(const server::HttpResponse& r, const char* name) {
    auto it = r.find(name);
    return it == r.end() ? std::string() : std::string(it->value());
  }

  static std::vector<std::int64_t> seqs(const std::string& ndjson) {
    std::vector<std::int64_t> out;
    std::istringstream in(ndjson);
    std::string line;
    while (std::getline(in, line)) out.push_back(json::parse(line)["seq"].get<std::int64_t>());
    return out;
  }

  static AuditLog* log_;
  server::Metrics metrics_;
  int checkpoints_forced_ = 0;
};
AuditLog* AuditRoutesTest::log_ = nullptr;

TEST_F(AuditRoutesTest, OnlyAuditorsReachTheLog) {
  for (const auto role : {server::PeerRole::agency, server::PeerRole::admin}) {
    for (const auto& [method, target] : std::vector<std::pair<http::verb, std::string>>{
             {http::verb::get, "/v1/admin/audit/records"},
             {http::verb::get, "/v1/admin/audit/extract"},
             {http::verb::get, "/v1/admin/audit/head"},
             {http::verb::get, "/v1/admin/audit/checkpoints"},
             {http::verb::post, "/v1/admin/audit/checkpoint"}}) {
      const auto r = call(role, method, target);
      EXPECT_EQ(r.result_int(), 403u) << target;
      EXPECT_EQ(json::parse(r.body())["error"]["code"], "forbidden");
    }
  }
  EXPECT_EQ(checkpoints_forced_, 0);
  EXPECT_EQ(call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/head").result_int(),
            200u);
}

TEST_F(AuditRoutesTest, RecordsFilterAndPage) {
  const auto auditor = server::PeerRole::auditor;
  const std::string c1 = "case_urn=urn%3Aaccord%3Acase%3Apolice%3A1";
  auto r = call(auditor, http::verb::get, "/v1/admin/audit/records?" + c1);
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(header(r, "Content-Type"), "application/x-ndjson");
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{1, 2, 8, 9, 10, 11}));
  EXPECT_EQ(header(r, "Accord-Next-After-Seq"), "");

  r = call(auditor, http::verb::get, "/v1/admin/audit/records?" + c1 + "&limit=4");
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{1, 2, 8, 9}));
  EXPECT_EQ(header(r, "Accord-Next-After-Seq"), "9");
  r = call(auditor, http::verb::get, "/v1/admin/audit/records?" + c1 + "&limit=4&after_seq=9");
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{10, 11}));
  EXPECT_EQ(header(r, "Accord-Next-After-Seq"), "");

  r = call(auditor, http::verb::get,
           "/v1/admin/audit/records?from=2026-01-01T00:00:04Z&to=2026-01-01T00:00:07Z");
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{8, 9, 10}));
  // Milliseconds and offsets (issue 11): records 4, 5, 6 are at +2.500 s and +2.600 s.
  r = call(auditor, http::verb::get,
           "/v1/admin/audit/records?from=2026-01-01T00:00:02.550Z&to=2026-01-01T00:00:02.601Z");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{5, 6}));
  r = call(
      auditor, http::verb::get,
      "/v1/admin/audit/records?from=2026-01-01T01:00:02.5%2B01:00&to=2026-01-01T00:00:02.501Z");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{4}));
  r = call(auditor, http::verb::get, "/v1/admin/audit/records?kind=delivery.&agency=cps");
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{9, 10}));
  r = call(auditor, http::verb::get, "/v1/admin/audit/records?decision=refused");
  EXPECT_EQ(seqs(r.body()), (std::vector<std::int64_t>{2, 11}));
}

TEST_F(AuditRoutesTest, BadParametersAre400WithThePath) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"decision=maybe", "decision"},
      {"from=yesterday", "from"},
      {"limit=0", "limit"},
      {"after_seq=-1", "after_seq"},
      {"case=x", "case"},
      {"case_urn=a&case_urn=b", "case_urn"},
      {"case_urn=%zz", "case_urn"},
      {"case_urn=%4", "case_urn"},
      {"from=2026-02-01&to=2026-01-01", "to"},
  };
  for (const auto& [query, path] : rows) {
    const auto r =
        call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/records?" + query);
    EXPECT_EQ(r.result_int(), 400u) << query;
    const auto body = json::parse(r.body());
    EXPECT_EQ(body["error"]["code"], "invalid_query") << query;
    EXPECT_EQ(body["error"]["path"], path) << query;
  }
  // Filters belong to records and extract only.
  EXPECT_EQ(
      call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/checkpoints?case_urn=x")
          .result_int(),
      400u);
  EXPECT_EQ(
      call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/head?x=1").result_int(),
      400u);
  EXPECT_EQ(call(server::PeerRole::auditor, http::verb::post, "/v1/admin/audit/head").result_int(),
            405u);
  EXPECT_EQ(
      call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/checkpoint").result_int(),
      405u);
  EXPECT_EQ(call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/other").result_int(),
            404u);
  AdminHooks none;
  EXPECT_EQ(
      call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/head", none).result_int(),
      503u);
}

TEST_F(AuditRoutesTest, ExtractPagesVerifyAsOneExport) {
  std::string text;
  std::string after = "0";
  int pages = 0;
  std::string complete;
  while (!after.empty()) {
    const auto r = call(server::PeerRole::auditor, http::verb::get,
                        "/v1/admin/audit/extract?subject_ref=S-2&limit=3&after_seq=" + after);
    ASSERT_EQ(r.result_int(), 200u) << r.body();
    EXPECT_EQ(r.body().find("\"format\"") != std::string::npos, after == "0") << r.body();
    text += r.body();
    after = header(r, "Accord-Next-After-Seq");
    complete = header(r, "Accord-Extract-Complete");
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(pages, 2);  // seqs 3..7 (checkpoint 7 covers record 3) in pages of 3
  EXPECT_EQ(complete, "true");
  std::istringstream in(text);
  audit::VerifyOptions options;
  options.require_sealed = true;
  const auto report = audit::verify_export(in, log_->key(), options);
  ASSERT_TRUE(report.ok()) << report.failure->message;
  EXPECT_EQ(report.records, 1);
  EXPECT_EQ(report.stubs, 4);
  EXPECT_EQ(report.sealed_seq, 7);
}

TEST_F(AuditRoutesTest, HeadCheckpointsAndAForcedCheckpoint) {
  const auto auditor = server::PeerRole::auditor;
  auto head = json::parse(call(auditor, http::verb::get, "/v1/admin/audit/head").body());
  EXPECT_EQ(head["last_seq"], 11);
  EXPECT_EQ(head["sealed_seq"], 10);
  EXPECT_EQ(head["unsealed"], 1);
  EXPECT_EQ(head["latest_checkpoint"]["seq"], 10);
  const auto list = call(auditor, http::verb::get, "/v1/admin/audit/checkpoints?limit=1");
  EXPECT_EQ(seqs(list.body()), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(header(list, "Accord-Next-After-Seq"), "7");

  const auto forced = call(auditor, http::verb::post, "/v1/admin/audit/checkpoint");
  ASSERT_EQ(forced.result_int(), 200u) << forced.body();
  EXPECT_EQ(checkpoints_forced_, 1);
  auto checkpoint = audit::parse_checkpoint(forced.body());
  ASSERT_TRUE(checkpoint.ok()) << forced.body();
  EXPECT_EQ(checkpoint->seq, 11);
  EXPECT_TRUE(audit::verify_checkpoint(*checkpoint, log_->key()).ok());
  head = json::parse(call(auditor, http::verb::get, "/v1/admin/audit/head").body());
  EXPECT_EQ(head["unsealed"], 0);
}

// DPA 2018 s.62 (issue 11): every audit read and every admin action over the API is itself an
// audit record naming the actor's certificate; a read whose record cannot be written is not
// answered with data.
struct Recorded {
  std::vector<audit::Event> events;
  bool fail = false;
};

AdminHooks recording(AdminHooks h, const std::shared_ptr<Recorded>& into) {
  h.record_audit = [into](std::vector<audit::Event> events, std::function<void(Status)> done) {
    if (into->fail) return done(make_error("storage_unavailable", "disk full"));
    for (auto& e : events) into->events.push_back(std::move(e));
    done(Status::Ok());
  };
  h.now_ms = [] { return spool::testing::kT0 + 50'000; };
  return h;
}

std::string detail(const audit::Event& e, const std::string& key) {
  for (const auto& [k, v] : e.details) {
    if (k == key) return v;
  }
  return "<absent>";
}

TEST_F(AuditRoutesTest, EveryAuditReadIsRecordedWithTheActor) {
  struct Row {
    http::verb method;
    std::string target;
    std::string kind;
    std::string what;  // details.endpoint or details.action
    std::string returned;
  };
  const std::vector<Row> rows = {
      {http::verb::get, "/v1/admin/audit/records?subject_ref=S-2", "audit.read", "records", "1"},
      {http::verb::get, "/v1/admin/audit/records?case_urn=nobody", "audit.read", "records", "0"},
      {http::verb::get, "/v1/admin/audit/extract?subject_ref=S-2", "audit.read", "extract", "1"},
      // How many checkpoints depends on the tests before (one forces a checkpoint).
      {http::verb::get, "/v1/admin/audit/checkpoints", "audit.read", "checkpoints", ""},
      {http::verb::get, "/v1/admin/audit/head", "audit.read", "head", "0"},
      {http::verb::post, "/v1/admin/audit/checkpoint", "admin.action", "audit.checkpoint",
       "<absent>"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.target);
    auto into = std::make_shared<Recorded>();
    const auto r =
        call(server::PeerRole::auditor, row.method, row.target, recording(hooks(), into));
    ASSERT_EQ(r.result_int(), 200u) << r.body();
    ASSERT_EQ(into->events.size(), 1u);
    const auto& e = into->events[0];
    EXPECT_EQ(e.kind, row.kind);
    EXPECT_EQ(e.at_ms, spool::testing::kT0 + 50'000);
    EXPECT_EQ(detail(e, "actor"), "tester");
    EXPECT_EQ(detail(e, "actor_role"), "auditor");
    EXPECT_EQ(detail(e, "actor_subject"), "CN=tester,O=Accord Test");
    EXPECT_EQ(detail(e, row.kind == "audit.read" ? "endpoint" : "action"), row.what);
    if (!row.returned.empty()) {
      EXPECT_EQ(detail(e, "returned"), row.returned);
    }
    if (row.what == "records" && row.returned == "1") {
      EXPECT_EQ(detail(e, "filter"), R"({"subject_ref":"S-2"})");
      EXPECT_EQ(detail(e, "first_seq"), "3");
    }
  }
  // Refused requests disclose nothing and are not reads.
  auto into = std::make_shared<Recorded>();
  EXPECT_EQ(call(server::PeerRole::admin, http::verb::get, "/v1/admin/audit/records",
                 recording(hooks(), into))
                .result_int(),
            403u);
  EXPECT_TRUE(into->events.empty());
}

TEST_F(AuditRoutesTest, AReadWhoseRecordCannotBeWrittenGetsNoData) {
  auto into = std::make_shared<Recorded>();
  into->fail = true;
  const auto r = call(server::PeerRole::auditor, http::verb::get, "/v1/admin/audit/records",
                      recording(hooks(), into));
  EXPECT_EQ(r.result_int(), 503u) << r.body();
  EXPECT_EQ(json::parse(r.body())["error"]["code"], "audit_unavailable");
  EXPECT_EQ(r.body().find("\"seq\""), std::string::npos) << r.body();
}

TEST_F(AuditRoutesTest, AdminActionsAreRecordedWithTheActorWhateverTheOutcome) {
  struct Row {
    std::string name;
    std::string target;
    std::string body;
    bool reload_ok;
    unsigned status;
    std::string action;
    std::string code;
  };
  const std::vector<Row> rows = {
      {"reload ok", "/v1/admin/agreements/reload", "", true, 200, "agreements.reload", ""},
      {"reload refused", "/v1/admin/agreements/reload", "", false, 422, "agreements.reload",
       "expired"},
      {"redrive", "/v1/admin/dlq/retry", R"({"recipient":"cps"})", true, 200, "dlq.redrive", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto into = std::make_shared<Recorded>();
    AdminHooks h = recording(hooks(), into);
    h.reload = [ok = row.reload_ok]() -> Result<ReloadReport> {
      if (!ok) return make_error("expired", "agreement x ended");
      return ReloadReport{"sha256:aa", "sha256:bb", 3};
    };
    h.list_dead_letters = [](std::string, std::size_t, auto done) {
      done(std::vector<spool::DeadLetter>{});
    };
    h.redrive = [](spool::RedriveRequest req, std::function<void(Result<std::int64_t>)> done) {
      EXPECT_EQ(req.actor, "ops1");
      done(std::int64_t{2});
    };
    AdminHandler handler(h, metrics_);
    server::Request request;
    request.http = server::HttpRequest{http::verb::post, row.target, 11};
    request.http.set(http::field::content_type, "application/json");
    request.http.body() = row.body;
    request.http.prepare_payload();
    request.peer.role = server::PeerRole::admin;
    request.peer.id = "ops1";
    request.peer.subject = "CN=ops1,O=Accord Test";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->result_int(), row.status) << answer->body();
    ASSERT_EQ(into->events.size(), 1u);
    const auto& e = into->events[0];
    EXPECT_EQ(e.kind, "admin.action");
    EXPECT_EQ(detail(e, "action"), row.action);
    EXPECT_EQ(detail(e, "actor"), "ops1");
    EXPECT_EQ(detail(e, "actor_role"), "admin");
    EXPECT_EQ(detail(e, "actor_subject"), "CN=ops1,O=Accord Test");
    EXPECT_EQ(e.code, row.code);
    if (row.action == "dlq.redrive") {
      EXPECT_EQ(detail(e, "recipient"), "cps");
      EXPECT_EQ(detail(e, "redriven"), "2");
    }
    if (row.name == "reload ok") {
      EXPECT_EQ(detail(e, "new_hash"), "sha256:bb");
    }
  }
}

// A changed index column is named in the answer (Accord-Index-Mismatch), and the record the
// column no longer names is still returned (issue 11).
TEST(AuditRoutesTamper, MismatchedRowsAreReturnedAndNamed) {
  AuditLog log;
  log.build();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(log.path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_records SET subject_ref = 'S-9' WHERE seq = 3", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  AdminHooks h;
  h.audit_db_path = log.path();
  server::Metrics metrics;
  AdminHandler handler(h, metrics);
  for (const std::string endpoint : {"records", "extract"}) {
    server::Request request;
    request.http = server::HttpRequest{http::verb::get,
                                       "/v1/admin/audit/" + endpoint + "?subject_ref=S-2", 11};
    request.peer.role = server::PeerRole::auditor;
    request.peer.id = "tester";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    ASSERT_TRUE(answer.has_value());
    ASSERT_EQ(answer->result_int(), 200u) << answer->body();
    EXPECT_NE(answer->body().find("\"seq\":3,"), std::string::npos) << endpoint << answer->body();
    auto it = answer->find("Accord-Index-Mismatch");
    ASSERT_NE(it, answer->end()) << endpoint;
    EXPECT_EQ(std::string(it->value()), "3:subject_ref") << endpoint;
  }
}
}  // namespace
}  // namespace accord::api
