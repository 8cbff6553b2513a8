#include "audit_read.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "responses.hpp"

namespace accord::api {

namespace {
// Rows of this answer whose index columns disagree with their record: "seq:col,col;...".
constexpr const char* kMismatchHeader = "Accord-Index-Mismatch";
}  // namespace

void report_mismatches(server::HttpResponse& response,
                       const std::vector<spool::IndexMismatch>& mismatches) {
  if (mismatches.empty()) return;
  const std::string list = spool::format_index_mismatches(mismatches);
  spdlog::error(
      "audit read: index columns disagree with their records ({}): the database was changed", list);
  response.set(kMismatchHeader, list);
}

server::HttpResponse storage_failure(const Error& e) {
  spdlog::error("audit read failed ({}): {}", e.code, e.message);
  return refusal(e);
}

void answer_recorded(const server::Request& request, std::string_view endpoint, const AuditQuery& p,
                     const AdminHooks& hooks, const ReadFacts& facts, server::HttpResponse response,
                     server::Respond& respond) {
  if (!hooks.record_audit || response.result_int() != 200) return respond(std::move(response));
  audit::Event event = actor_event(audit::kind::kAuditRead, request.peer, admin_now_ms(hooks));
  event.details.emplace_back("endpoint", std::string(endpoint));
  event.details.emplace_back("filter", spool::filter_to_json(p.filter));
  if (p.after_seq != 0) event.details.emplace_back("after_seq", std::to_string(p.after_seq));
  event.details.emplace_back("returned", std::to_string(facts.returned));
  if (facts.returned > 0) {
    event.details.emplace_back("first_seq", std::to_string(facts.first_seq));
    event.details.emplace_back("last_seq", std::to_string(facts.last_seq));
  }
  auto shared = std::make_shared<server::HttpResponse>(std::move(response));
  hooks.record_audit({std::move(event)}, [shared, respond](Status s) {
    if (!s.ok()) {
      spdlog::error("audit read refused: its audit record could not be written: {}",
                    s.error().message);
      return respond(
          refusal("audit_unavailable", "the audit record of this read could not be written"));
    }
    respond(std::move(*shared));
  });
}

}  // namespace accord::api
