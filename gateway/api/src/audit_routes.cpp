#include "audit_routes.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "accord/api/audit_query.hpp"
#include "accord/governance/archive.hpp"
#include "accord/spool/audit_reader.hpp"
#include "audit_read.hpp"
#include "responses.hpp"
#include "subject_report_route.hpp"
#include "verification_route.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using nlohmann::json;

constexpr std::size_t kDefaultRecordsPage = 1'000;
constexpr const char* kNdjson = "application/x-ndjson";
constexpr const char* kNextHeader = "Accord-Next-After-Seq";
constexpr const char* kCompleteHeader = "Accord-Extract-Complete";
using Params = AuditQuery;
using Accepts = AuditQueryAccepts;

std::size_t page_limit(const Params& p, std::size_t fallback) {
  const auto wanted =
      static_cast<std::size_t>(p.limit.value_or(static_cast<std::int64_t>(fallback)));
  return std::min(wanted, spool::kMaxAuditPage);
}

json head_json(const spool::AuditHead& head, const std::optional<spool::StoredCheckpoint>& cp) {
  json out = {{"last_seq", head.last_seq},
              {"sealed_seq", head.sealed_seq},
              {"records", head.records},
              {"unsealed", head.last_seq - head.sealed_seq}};
  out["latest_checkpoint"] = cp ? json::parse(cp->json, nullptr, false) : json(nullptr);
  return out;
}

void records(const server::Request& request, const AdminHooks& hooks, spool::AuditReader& reader,
             const Params& p, server::Respond& respond) {
  auto rows = reader.query(p.filter, p.after_seq, page_limit(p, kDefaultRecordsPage));
  if (!rows.ok()) return respond(storage_failure(rows.error()));
  std::string body;
  std::vector<spool::IndexMismatch> mismatches;
  for (const auto& row : rows->rows) {
    body += row.record;
    body += '\n';
    if (!row.mismatched_columns.empty()) mismatches.push_back({row.seq, row.mismatched_columns});
  }
  auto response = make_response(200, std::move(body), kNdjson);
  if (rows->more) response.set(kNextHeader, std::to_string(rows->rows.back().seq));
  report_mismatches(response, mismatches);
  ReadFacts facts;
  facts.returned = static_cast<std::int64_t>(rows->rows.size());
  if (!rows->rows.empty()) {
    facts.first_seq = rows->rows.front().seq;
    facts.last_seq = rows->rows.back().seq;
  }
  answer_recorded(request, "records", p, hooks, facts, std::move(response), respond);
}

void extract(const server::Request& request, const AdminHooks& hooks, spool::AuditReader& reader,
             const Params& p, server::Respond& respond) {
  auto page = reader.extract_page(p.filter, p.after_seq, page_limit(p, spool::kMaxAuditPage),
                                  p.through_seq);
  if (!page.ok()) return respond(storage_failure(page.error()));
  std::string body;
  if (p.after_seq == 0) {
    // "exported_at" is a label the signature does not cover (the covering checkpoint carries
    // the signed time).
    body += spool::extract_header_line(page->first_seq, page->prev, admin_now_ms(hooks), p.filter);
    body += '\n';
  }
  for (const auto& line : page->lines) {
    body += line;
    body += '\n';
  }
  auto response = make_response(200, std::move(body), kNdjson);
  if (page->more) response.set(kNextHeader, std::to_string(page->last_seq));
  response.set(kCompleteHeader, page->complete ? "true" : "false");
  report_mismatches(response, page->mismatches);
  ReadFacts facts;
  facts.returned = page->matches;
  if (!page->lines.empty()) {
    facts.first_seq = p.after_seq == 0 ? page->first_seq : p.after_seq + 1;
    facts.last_seq = page->last_seq;
  }
  answer_recorded(request, "extract", p, hooks, facts, std::move(response), respond);
}

