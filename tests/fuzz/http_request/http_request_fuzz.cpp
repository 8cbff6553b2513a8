// libFuzzer target for the HTTP request path without sockets. Any request must be answered
// exactly once, synchronously (the hooks answer at once and nothing is offloaded), with a
// status 200..599; a refusal is the documented JSON {"error":{"code":...,"message":...}}
// (docs/api.yaml). The query parsers and the JSON body reader must never crash or throw,
// and refuse only with a code and a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "accord/api/admin_handler.hpp"
#include "accord/api/audit_query.hpp"
#include "accord/api/compliance_query.hpp"
#include "accord/api/inbox_query.hpp"
#include "accord/api/json_body.hpp"

namespace {

namespace api = accord::api;
namespace server = accord::server;
namespace http = boost::beast::http;

template <typename T>
void check(const accord::Result<T>& result) {
  if (!result.ok() && (result.error().code.empty() || result.error().message.empty())) {
    std::abort();
  }
}

// Every hook answers at once with an empty success: the routes' own parsing is under test.
api::AdminHooks answering_hooks() {
  api::AdminHooks hooks;
  hooks.reload = [] { return accord::Result<api::ReloadReport>(api::ReloadReport{}); };
  hooks.describe_agreements = [] { return std::string("{\"agreements\":[]}"); };
  hooks.audit_checkpoint = [](auto done) { done(accord::Status::Ok()); };
  hooks.list_dead_letters = [](std::string, std::size_t, auto done) {
    done(std::vector<accord::spool::DeadLetter>{});
  };
  hooks.redrive = [](accord::spool::RedriveRequest, auto done) { done(std::int64_t{0}); };
  hooks.retention_purge = [](std::string, auto done) { done(api::RetentionPurgeReport{}); };
  hooks.record_audit = [](std::vector<accord::audit::Event>, auto done) {
    done(accord::Status::Ok());
  };
  hooks.now_ms = [] { return std::int64_t{1'765'000'000'000}; };
  hooks.compliance_report = [](const api::ComplianceQuery&) {
    return accord::Result<api::ComplianceAnswer>(
        api::ComplianceAnswer{"{}", "application/json", 0});
  };
  hooks.compliance_feed = [](const std::string& month) {
    return accord::Result<api::FeedAnswer>(api::FeedAnswer{month, "m", false, {}});
  };
  hooks.submit_statement = [](bool, std::string_view) {
    return accord::Result<api::GovernanceAnswer>(api::GovernanceAnswer{"a@1", "active", {}});
  };
  hooks.propose_agreement = [](const std::string&, const std::string&) {
    return accord::Result<api::GovernanceAnswer>(
        api::GovernanceAnswer{"a@1", "awaiting_signatures", {}});
  };
  hooks.storage_unavailable = [] { return std::optional<accord::Error>(); };
  hooks.validate_agreements = [](const std::vector<accord::agreements::SourceText>&,
                                 accord::agreements::Instant) { return api::ProposedAgreements{}; };
  // The console's reads: one loaded version (any id parses to it) so the routes' own
  // rendering runs, not only their 404s.
  hooks.agreement_version = [](const std::string& id, int version) {
    api::AgreementVersion found;
    found.agreement.id = id;
    found.agreement.version = version;
    found.text = "id: " + id + "\n";
    found.governance = "active";
    return std::optional<api::AgreementVersion>(std::move(found));
  };
  hooks.flows = [] { return api::FlowsSnapshot{}; };
  hooks.deliveries = [] {
    return accord::Result<std::vector<api::RecipientDeliveries>>(
        std::vector<api::RecipientDeliveries>{});
  };
  return hooks;
}

void check_response(const server::HttpResponse& response) {
  const unsigned status = response.result_int();
  if (status < 200 || status > 599) std::abort();
  if (status < 400) return;
  const auto body = nlohmann::json::parse(response.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("error")) std::abort();
  const auto& error = body["error"];
  if (!error.is_object() || !error.contains("code") || !error["code"].is_string() ||
      error["code"].get<std::string>().empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  // "<role> <METHOD> <target>"
  const auto space = line.find(' ');
  const std::string_view role = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  const auto space2 = line.find(' ');
  const std::string_view method = line.substr(0, space2);
  const std::string_view target =
      space2 == std::string_view::npos ? std::string_view{} : line.substr(space2 + 1);
  const auto question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  // The parsers on their own.
  check(api::parse_audit_query(query, api::AuditQueryAccepts::filters_and_paging));
  check(api::parse_audit_query(query, api::AuditQueryAccepts::paging));
  check(api::parse_inbox_query(query, api::InboxQueryLimits{}));
  check(api::parse_compliance_query(query));
  check(api::parse_feed_query(query));
  check(api::split_query(query));
  (void)api::percent_decode(query);
  check(api::parse_json_body(body));

  // The admin listener's routing, as a request from a certificate of `role`.
  server::Request request;
  request.peer.role = role == "admin"     ? server::PeerRole::admin
                      : role == "auditor" ? server::PeerRole::auditor
                                          : server::PeerRole::agency;
  request.peer.id = "fuzz";
  request.peer.subject = "CN=fuzz";
  request.http.method_string(method);
  request.http.target(target);
  request.http.version(11);
  request.http.set(http::field::content_type, "application/json");
  request.http.body() = std::string(body);
  request.http.prepare_payload();

  server::Metrics metrics;
  api::AdminHandler handler(answering_hooks(), metrics);
  int answers = 0;
  handler.handle(std::move(request), [&](server::HttpResponse response) {
    ++answers;
    check_response(response);
  });
  if (answers != 1) std::abort();
  return 0;
}
