// The admin listener's POST rules and documented maxima, through the real AdminHandler with
// hooks that count what reached them: a POST that is not application/json is 415, a body with
// a key given twice is 400 duplicate_key, and neither reaches a hook; a certificate that may
// not use the endpoint still gets 403 first. `limit` above the documented maximum is 400.
#include "accord/api/admin_handler.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace accord::api {
namespace {

using nlohmann::json;
namespace http = server::http;
using server::PeerRole;

constexpr const char* kJson = "application/json";
constexpr const char* kNone = "";  // no Content-Type header at all

struct Row {
  std::string name;
  PeerRole role;
  http::verb method;
  std::string target;
  std::string content_type;
  std::string body;
  unsigned status;
  std::string code;  // error.code when the answer is an error we pin; empty: not checked
  std::string path;  // error.path (when code is set)
  int hook_calls;    // reload + checkpoint + redrive + list calls the request made
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class AdminHandlerTest : public ::testing::TestWithParam<Row> {
 protected:
  AdminHooks hooks() {
    AdminHooks h;
    h.reload = [this]() -> Result<ReloadReport> {
      ++calls_;
      return ReloadReport{"sha256:a", "sha256:a", 1};
    };
    h.describe_agreements = [] { return std::string(R"({"agreements":[]})"); };
    // A file that cannot exist: the routes that get past their checks fail on it (5xx).
    h.audit_db_path = "/nonexistent-accord-test-dir/spool.db";
    h.audit_checkpoint = [this](std::function<void(Status)> done) {
      ++calls_;
      done(make_error("storage_unavailable", "test: no spool"));
    };
    h.list_dead_letters = [this](std::string, std::size_t,
                                 std::function<void(Result<std::vector<spool::DeadLetter>>)> done) {
      ++calls_;
      done(std::vector<spool::DeadLetter>{});
    };
    h.redrive = [this](spool::RedriveRequest, std::function<void(Result<std::int64_t>)> done) {
      ++calls_;
      done(std::int64_t{0});
    };
    h.retention_purge = [this](std::string actor,
                               std::function<void(Result<RetentionPurgeReport>)> done) {
      ++calls_;
      EXPECT_EQ(actor, "tester");
      RetentionPurgeReport report;
      report.purged = 3;
      report.purged_by_recipient = {{"wcu.met", 3}};
      report.batches = 1;
      report.extracts_deleted = 2;
      done(report);
    };
    h.validate_agreements = [this](const std::vector<agreements::SourceText>&,
                                   agreements::Instant) {
      ++calls_;
      return ProposedAgreements{};
    };
    return h;
  }

  server::HttpResponse call(const Row& row) {
    AdminHandler handler(hooks(), metrics_);
    server::Request request;
    request.http = server::HttpRequest{row.method, row.target, 11};
    if (!row.content_type.empty()) request.http.set(http::field::content_type, row.content_type);
    request.http.body() = row.body;
    request.http.prepare_payload();
    request.peer.role = row.role;
    request.peer.id = "tester";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << row.target;
    return answer ? *answer : server::HttpResponse{};
  }

  server::Metrics metrics_;
  int calls_ = 0;
};

// The purge's answer is the hook's report.
TEST(AdminHandlerPurge, AnswersTheReport) {
  AdminHooks h;
  h.retention_purge = [](std::string, std::function<void(Result<RetentionPurgeReport>)> done) {
    RetentionPurgeReport report;
    report.purged = 3;
    report.purged_by_recipient = {{"wcu.met", 2}, {"provider.lvws", 1}};
    report.batches = 2;
    report.extracts_deleted = 4;
    done(report);
  };
  std::vector<audit::Event> recorded;
  h.record_audit = [&](std::vector<audit::Event> events, std::function<void(Status)> done) {
    recorded.insert(recorded.end(), events.begin(), events.end());
    done(Status::Ok());
  };
  server::Metrics metrics;
  AdminHandler handler(h, metrics);
  server::Request request;
  request.http = server::HttpRequest{http::verb::post, "/v1/admin/retention/purge", 11};
  request.http.set(http::field::content_type, kJson);
  request.peer.role = PeerRole::admin;
  request.peer.id = "ops-1";
  std::optional<server::HttpResponse> answer;
  handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->result_int(), 200u);
  EXPECT_EQ(json::parse(answer->body()), json::parse(R"({"purged":3,"batches":2,
      "purged_by_recipient":{"provider.lvws":1,"wcu.met":2},"extracts_deleted":4})"));
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].kind, "admin.action");
  const auto has = [&](const std::string& key, const std::string& value) {
    for (const auto& [k, v] : recorded[0].details) {
      if (k == key) return v == value;
    }
    return false;
  };
  EXPECT_TRUE(has("actor", "ops-1"));
  EXPECT_TRUE(has("action", "retention.purge"));
  EXPECT_TRUE(has("purged", "3"));
  EXPECT_TRUE(has("extracts_deleted", "4"));
}