void checkpoints(const server::Request& request, const AdminHooks& hooks,
                 spool::AuditReader& reader, const Params& p, server::Respond& respond) {
  const std::size_t limit = page_limit(p, kDefaultRecordsPage);
  auto list = reader.checkpoints(p.after_seq, limit);
  if (!list.ok()) return respond(storage_failure(list.error()));
  std::string body;
  for (const auto& cp : *list) {
    body += cp.json;
    body += '\n';
  }
  auto response = make_response(200, std::move(body), kNdjson);
  if (list->size() == limit) response.set(kNextHeader, std::to_string(list->back().seq));
  ReadFacts facts;
  facts.returned = static_cast<std::int64_t>(list->size());
  if (!list->empty()) {
    facts.first_seq = list->front().seq;
    facts.last_seq = list->back().seq;
  }
  answer_recorded(request, "checkpoints", p, hooks, facts, std::move(response), respond);
}

void head(const server::Request& request, const AdminHooks& hooks, spool::AuditReader& reader,
          const Params& p, server::Respond& respond) {
  auto h = reader.head();
  if (!h.ok()) return respond(storage_failure(h.error()));
  auto cp = reader.latest_checkpoint();
  if (!cp.ok()) return respond(storage_failure(cp.error()));
  answer_recorded(request, "head", p, hooks, ReadFacts{},
                  make_response(200, head_json(*h, *cp).dump()), respond);
}

// GET agreements/{id}@{version}: the version's archived text and lifecycle records
// (docs/audit-format.md, "The agreement archive"). Every agreement.* record naming the version,
// page by page (a version's history is a handful of records; the loop only bounds a page).
void agreement_version(const server::Request& request, const AdminHooks& hooks,
                       spool::AuditReader& reader, const governance::AgreementRef& ref,
                       server::Respond& respond) {
  Params p;
  p.filter.agreement = ref.to_string();
  p.filter.kind = "agreement.";
  governance::ArchiveFold fold(ref);
  std::vector<spool::IndexMismatch> mismatches;
  std::int64_t after = 0;
  for (;;) {
    auto rows = reader.query(p.filter, after, spool::kMaxAuditPage);
    if (!rows.ok()) return respond(storage_failure(rows.error()));
    for (const auto& row : rows->rows) {
      if (!row.mismatched_columns.empty()) mismatches.push_back({row.seq, row.mismatched_columns});
      // Only what the record itself says counts: a row selected by a forged column is skipped
      // by the fold (and named by the mismatch header).
      if (auto s = fold.add(row.record); !s.ok()) return respond(storage_failure(s.error()));
    }
    if (!rows->more) break;
    after = rows->rows.back().seq;
  }
  auto archived = fold.result();
  if (!archived.ok()) {
    return respond(
        refusal(make_error(archived.error().code, archived.error().message, "agreement")));
  }
  if (!archived->verified) {
    spdlog::error(
        "agreement archive: the text of {} does not match its content hash {}: the "
        "audit record was changed",
        ref.to_string(), archived->content_hash);
  }
  auto response = make_response(200, governance::archive_json(*archived));
  report_mismatches(response, mismatches);
  ReadFacts facts;
  facts.returned = static_cast<std::int64_t>(archived->history.size());
  facts.first_seq = archived->history.front().seq;
  facts.last_seq = archived->history.back().seq;
  answer_recorded(request, "agreement", p, hooks, facts, std::move(response), respond);
}

// The {id}@{version} of an agreements/ path, percent-decoded ("%40" for '@' is accepted).
Result<governance::AgreementRef> agreement_ref_of(std::string_view segment,
                                                  std::string_view query) {
  if (!query.empty()) {
    return make_error("invalid_query", "agreements/{id}@{version} takes no query parameters",
                      "target");
  }
  const auto decoded = percent_decode(segment);
  if (!decoded) return make_error("invalid_query", "bad percent-encoding in the path", "agreement");
  auto ref = governance::parse_agreement_ref(*decoded);
  if (!ref.ok()) return make_error("invalid_query", ref.error().message, "agreement");
  return ref;
}

