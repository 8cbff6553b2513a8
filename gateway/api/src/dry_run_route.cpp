#include "dry_run_route.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <regex>

#include "accord/agreements/agreement_set.hpp"
#include "accord/api/json_body.hpp"
#include "accord/governance/dry_run.hpp"
#include "accord/spool/audit_reader.hpp"
#include "responses.hpp"

namespace accord::api {
namespace {

namespace ag = accord::agreements;
using nlohmann::json;

constexpr std::size_t kMaxFiles = 1000;

struct DryRunBody {
  std::vector<ag::SourceText> sources;
  std::string since = "30d";
  std::string at;
};

// {"agreements":[{"file":"x.yaml","text":"..."}],"since":"30d","at":"..."}; since and at
// optional, nothing else.
Result<DryRunBody> parse_body(std::string_view text) {
  auto read = parse_json_body(text);
  if (!read.ok()) return read.error();
  const json& doc = read.value();
  auto invalid = [](std::string message, std::string path) {
    return make_error("invalid_request", std::move(message), std::move(path));
  };
  if (!doc.is_object()) {
    return invalid("the body must be a JSON object {\"agreements\":[...],\"since\":...}", "");
  }
  static const std::regex kFileName("[A-Za-z0-9._-]+\\.ya?ml");
  DryRunBody body;
  bool has_agreements = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "agreements") {
      has_agreements = true;
      if (!value.is_array() || value.size() > kMaxFiles) {
        return invalid("agreements must be an array of at most 1000 {\"file\",\"text\"}",
                       "agreements");
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        const json& item = value[i];
        const std::string where = "agreements[" + std::to_string(i) + "]";
        if (!item.is_object() || item.size() != 2 || !item.contains("file") ||
            !item.contains("text") || !item["file"].is_string() || !item["text"].is_string()) {
          return invalid("each agreement is {\"file\":\"name.yaml\",\"text\":\"...\"}", where);
        }
        const std::string file = item["file"].get<std::string>();
        if (!std::regex_match(file, kFileName)) {
          return invalid("file must be a plain name ending .yaml or .yml", where + ".file");
        }
        for (const auto& earlier : body.sources) {
          if (earlier.file == file) return invalid("file `" + file + "` given twice", where);
        }
        body.sources.push_back({file, item["text"].get<std::string>()});
      }
    } else if (key == "since" || key == "at") {
      if (!value.is_string()) return invalid(key + " must be a string", key);
      (key == "since" ? body.since : body.at) = value.get<std::string>();
    } else {
      return invalid("unknown member '" + key + "'; only agreements, since, at", key);
    }
  }
  if (!has_agreements)
    return invalid("agreements is required (the whole proposed set)", "agreements");
  return body;
}

// The decision records of [from_ms, ...) folded into past submissions.
Result<governance::PastTraffic> read_window(const std::string& location, std::int64_t from_ms) {
  auto reader = spool::AuditReader::open(location);
  if (!reader) return reader.error();
  spool::AuditFilter filter;
  filter.kind = "decision.";
  filter.from_ms = from_ms;
  governance::PastTraffic traffic;
  std::int64_t after = 0;
  for (;;) {
    auto page = (*reader)->query(filter, after, spool::kMaxAuditPage);
    if (!page) return page.error();
    for (const auto& row : page->rows) {
      if (!row.mismatched_columns.empty()) {
        spdlog::error("dry run: audit record {} has index columns that disagree with it", row.seq);
      }
      if (auto s = traffic.add_record(row.record); !s.ok()) {
        return make_error("corrupt",
                          "audit record " + std::to_string(row.seq) + ": " + s.error().message);
      }
    }
    if (!page->more) break;
    after = page->rows.back().seq;
  }
  return traffic;
}

}  // namespace

void handle_dry_run(const server::Request& request, const AdminHooks& hooks,
                    server::Respond respond) {
  auto body = parse_body(request.http.body());
  if (!body.ok()) return respond(body_refusal(body.error()));
  const std::int64_t now_ms = admin_now_ms(hooks);
  const auto since = governance::parse_since(body->since, now_ms);
  if (!since) {
    return respond(body_refusal(
        make_error("invalid_request",
                   "since is Nd, Nh (N days or hours before now) or an RFC 3339 time", "since")));
  }
  ag::Instant at{std::chrono::seconds(now_ms / 1000)};
  if (!body->at.empty()) {
    const auto parsed = ag::parse_instant(body->at);
    if (!parsed) {
      return respond(
          body_refusal(make_error("invalid_request", "at is a date or an RFC 3339 time", "at")));
    }
    at = *parsed;
  }
  if (!hooks.validate_agreements || hooks.audit_db_path.empty()) {
    return respond(refusal("audit_unavailable", "this gateway has no audit log to try it on"));
  }
  ProposedAgreements proposed = hooks.validate_agreements(body->sources, at);
  json diagnostics = json::array();
  for (const auto& d : proposed.diagnostics) {
    if (d.severity == ag::Severity::error) diagnostics.push_back(d.to_string());
  }
  if (!diagnostics.empty()) {
    const Error error = make_error(
        "invalid_agreements", "the proposed set is invalid; nothing was compared", "agreements");
    json answer = error_json(error);
    answer["diagnostics"] = std::move(diagnostics);
    return respond(make_response(kReloadRefusedStatus,
                                 answer.dump(-1, ' ', false, json::error_handler_t::replace)));
  }
  auto traffic = read_window(hooks.audit_db_path, *since);
  if (!traffic.ok()) {
    spdlog::error("dry run failed ({}): {}", traffic.error().code, traffic.error().message);
    return respond(refusal(traffic.error()));
  }
  const ag::AgreementSet set(std::move(proposed.agreements));
  const governance::DryRunResult result = governance::dry_run(*traffic, set, at);
  auto response = make_response(200, governance::render_json(result));
  if (!hooks.record_audit) return respond(std::move(response));
  audit::Event event = actor_event(audit::kind::kAuditRead, request.peer, now_ms);
  event.details.emplace_back("endpoint", "agreements.dry_run");
  event.details.emplace_back("filter",
                             json{{"since", body->since}, {"at", ag::format_instant(at)}}.dump());
  event.details.emplace_back("returned", std::to_string(result.submissions));
  auto shared = std::make_shared<server::HttpResponse>(std::move(response));
  hooks.record_audit({std::move(event)}, [shared, respond](Status s) {
    if (!s.ok()) {
      spdlog::error("dry run refused: its audit record could not be written: {}",
                    s.error().message);
      return respond(
          refusal("audit_unavailable", "the audit record of this read could not be written"));
    }
    respond(std::move(*shared));
  });
}

}  // namespace accord::api
