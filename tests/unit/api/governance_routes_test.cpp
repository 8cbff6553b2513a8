// The governance POSTs of the admin listener (docs/api.yaml): who may call them, the body rules
// every admin POST follows (415, 400, 413), the status of each refusal as the one error table
// says, and the admin.action each request leaves, refused or not. The gateway's side (verifying
// statements, writing files, reloading) is tests/integration/governance_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "accord/api/admin_handler.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
namespace http = server::http;
using server::PeerRole;

constexpr const char* kSignatures = "/v1/admin/agreements/signatures";
constexpr const char* kSuspensions = "/v1/admin/agreements/suspensions";
constexpr const char* kProposals = "/v1/admin/agreements/proposals";
const std::string kStatement = R"({"format":"accord-agreement-signature-1"})";
const std::string kProposal = R"({"file":"x.yaml","text":"id: x"})";

struct Row {
  std::string name;
  PeerRole role;
  http::verb method;
  std::string target;
  std::string content_type;
  std::string body;
  std::string hook_error;  // the code the gateway's hook refuses with; empty: accepted
  unsigned status;
  std::string code;    // error.code of the answer; empty for 200
  std::string action;  // details.action of the admin.action recorded; empty: none
  int hook_calls;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class GovernanceRoutesTest : public ::testing::TestWithParam<Row> {
 protected:
  server::HttpResponse call(const Row& row) {
    AdminHooks h;
    auto answer = [row]() -> Result<GovernanceAnswer> {
      if (!row.hook_error.empty()) return make_error(row.hook_error, "test refusal");
      return GovernanceAnswer{"met-lvws-referral@2", "awaiting_signatures", {"provider.lvws"}};
    };
    h.submit_statement = [this, answer](bool suspension, std::string_view body) {
      ++calls_;
      suspension_ = suspension;
      EXPECT_FALSE(body.empty());
      return answer();
    };
    h.propose_agreement = [this, answer](const std::string& file, const std::string& text) {
      ++calls_;
      EXPECT_EQ(file, "x.yaml");
      EXPECT_EQ(text, "id: x");
      return answer();
    };
    h.record_audit = [this](std::vector<audit::Event> events, std::function<void(Status)> done) {
      for (auto& e : events) recorded_.push_back(std::move(e));
      done(Status::Ok());
    };
    AdminHandler handler(std::move(h), metrics_);
    server::Request request;
    request.http = server::HttpRequest{row.method, row.target, 11};
    if (!row.content_type.empty()) request.http.set(http::field::content_type, row.content_type);
    request.http.body() = row.body;
    request.http.prepare_payload();
    request.peer.role = row.role;
    request.peer.id = "tester";
    std::optional<server::HttpResponse> response;
    handler.handle(std::move(request), [&](server::HttpResponse r) { response = std::move(r); });
    EXPECT_TRUE(response.has_value());
    return response ? *response : server::HttpResponse{};
  }

  server::Metrics metrics_;
  int calls_ = 0;
  std::optional<bool> suspension_;
  std::vector<audit::Event> recorded_;
};

TEST_P(GovernanceRoutesTest, Answers) {
  const Row& row = GetParam();
  const auto response = call(row);
  EXPECT_EQ(response.result_int(), row.status) << response.body();
  const json body = json::parse(response.body(), nullptr, false);
  if (row.code.empty()) {
    EXPECT_EQ(body["status"], "accepted");
    EXPECT_EQ(body["agreement"], "met-lvws-referral@2");
    EXPECT_EQ(body["governance"], "awaiting_signatures");
    EXPECT_EQ(body["missing"], json::array({"provider.lvws"}));
  } else {
    EXPECT_EQ(body["error"]["code"], row.code) << response.body();
  }
  EXPECT_EQ(calls_, row.hook_calls);
  if (row.target == kSuspensions && row.hook_calls > 0) {
    EXPECT_EQ(suspension_, true);
  }
  if (row.target == kSignatures && row.hook_calls > 0) {
    EXPECT_EQ(suspension_, false);
  }
  if (row.action.empty()) {
    EXPECT_TRUE(recorded_.empty());
    return;
  }
  ASSERT_EQ(recorded_.size(), 1u);
  const audit::Event& action = recorded_.front();
  EXPECT_EQ(action.kind, audit::kind::kAdminAction);
  EXPECT_EQ(action.code, row.code);
  bool named = false;
  for (const auto& [key, value] : action.details)
    named = named || (key == "action" && value == row.action);
  EXPECT_TRUE(named);
  if (row.code.empty()) {
    EXPECT_EQ(action.agreement, "met-lvws-referral@2");
  }
}

constexpr auto kPost = http::verb::post;
const std::string kBig(17 * 1024, ' ');

INSTANTIATE_TEST_SUITE_P(
    Rows, GovernanceRoutesTest,
    ::testing::Values(
        Row{"sign_accepted", PeerRole::admin, kPost, kSignatures, "application/json", kStatement,
            "", 200, "", "agreements.sign", 1},
        Row{"suspend_accepted", PeerRole::admin, kPost, kSuspensions, "application/json",
            kStatement, "", 200, "", "agreements.suspend", 1},
        Row{"propose_accepted", PeerRole::admin, kPost, kProposals, "application/json", kProposal,
            "", 200, "", "agreements.propose", 1},
        Row{"auditor_forbidden", PeerRole::auditor, kPost, kSignatures, "application/json",
            kStatement, "", 403, "forbidden", "", 0},
        Row{"get_not_allowed", PeerRole::admin, http::verb::get, kSuspensions, "", "", "", 405,
            "method_not_allowed", "", 0},
        Row{"not_json_media", PeerRole::admin, kPost, kSignatures, "text/plain", kStatement, "",
            415, "unsupported_media_type", "", 0},
        Row{"not_json", PeerRole::admin, kPost, kSignatures, "application/json", "{sig", "", 400,
            "invalid_json", "agreements.sign", 0},
        Row{"duplicate_key", PeerRole::admin, kPost, kSuspensions, "application/json",
            R"({"a":1,"a":2})", "", 400, "duplicate_key", "agreements.suspend", 0},
        Row{"statement_too_large", PeerRole::admin, kPost, kSignatures, "application/json",
            "{\"x\":\"" + kBig + "\"}", "", 413, "too_large", "agreements.sign", 0},
        Row{"proposal_member_missing", PeerRole::admin, kPost, kProposals, "application/json",
            R"({"file":"x.yaml"})", "", 400, "invalid_request", "agreements.propose", 0},
        Row{"proposal_member_unknown", PeerRole::admin, kPost, kProposals, "application/json",
            R"({"file":"x.yaml","text":"id: x","extra":1})", "", 400, "invalid_request",
            "agreements.propose", 0},
        // The gateway's refusals, with the table's statuses.
        Row{"unknown_agreement", PeerRole::admin, kPost, kSignatures, "application/json",
            kStatement, "unknown_agreement", 404, "unknown_agreement", "agreements.sign", 1},
        Row{"malformed_statement", PeerRole::admin, kPost, kSignatures, "application/json",
            kStatement, "malformed_statement", 422, "malformed_statement", "agreements.sign", 1},
        Row{"unknown_signer", PeerRole::admin, kPost, kSignatures, "application/json", kStatement,
            "unknown_signer", 422, "unknown_signer", "agreements.sign", 1},
        Row{"signer_not_of_agency", PeerRole::admin, kPost, kSuspensions, "application/json",
            kStatement, "signer_not_of_agency", 422, "signer_not_of_agency", "agreements.suspend",
            1},
        Row{"not_a_party", PeerRole::admin, kPost, kSignatures, "application/json", kStatement,
            "not_a_party", 422, "not_a_party", "agreements.sign", 1},
        Row{"other_version", PeerRole::admin, kPost, kSignatures, "application/json", kStatement,
            "other_version", 422, "other_version", "agreements.sign", 1},
        Row{"text_changed", PeerRole::admin, kPost, kSignatures, "application/json", kStatement,
            "text_changed", 422, "text_changed", "agreements.sign", 1},
        Row{"bad_signature", PeerRole::admin, kPost, kSuspensions, "application/json", kStatement,
            "bad_signature", 422, "bad_signature", "agreements.suspend", 1},
        Row{"signatures_read_only", PeerRole::admin, kPost, kSignatures, "application/json",
            kStatement, "signatures_read_only", 503, "signatures_read_only", "agreements.sign", 1},
        Row{"invalid_agreements", PeerRole::admin, kPost, kProposals, "application/json", kProposal,
            "invalid_agreements", 422, "invalid_agreements", "agreements.propose", 1},
        Row{"file_exists", PeerRole::admin, kPost, kProposals, "application/json", kProposal,
            "file_exists", 409, "file_exists", "agreements.propose", 1},
        Row{"agreements_read_only", PeerRole::admin, kPost, kProposals, "application/json",
            kProposal, "agreements_read_only", 503, "agreements_read_only", "agreements.propose",
            1}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::api