TEST_P(AdminHandlerTest, Answers) {
  const auto& row = GetParam();
  const auto r = call(row);
  EXPECT_EQ(r.result_int(), row.status) << r.body();
  if (!row.code.empty()) {
    const auto answer = json::parse(r.body(), nullptr, false);
    ASSERT_TRUE(answer.is_object()) << r.body();
    EXPECT_EQ(answer["error"]["code"], row.code) << r.body();
    EXPECT_EQ(answer["error"]["path"], row.path) << r.body();
  }
  EXPECT_EQ(calls_, row.hook_calls) << "hooks reached";
}

const std::string kReload = "/v1/admin/agreements/reload";
const std::string kRetry = "/v1/admin/dlq/retry";
const std::string kCheckpoint = "/v1/admin/audit/checkpoint";
const std::string kPurge = "/v1/admin/retention/purge";
constexpr auto kPost = http::verb::post;
constexpr auto kGet = http::verb::get;

INSTANTIATE_TEST_SUITE_P(
    AdminPosts, AdminHandlerTest,
    ::testing::Values(
        // reload: application/json, an empty body or {}
        Row{"reload_without_content_type", PeerRole::admin, kPost, kReload, kNone, "", 415,
            "unsupported_media_type", "content-type", 0},
        Row{"reload_as_text", PeerRole::admin, kPost, kReload, "text/plain", "", 415,
            "unsupported_media_type", "content-type", 0},
        Row{"reload_as_form", PeerRole::admin, kPost, kReload, "application/x-www-form-urlencoded",
            "a=1", 415, "unsupported_media_type", "content-type", 0},
        Row{"reload_empty_body", PeerRole::admin, kPost, kReload, kJson, "", 200, "", "", 1},
        Row{"reload_empty_object", PeerRole::admin, kPost, kReload,
            "application/json; charset=utf-8", "{}", 200, "", "", 1},
        Row{"reload_with_a_member", PeerRole::admin, kPost, kReload, kJson, R"({"force":true})",
            400, "invalid_request", "", 0},
        Row{"reload_duplicate_key", PeerRole::admin, kPost, kReload, kJson,
            R"({"force":1,"force":1})", 400, "duplicate_key", "force", 0},
        Row{"reload_not_json", PeerRole::admin, kPost, kReload, kJson, "{", 400, "invalid_json", "",
            0},
        Row{"reload_by_auditor_is_403_first", PeerRole::auditor, kPost, kReload, kNone, "", 403,
            "forbidden", "", 0},
        Row{"reload_by_agency_is_403_first", PeerRole::agency, kPost, kReload, kNone, "", 403,
            "forbidden", "", 0},
        Row{"reload_get_is_405", PeerRole::admin, kGet, kReload, kNone, "", 405,
            "method_not_allowed", "", 0},
        // dlq retry: application/json, no key twice
        Row{"retry_without_content_type", PeerRole::admin, kPost, kRetry, kNone, "{}", 415,
            "unsupported_media_type", "content-type", 0},
        Row{"retry_duplicate_recipient", PeerRole::admin, kPost, kRetry, kJson,
            R"({"recipient":"provider.lvws","recipient":"wcu.met"})", 400, "duplicate_key",
            "recipient", 0},
        Row{"retry_duplicate_delivery_id", PeerRole::admin, kPost, kRetry, kJson,
            R"({"delivery_id":1,"delivery_id":2})", 400, "duplicate_key", "delivery_id", 0},
        Row{"retry_not_json", PeerRole::admin, kPost, kRetry, kJson, "{nope", 400,
            "invalid_request", "", 0},
        Row{"retry_one_recipient", PeerRole::admin, kPost, kRetry, kJson,
            R"({"recipient":"provider.lvws"})", 200, "", "", 1},
        Row{"retry_by_auditor_is_403_first", PeerRole::auditor, kPost, kRetry, kNone, "{}", 403,
            "forbidden", "", 0},
        // audit checkpoint (auditor): application/json, an empty body or {}
        Row{"checkpoint_without_content_type", PeerRole::auditor, kPost, kCheckpoint, kNone, "",
            415, "unsupported_media_type", "content-type", 0},
        Row{"checkpoint_duplicate_key", PeerRole::auditor, kPost, kCheckpoint, kJson,
            R"({"a":1,"a":2})", 400, "duplicate_key", "a", 0},
        Row{"checkpoint_reaches_the_hook", PeerRole::auditor, kPost, kCheckpoint, kJson, "", 503,
            "storage_unavailable", "", 1},
        Row{"checkpoint_by_admin_is_403_first", PeerRole::admin, kPost, kCheckpoint, kNone, "", 403,
            "forbidden", "", 0},
        // retention purge (admin): application/json, an empty body or {}
        Row{"purge_reaches_the_hook", PeerRole::admin, kPost, kPurge, kJson, "{}", 200, "", "", 1},
        Row{"purge_without_content_type", PeerRole::admin, kPost, kPurge, kNone, "", 415,
            "unsupported_media_type", "content-type", 0},
        Row{"purge_with_a_member", PeerRole::admin, kPost, kPurge, kJson, R"({"now":1})", 400,
            "invalid_request", "", 0},
        Row{"purge_by_auditor_is_403_first", PeerRole::auditor, kPost, kPurge, kNone, "", 403,
            "forbidden", "", 0},
        Row{"purge_get_is_405", PeerRole::admin, kGet, kPurge, kNone, "", 405, "method_not_allowed",
            "", 0},
        // GET endpoints take no Content-Type rule
        Row{"agreements_get", PeerRole::admin, kGet, "/v1/admin/agreements", kNone, "", 200, "", "",
            0}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    DocumentedMaxima, AdminHandlerTest,
    ::testing::Values(
        Row{"records_limit_over_10000", PeerRole::auditor, kGet,
            "/v1/admin/audit/records?limit=10001", kNone, "", 400, "invalid_query", "limit", 0},
        Row{"extract_limit_over_10000", PeerRole::auditor, kGet,
            "/v1/admin/audit/extract?limit=20000", kNone, "", 400, "invalid_query", "limit", 0},
        Row{"checkpoints_limit_over_10000", PeerRole::auditor, kGet,
            "/v1/admin/audit/checkpoints?limit=10001", kNone, "", 400, "invalid_query", "limit", 0},
        Row{"records_limit_huge", PeerRole::auditor, kGet,
            "/v1/admin/audit/records?limit=999999999999", kNone, "", 400, "invalid_query", "limit",
            0},
        Row{"records_limit_zero", PeerRole::auditor, kGet, "/v1/admin/audit/records?limit=0", kNone,
            "", 400, "invalid_query", "limit", 0},
        // 10000 passes the query check and reaches the (absent) database: not a 400.
        Row{"records_limit_10000_is_allowed", PeerRole::auditor, kGet,
            "/v1/admin/audit/records?limit=10000", kNone, "", 503, "", "", 0},
        Row{"dlq_limit_over_1000", PeerRole::admin, kGet, "/v1/admin/dlq?limit=1001", kNone, "",
            400, "invalid_query", "limit", 0},
        Row{"dlq_limit_1000_is_allowed", PeerRole::admin, kGet, "/v1/admin/dlq?limit=1000", kNone,
            "", 200, "", "", 1}),
    [](const auto& info) { return info.param.name; });

// POST /v1/admin/agreements/dry-run (admin and auditor): its body rules come before the hook;
// a valid body reaches it and then the (absent) audit database.
const std::string kDryRun = "/v1/admin/agreements/dry-run";
INSTANTIATE_TEST_SUITE_P(
    DryRunPosts, AdminHandlerTest,
    ::testing::Values(
        Row{"dry_run_without_content_type", PeerRole::admin, kPost, kDryRun, kNone,
            R"({"agreements":[]})", 415, "unsupported_media_type", "content-type", 0},
        Row{"dry_run_duplicate_key", PeerRole::admin, kPost, kDryRun, kJson,
            R"({"agreements":[],"since":"1d","since":"2d"})", 400, "duplicate_key", "since", 0},
        Row{"dry_run_unknown_member", PeerRole::auditor, kPost, kDryRun, kJson,
            R"({"agreements":[],"until":"1d"})", 400, "invalid_request", "until", 0},
        Row{"dry_run_without_agreements", PeerRole::admin, kPost, kDryRun, kJson, "{}", 400,
            "invalid_request", "agreements", 0},
        Row{"dry_run_file_with_a_directory", PeerRole::admin, kPost, kDryRun, kJson,
            R"({"agreements":[{"file":"../x.yaml","text":""}]})", 400, "invalid_request",
            "agreements[0].file", 0},
        Row{"dry_run_file_twice", PeerRole::admin, kPost, kDryRun, kJson,
            R"({"agreements":[{"file":"a.yaml","text":""},{"file":"a.yaml","text":""}]})", 400,
            "invalid_request", "agreements[1]", 0},
        Row{"dry_run_bad_since", PeerRole::admin, kPost, kDryRun, kJson,
            R"({"agreements":[],"since":"0d"})", 400, "invalid_request", "since", 0},
        Row{"dry_run_bad_at", PeerRole::admin, kPost, kDryRun, kJson,
            R"({"agreements":[],"at":"soon"})", 400, "invalid_request", "at", 0},
        Row{"dry_run_reaches_the_hook", PeerRole::auditor, kPost, kDryRun, kJson,
            R"({"agreements":[],"since":"30d"})", 503, "storage_unavailable", "", 1},
        Row{"dry_run_by_agency_is_403", PeerRole::agency, kPost, kDryRun, kJson,
            R"({"agreements":[]})", 403, "forbidden", "", 0},
        Row{"dry_run_get_is_405", PeerRole::admin, kGet, kDryRun, kNone, "", 405,
            "method_not_allowed", "", 0}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::api
