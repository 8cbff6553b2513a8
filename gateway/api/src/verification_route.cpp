#include "verification_route.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "accord/audit/verifier.hpp"
#include "accord/core/time_format.hpp"
#include "audit_read.hpp"
#include "responses.hpp"

namespace accord::api {

void verification(const server::Request& request, std::string_view query, const AdminHooks& hooks,
                  spool::AuditReader& reader, server::Respond& respond) {
  if (!query.empty()) {
    return respond(refusal("invalid_query", "verification takes no query parameters", "target"));
  }
  if (!hooks.audit_key) {
    return respond(
        refusal("audit_unavailable", "this gateway has no signing key to verify the log with"));
  }
  auto report = reader.verify(*hooks.audit_key, audit::VerifyOptions{});
  if (!report.ok()) return respond(storage_failure(report.error()));
  nlohmann::json failure = nullptr;
  if (report->failure) {
    const auto& f = *report->failure;
    // The failure's own words (a seq and a code), never record content.
    spdlog::error("audit log verification by {} FAILED: {} at seq {}: {}", request.peer.id, f.code,
                  f.seq, f.message);
    failure = {{"seq", f.seq}, {"code", f.code}, {"message", f.message}};
  }
  const nlohmann::json body = {{"ok", report->ok()},
                               {"records", report->records},
                               {"checkpoints", report->checkpoints},
                               {"first_seq", report->first_seq},
                               {"last_seq", report->last_seq},
                               {"sealed_seq", report->sealed_seq},
                               {"unsealed_tail", report->unsealed_tail},
                               {"index_mismatches", report->index_mismatches},
                               {"failure", std::move(failure)},
                               {"key_id", hooks.audit_key->kid},
                               {"verified_at", format_time_ms(admin_now_ms(hooks))}};
  // Discloses no record: returned 0, so the audit.read record names no range.
  answer_recorded(request, kVerificationName, AuditQuery{}, hooks, ReadFacts{},
                  make_response(200, body.dump()), respond);
}

}  // namespace accord::api
