// The /v1/admin/audit/* routes through the real AdminHandler over a real spool file (the
// fixture's log); TLS and the listener are covered by tests/integration/audit_cli_test.cpp.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace accord::api
