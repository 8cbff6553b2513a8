// The console's read-only admin endpoints (gateway/api/src/console_api_routes.hpp) through the
// real AdminHandler with hooks that answer fixed data: who may call each, the JSON shapes the
// console reads, 405 for other methods, 400 with a path for a malformed query.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "accord/api/admin_handler.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
namespace http = server::http;
using server::PeerRole;

server::HttpResponse call(const AdminHooks& hooks, PeerRole role, http::verb method,
                          const std::string& target) {
  server::Metrics metrics;
  AdminHandler handler(hooks, metrics);
  server::Request request;
  request.http = server::HttpRequest{method, target, 11};
  request.http.prepare_payload();
  request.peer.role = role;
  request.peer.id = role == PeerRole::auditor ? "dpo" : "ops-1";
  request.peer.subject = "CN=" + request.peer.id + ",O=Accord Test";
  std::optional<server::HttpResponse> answer;
  handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
  EXPECT_TRUE(answer.has_value()) << target;
  return answer ? *answer : server::HttpResponse{};
}

json body_of(const server::HttpResponse& response) {
  return json::parse(response.body(), nullptr, false);
}

struct RoleRow {
  std::string name;
  PeerRole role;
  http::verb method;
  std::string target;
  unsigned status;
  std::string code;  // error.code when an error; empty: 200
  std::string path;  // error.path when an error
};

void PrintTo(const RoleRow& row, std::ostream* os) {
  *os << row.name;
}

class ConsoleApiRoles : public ::testing::TestWithParam<RoleRow> {};

TEST_P(ConsoleApiRoles, Answers) {
  const auto& row = GetParam();
  const auto r = call(AdminHooks{}, row.role, row.method, row.target);
  EXPECT_EQ(r.result_int(), row.status) << r.body();
  const auto body = body_of(r);
  ASSERT_TRUE(body.is_object()) << r.body();
  if (row.code.empty()) return;
  EXPECT_EQ(body["error"]["code"], row.code) << r.body();
  EXPECT_EQ(body["error"]["path"], row.path) << r.body();
  if (row.status == 405) {
    EXPECT_EQ(r[http::field::allow], "GET");
  }
}

constexpr auto kGet = http::verb::get;
constexpr auto kPost = http::verb::post;
constexpr auto kDelete = http::verb::delete_;

INSTANTIATE_TEST_SUITE_P(
    Whoami, ConsoleApiRoles,
    ::testing::Values(
        RoleRow{"admin", PeerRole::admin, kGet, "/v1/admin/whoami", 200, "", ""},
        RoleRow{"auditor", PeerRole::auditor, kGet, "/v1/admin/whoami", 200, "", ""},
        RoleRow{"with_a_query", PeerRole::auditor, kGet, "/v1/admin/whoami?x=1", 200, "", ""},
        RoleRow{"agency_is_403", PeerRole::agency, kGet, "/v1/admin/whoami", 403, "forbidden", ""},
        RoleRow{"post_is_405", PeerRole::admin, kPost, "/v1/admin/whoami", 405,
                "method_not_allowed", ""},
        RoleRow{"delete_is_405", PeerRole::auditor, kDelete, "/v1/admin/whoami", 405,
                "method_not_allowed", ""},
        RoleRow{"a_subpath_is_404", PeerRole::admin, kGet, "/v1/admin/whoami/x", 404, "not_found",
                "target"}),
    [](const auto& info) { return info.param.name; });

TEST(ConsoleApiWhoami, NamesTheCertificate) {
  for (const PeerRole role : {PeerRole::admin, PeerRole::auditor}) {
    const auto r = call(AdminHooks{}, role, kGet, "/v1/admin/whoami");
    ASSERT_EQ(r.result_int(), 200u);
    const std::string id = role == PeerRole::auditor ? "dpo" : "ops-1";
    EXPECT_EQ(body_of(r), (json{{"id", id},
                                {"role", role == PeerRole::auditor ? "auditor" : "admin"},
                                {"subject", "CN=" + id + ",O=Accord Test"}}));
    EXPECT_EQ(r[http::field::content_type], "application/json");
  }
}