// After the forced checkpoint: the newest one, read on the thread that ran `done` (one
// indexed row on a fresh read-only connection).
void answer_latest_checkpoint(const std::string& db_path, Status forced,
                              const server::Respond& respond) {
  if (!forced.ok()) {
    respond(refusal(forced.error()));
    return;
  }
  auto reader = spool::AuditReader::open(db_path);
  if (!reader.ok()) return respond(storage_failure(reader.error()));
  auto cp = (*reader)->latest_checkpoint();
  if (!cp.ok()) return respond(storage_failure(cp.error()));
  if (!cp->has_value()) {
    respond(
        refusal("not_found", "no checkpoint: the audit log is empty or the gateway signs none"));
    return;
  }
  respond(make_response(200, (*cp)->json));
}

}  // namespace

void handle_audit_route(const server::Request& request, std::string_view path,
                        const AdminHooks& hooks, server::Respond respond) {
  if (request.peer.role != server::PeerRole::auditor) {
    respond(refusal("forbidden", "the audit log is for auditor certificates only"));
    return;
  }
  const std::string_view target = request.http.target();
  const auto question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const std::string_view name = path.substr(kAuditPathPrefix.size());
  const auto method = request.http.method();
  const bool is_post = name == "checkpoint";
  constexpr std::string_view kAgreements = "agreements/";
  const bool is_agreement = name.starts_with(kAgreements) && name.size() > kAgreements.size() &&
                            name.find('/', kAgreements.size()) == std::string_view::npos;
  const bool known = is_post || is_agreement || name == "records" || name == "extract" ||
                     name == "checkpoints" || name == "head" || name == kSubjectReportName ||
                     name == kVerificationName;
  if (!known) {
    respond(refusal("not_found", "no such endpoint: " + std::string(path), "target"));
    return;
  }
  const http::verb allowed = is_post ? http::verb::post : http::verb::get;
  if (method != allowed) {
    respond(method_not_allowed(request.http, path, allowed));
    return;
  }
  if (hooks.audit_db_path.empty() || (is_post && !hooks.audit_checkpoint)) {
    respond(refusal("audit_unavailable", "this gateway keeps no audit log"));
    return;
  }
  if (is_post) {
    spdlog::info("audit checkpoint forced by auditor {}", request.peer.id);
    // Recorded before the checkpoint, so the checkpoint it forces seals its own request.
    audit::Event action = actor_event(audit::kind::kAdminAction, request.peer, admin_now_ms(hooks));
    action.details.emplace_back("action", "audit.checkpoint");
    record_admin_action(hooks, std::move(action), [hooks, respond] {
      hooks.audit_checkpoint([path = hooks.audit_db_path, respond](Status s) {
        answer_latest_checkpoint(path, std::move(s), respond);
      });
    });
    return;
  }
  if (is_agreement) {
    auto ref = agreement_ref_of(name.substr(kAgreements.size()), query);
    if (!ref.ok()) return respond(refusal(ref.error()));
    auto reader = spool::AuditReader::open(hooks.audit_db_path);
    if (!reader.ok()) return respond(storage_failure(reader.error()));
    return agreement_version(request, hooks, **reader, *ref, respond);
  }
  if (name == kVerificationName) {
    auto reader = spool::AuditReader::open(hooks.audit_db_path);
    if (!reader.ok()) return respond(storage_failure(reader.error()));
    return verification(request, query, hooks, **reader, respond);
  }
  if (name == kSubjectReportName) {
    auto reader = spool::AuditReader::open(hooks.audit_db_path);
    if (!reader.ok()) return respond(storage_failure(reader.error()));
    return subject_report(request, query, hooks, **reader, respond);
  }
  auto params =
      parse_audit_query(query, name == "records" || name == "extract" ? Accepts::filters_and_paging
                                                                      : Accepts::paging);
  if (name == "head" && !query.empty()) {
    params = make_error("invalid_query", "head takes no query parameters");
  }
  if (!params.ok()) {
    respond(refusal(params.error()));
    return;
  }
  auto reader = spool::AuditReader::open(hooks.audit_db_path);
  if (!reader.ok()) return respond(storage_failure(reader.error()));
  if (name == "records") return records(request, hooks, **reader, *params, respond);
  if (name == "extract") return extract(request, hooks, **reader, *params, respond);
  if (name == "checkpoints") return checkpoints(request, hooks, **reader, *params, respond);
  head(request, hooks, **reader, *params, respond);
}

}  // namespace accord::api