// Two versions of one agreement: v1 shares the victim's name and dob with wcu.met; v2 masks
// the name, drops the dob and adds a route to provider.lvws.
agreements::Agreement agreement(int version) {
  agreements::Agreement a;
  a.file = "/etc/accord/agreements/met-wcu-v" + std::to_string(version) + ".yaml";
  a.id = "met-wcu";
  a.version = version;
  a.title = "Met to WCU";
  a.status = version == 1 ? agreements::Status::active : agreements::Status::draft;
  a.provider = "police.met";
  a.recipients = version == 1 ? std::vector<std::string>{"wcu.met"}
                              : std::vector<std::string>{"wcu.met", "provider.lvws"};
  a.valid_from = agreements::Instant{std::chrono::seconds(1'767'225'600)};   // 2026-01-01
  a.valid_until = agreements::Instant{std::chrono::seconds(1'798'761'600)};  // 2027-01-01
  a.review_by = agreements::Instant{std::chrono::seconds(1'782'864'000)};    // 2026-07-01
  agreements::Flow flow;
  flow.events = {"suspect.arrested", "suspect.charged"};
  agreements::FieldRule name;
  name.pattern = "data.victim.name";
  name.prefix = "victim.name";
  name.action = version == 1 ? agreements::Action::share : agreements::Action::mask;
  flow.fields.push_back(name);
  if (version == 1) {
    agreements::FieldRule dob;
    dob.pattern = "data.victim.dob";
    dob.prefix = "victim.dob";
    dob.action = agreements::Action::share;
    flow.fields.push_back(dob);
  }
  a.flows.push_back(flow);
  return a;
}

AgreementVersion version_of(int version) {
  AgreementVersion v;
  v.agreement = agreement(version);
  v.text = "id: met-wcu\nversion: " + std::to_string(version) + "\n";
  v.content_hash = "sha256:" + std::string(64, version == 1 ? 'a' : 'b');
  v.governance = version == 1 ? "active" : "awaiting_signatures";
  if (version == 1) {
    v.signed_by = {{"police.met", "k1", "DPO Met", "2026-01-01T00:00:00Z", "met-wcu.sig.json"},
                   {"wcu.met", "k2", "", "2026-01-02T00:00:00Z", "api"}};
  } else {
    v.missing = {"provider.lvws"};
    v.held_reason = "awaiting signatures from provider.lvws";
  }
  return v;
}

AdminHooks agreement_hooks(int* calls = nullptr) {
  AdminHooks hooks;
  hooks.agreement_version = [calls](const std::string& id,
                                    int version) -> std::optional<AgreementVersion> {
    if (calls) ++*calls;
    if (id != "met-wcu" || version < 1 || version > 2) return std::nullopt;
    return version_of(version);
  };
  return hooks;
}

TEST(ConsoleApiAgreements, OneVersionOfTheLoadedSet) {
  const auto r = call(agreement_hooks(), PeerRole::auditor, kGet, "/v1/admin/agreements/met-wcu@1");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(body_of(r), json::parse(R"({
      "agreement":"met-wcu@1","id":"met-wcu","version":1,"title":"Met to WCU","status":"active",
      "mode":"enforce","provider":"police.met","recipients":["wcu.met"],"file":"met-wcu-v1.yaml",
      "text":"id: met-wcu\nversion: 1\n",
      "sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "content_hash":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "governance":"active",
      "signed_by":[{"agency":"police.met","kid":"k1","signer":"DPO Met",
                    "signed_at":"2026-01-01T00:00:00Z","source":"met-wcu.sig.json"},
                   {"agency":"wcu.met","kid":"k2","signer":"","signed_at":"2026-01-02T00:00:00Z",
                    "source":"api"}],
      "missing":[],"valid_from":"2026-01-01T00:00:00Z","valid_until":"2027-01-01T00:00:00Z",
      "review_by":"2026-07-01"})"));
  // Held by governance: why, and who has not signed.
  const auto held =
      call(agreement_hooks(), PeerRole::admin, kGet, "/v1/admin/agreements/met-wcu%402");
  ASSERT_EQ(held.result_int(), 200u) << held.body();
  EXPECT_EQ(body_of(held)["missing"], json::array({"provider.lvws"}));
  EXPECT_EQ(body_of(held)["held_reason"], "awaiting signatures from provider.lvws");
  EXPECT_EQ(body_of(held)["governance"], "awaiting_signatures");
}

// A diff compares what the two texts would grant, whatever their state today (v2 is held).
TEST(ConsoleApiAgreements, DiffListsTheExposureChanges) {
  const auto r = call(agreement_hooks(), PeerRole::admin, kGet,
                      "/v1/admin/agreements/diff?from=met-wcu@1&to=met-wcu%402");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  const auto body = body_of(r);
  EXPECT_EQ(body["from"], "met-wcu@1");
  EXPECT_EQ(body["to"], "met-wcu@2");
  EXPECT_EQ(body["from_text"], "id: met-wcu\nversion: 1\n");
  EXPECT_EQ(body["to_text"], "id: met-wcu\nversion: 2\n");
  EXPECT_FALSE(body["summary"].get<std::string>().empty());
  std::set<std::string> rows;
  for (const auto& c : body["exposure"]) {
    rows.insert(c["change"].get<std::string>() + " " + c["recipient"].get<std::string>() + " " +
                c["event"].get<std::string>() + " " + c["field"].get<std::string>() + " [" +
                c["before"].get<std::string>() + "] -> [" + c["after"].get<std::string>() + "]");
  }
  // wcu.met: the name masked, the dob lost, per event; provider.lvws: a new route.
  EXPECT_TRUE(
      rows.contains("changed wcu.met suspect.arrested data.victim.name [share] -> "
                    "[mask(keep_last=4)]"))
      << body.dump(1);
  EXPECT_TRUE(rows.contains("lost wcu.met suspect.charged data.victim.dob [share] -> []"))
      << body.dump(1);
  EXPECT_TRUE(rows.contains("gained provider.lvws suspect.arrested  [] -> [when always]"))
      << body.dump(1);
  // The same version on both sides: nothing changes.
  const auto same = call(agreement_hooks(), PeerRole::auditor, kGet,
                         "/v1/admin/agreements/diff?from=met-wcu@2&to=met-wcu@2");
  ASSERT_EQ(same.result_int(), 200u);
  EXPECT_TRUE(body_of(same)["exposure"].empty());
}

struct RefusalRow {
  std::string name;
  std::string target;
  unsigned status;
  std::string code;
  std::string path;
  bool reaches_hook;
};
void PrintTo(const RefusalRow& row, std::ostream* os) {
  *os << row.name;
}
class ConsoleApiAgreementRefusals : public ::testing::TestWithParam<RefusalRow> {};

TEST_P(ConsoleApiAgreementRefusals, Refuses) {
  const auto& row = GetParam();
  int calls = 0;
  const auto r = call(agreement_hooks(&calls), PeerRole::admin, kGet, row.target);
  EXPECT_EQ(r.result_int(), row.status) << r.body();
  const auto body = body_of(r);
  EXPECT_EQ(body["error"]["code"], row.code) << r.body();
  EXPECT_EQ(body["error"]["path"], row.path) << r.body();
  EXPECT_EQ(calls > 0, row.reaches_hook);
}

INSTANTIATE_TEST_SUITE_P(
    Agreements, ConsoleApiAgreementRefusals,
    ::testing::Values(
        RefusalRow{"unknown_version", "/v1/admin/agreements/met-wcu@3", 404, "unknown_version",
                   "agreement", true},
        RefusalRow{"unknown_id", "/v1/admin/agreements/nope@1", 404, "unknown_version", "agreement",
                   true},
        RefusalRow{"version_zero", "/v1/admin/agreements/met-wcu@0", 400, "invalid_query",
                   "agreement", false},
        RefusalRow{"leading_zero", "/v1/admin/agreements/met-wcu@01", 400, "invalid_query",
                   "agreement", false},
        RefusalRow{"upper_case_id", "/v1/admin/agreements/Met@1", 400, "invalid_query", "agreement",
                   false},
        RefusalRow{"no_version", "/v1/admin/agreements/met-wcu@", 400, "invalid_query", "agreement",
                   false},
        RefusalRow{"bad_percent", "/v1/admin/agreements/met%zz@1", 400, "invalid_query",
                   "agreement", false},
        RefusalRow{"with_a_query", "/v1/admin/agreements/met-wcu@1?x=1", 400, "invalid_query",
                   "target", false},
        RefusalRow{"no_at_is_404", "/v1/admin/agreements/met-wcu", 404, "not_found", "target",
                   false},
        RefusalRow{"diff_without_to", "/v1/admin/agreements/diff?from=met-wcu@1", 400,
                   "invalid_query", "to", true},
        RefusalRow{"diff_without_from", "/v1/admin/agreements/diff?to=met-wcu@1", 400,
                   "invalid_query", "from", false},
        RefusalRow{"diff_bad_to", "/v1/admin/agreements/diff?from=met-wcu@1&to=met-wcu", 400,
                   "invalid_query", "to", true},
        RefusalRow{"diff_unknown_from", "/v1/admin/agreements/diff?from=met-wcu@9&to=met-wcu@1",
                   404, "unknown_version", "from", true},
        RefusalRow{"diff_unknown_to", "/v1/admin/agreements/diff?from=met-wcu@1&to=met-wcu@9", 404,
                   "unknown_version", "to", true},
        RefusalRow{"diff_unknown_key", "/v1/admin/agreements/diff?from=met-wcu@1&to=met-wcu@2&at=x",
                   400, "invalid_query", "at", false},
        RefusalRow{"diff_key_twice", "/v1/admin/agreements/diff?from=met-wcu@1&from=met-wcu@2", 400,
                   "invalid_query", "from", false}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    ConsoleReads, ConsoleApiRoles,
    ::testing::Values(RoleRow{"flows_agency_is_403", PeerRole::agency, kGet, "/v1/admin/flows", 403,
                              "forbidden", ""},
                      RoleRow{"flows_post_is_405", PeerRole::admin, kPost, "/v1/admin/flows", 405,
                              "method_not_allowed", ""},
                      RoleRow{"flows_without_hook_is_503", PeerRole::auditor, kGet,
                              "/v1/admin/flows", 503, "storage_unavailable", ""},
                      RoleRow{"flows_with_a_query", PeerRole::auditor, kGet, "/v1/admin/flows?x=1",
                              400, "invalid_query", "target"},
                      RoleRow{"deliveries_agency_is_403", PeerRole::agency, kGet,
                              "/v1/admin/deliveries", 403, "forbidden", ""},
                      RoleRow{"deliveries_delete_is_405", PeerRole::admin, kDelete,
                              "/v1/admin/deliveries", 405, "method_not_allowed", ""},
                      RoleRow{"deliveries_with_a_query", PeerRole::admin, kGet,
                              "/v1/admin/deliveries?limit=1", 400, "invalid_query", "target"},
                      RoleRow{"version_agency_is_403", PeerRole::agency, kGet,
                              "/v1/admin/agreements/met-wcu@1", 403, "forbidden", ""},
                      RoleRow{"version_post_is_405", PeerRole::admin, kPost,
                              "/v1/admin/agreements/met-wcu@1", 405, "method_not_allowed", ""},
                      RoleRow{"diff_post_is_405", PeerRole::auditor, kPost,
                              "/v1/admin/agreements/diff", 405, "method_not_allowed", ""}),
    [](const auto& info) { return info.param.name; });

// The flows map: every route of the loaded versions with its counts, counts on routes no
// loaded version names, and what no agreement covers.
TEST(ConsoleApiFlows, CountsGoToTheirRoutes) {
  FlowsSnapshot snapshot;
  snapshot.since_ms = 1'767'225'600'000;  // 2026-01-01
  snapshot.agencies = {{"police.met", "Metropolitan Police", "police"},
                       {"wcu.met", "Met Witness Care", "wcu"}};
  snapshot.agreements = {version_of(1), version_of(2)};
  snapshot.counts = {{"cps.london", "-", "-", 0, 2},              // no route at all
                     {"police.met", "provider.lvws", "-", 1, 0},  // a notice
                     {"police.met", "wcu.met", "met-wcu@1", 5, 1},
                     {"police.met", "wcu.met", "met-wcu@0", 0, 3}};  // a version since removed
  const json want = json::parse(R"({
    "since":"2026-01-01T00:00:00.000Z",
    "agencies":[{"id":"police.met","name":"Metropolitan Police","kind":"police"},
                {"id":"wcu.met","name":"Met Witness Care","kind":"wcu"}],
    "flows":[
      {"agreement":"met-wcu@0","governance":"not_loaded","from":"police.met","to":"wcu.met",
       "events":[],"shared":0,"refused":3},
      {"agreement":"met-wcu@1","governance":"active","from":"police.met","to":"wcu.met",
       "events":["suspect.arrested","suspect.charged"],"shared":5,"refused":1},
      {"agreement":"met-wcu@2","governance":"awaiting_signatures","from":"police.met",
       "to":"provider.lvws","events":["suspect.arrested","suspect.charged"],"shared":0,
       "refused":0},
      {"agreement":"met-wcu@2","governance":"awaiting_signatures","from":"police.met",
       "to":"wcu.met","events":["suspect.arrested","suspect.charged"],"shared":0,"refused":0}],
    "unmatched":[{"from":"cps.london","to":"-","shared":0,"refused":2},
                 {"from":"police.met","to":"provider.lvws","shared":1,"refused":0}]})");
  AdminHooks hooks;
  hooks.flows = [&] { return snapshot; };
  const auto r = call(hooks, PeerRole::auditor, kGet, "/v1/admin/flows");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(body_of(r), want) << body_of(r).dump(1);
}

TEST(ConsoleApiDeliveries, OneRowPerRecipient) {
  RecipientDeliveries pushed;
  pushed.recipient = "provider.lvws";
  pushed.adapter = "webhook";
  pushed.queue = {3, 1, 2, 1'767'225'600'500};
  pushed.pushes = true;
  pushed.circuit_open = true;
  pushed.in_flight = 1;
  pushed.delivered_total = 10;
  pushed.retried_total = 4;
  pushed.dead_lettered_total = 2;
  RecipientDeliveries pulled;
  pulled.recipient = "wcu.met";
  pulled.adapter = "mailbox";
  AdminHooks hooks;
  hooks.deliveries = [&]() -> Result<std::vector<RecipientDeliveries>> {
    return std::vector<RecipientDeliveries>{pushed, pulled};
  };
  const auto r = call(hooks, PeerRole::admin, kGet, "/v1/admin/deliveries");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(body_of(r), json::parse(R"({"recipients":[
      {"recipient":"provider.lvws","adapter":"webhook","queued":3,"leased":1,"dead_letters":2,
       "oldest_queued_at":"2026-01-01T00:00:00.500Z","circuit":"open","in_flight":1,
       "delivered_total":10,"retried_total":4,"dead_lettered_total":2},
      {"recipient":"wcu.met","adapter":"mailbox","queued":0,"leased":0,"dead_letters":0,
       "oldest_queued_at":null,"circuit":"none","in_flight":0,"delivered_total":0,
       "retried_total":0,"dead_lettered_total":0}]})"));
  // A spool that cannot answer: its code.
  hooks.deliveries = []() -> Result<std::vector<RecipientDeliveries>> {
    return make_error("storage_unavailable", "test: no primary");
  };
  const auto failed = call(hooks, PeerRole::auditor, kGet, "/v1/admin/deliveries");
  EXPECT_EQ(failed.result_int(), 503u);
  EXPECT_EQ(body_of(failed)["error"]["code"], "storage_unavailable");
}

}  // namespace
}  // namespace accord::api
