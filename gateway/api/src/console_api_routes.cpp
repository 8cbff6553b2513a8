#include "console_api_routes.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>

#include "accord/agreements/report.hpp"
#include "accord/agreements/time.hpp"
#include "accord/api/audit_query.hpp"
#include "accord/core/time_format.hpp"
#include "accord/governance/archive.hpp"
#include "accord/governance/signed_by_json.hpp"
#include "responses.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using nlohmann::json;

std::string dump(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

server::HttpResponse unavailable() {
  return refusal("storage_unavailable", "this gateway has no console hooks");
}

void whoami(const server::Request& request, server::Respond respond) {
  const json body = {{"id", request.peer.id},
                     {"role", std::string(server::role_name(request.peer.role))},
                     {"subject", request.peer.subject}};
  respond(make_response(200, dump(body)));
}

json version_json(const AgreementVersion& v) {
  const agreements::Agreement& a = v.agreement;
  constexpr std::string_view kPrefix = "sha256:";
  const std::string hex =
      v.content_hash.starts_with(kPrefix) ? v.content_hash.substr(kPrefix.size()) : v.content_hash;
  json out = {{"agreement", a.id + "@" + std::to_string(a.version)},
              {"id", a.id},
              {"version", a.version},
              {"title", a.title},
              {"status", std::string(agreements::to_string(a.status))},
              {"mode", std::string(agreements::to_string(a.mode))},
              {"provider", a.provider},
              {"recipients", a.recipients},
              {"file", a.file.substr(a.file.find_last_of('/') + 1)},
              {"text", v.text},
              {"sha256", hex},
              {"content_hash", v.content_hash},
              {"governance", v.governance},
              {"signed_by", json(v.signed_by)},
              {"missing", v.missing},
              {"valid_from", agreements::format_instant(a.valid_from)},
              {"valid_until", agreements::format_instant(a.valid_until)},
              {"review_by", agreements::format_date(a.review_by)}};
  if (!v.held_reason.empty()) out["held_reason"] = v.held_reason;
  return out;
}

// An id@version from a path segment or a query value ('@' may come percent-encoded).
Result<governance::AgreementRef> ref_of(std::string_view text, const std::string& path,
                                        bool decode) {
  std::optional<std::string> decoded =
      decode ? percent_decode(text) : std::optional<std::string>(std::string(text));
  if (!decoded) return make_error("invalid_query", "bad percent-encoding", path);
  auto ref = governance::parse_agreement_ref(*decoded);
  if (!ref.ok()) return make_error("invalid_query", ref.error().message, path);
  return ref;
}

Result<AgreementVersion> loaded_version(const AdminHooks& hooks,
                                        const governance::AgreementRef& ref,
                                        const std::string& path) {
  auto version = hooks.agreement_version(ref.id, ref.version);
  if (!version) {
    return make_error("unknown_version",
                      "the loaded agreement set has no " + ref.to_string() +
                          " (GET /v1/admin/agreements lists it; the audit log archives every "
                          "version ever proposed: /v1/admin/audit/agreements/{id}@{version})",
                      path);
  }
  return std::move(*version);
}

void agreement_version(std::string_view segment, std::string_view query, const AdminHooks& hooks,
                       server::Respond respond) {
  if (!query.empty()) {
    return respond(
        refusal("invalid_query", "agreements/{id}@{version} takes no query parameters", "target"));
  }
  auto ref = ref_of(segment, "agreement", /*decode=*/true);
  if (!ref.ok()) return respond(refusal(ref.error()));
  auto version = loaded_version(hooks, *ref, "agreement");
  if (!version.ok()) return respond(refusal(version.error()));
  respond(make_response(200, dump(version_json(*version))));
}

// The flows a version's text declares, as if it were in force and enforced: the diff
// compares what two texts would grant, whatever their state and dates today.
agreements::Agreement as_if_in_force(agreements::Agreement a) {
  a.status = agreements::Status::active;
  a.mode = agreements::Mode::enforce;
  a.valid_from = agreements::Instant{};
  a.valid_until = agreements::Instant::max();
  return a;
}

std::string_view change_name(agreements::ExposureChange::Kind kind) {
  switch (kind) {
    case agreements::ExposureChange::Kind::gained:
      return "gained";
    case agreements::ExposureChange::Kind::lost:
      return "lost";
    case agreements::ExposureChange::Kind::changed:
      return "changed";
  }
  return "changed";
}

void agreement_diff(std::string_view query, const AdminHooks& hooks, server::Respond respond) {
  auto pairs = split_query(query);
  if (!pairs.ok()) return respond(refusal(pairs.error()));
  for (const auto& [key, value] : *pairs) {
    if (key != "from" && key != "to") {
      return respond(refusal("invalid_query", "diff takes from= and to=, each once", key));
    }
  }
  std::vector<AgreementVersion> sides;
  for (const std::string key : {"from", "to"}) {
    auto it = pairs->find(key);
    if (it == pairs->end()) {
      return respond(refusal("invalid_query", key + " (id@version) is required", key));
    }
    auto ref = ref_of(it->second, key, /*decode=*/false);  // split_query decoded it
    if (!ref.ok()) return respond(refusal(ref.error()));
    auto version = loaded_version(hooks, *ref, key);
    if (!version.ok()) return respond(refusal(version.error()));
    sides.push_back(std::move(*version));
  }
  const auto changes =
      agreements::exposure_diff({as_if_in_force(sides[0].agreement)},
                                {as_if_in_force(sides[1].agreement)}, agreements::Instant{});
  json exposure = json::array();
  for (const auto& c : changes) {
    exposure.push_back({{"change", std::string(change_name(c.kind))},
                        {"provider", c.provider},
                        {"recipient", c.recipient},
                        {"event", c.event},
                        {"field", c.field},
                        {"before", c.before},
                        {"after", c.after},
                        {"whole_route", c.whole_route}});
  }
  const auto label = [](const AgreementVersion& v) {
    return v.agreement.id + "@" + std::to_string(v.agreement.version);
  };
  const json body = {
      {"from", label(sides[0])},         {"to", label(sides[1])},
      {"exposure", std::move(exposure)}, {"summary", agreements::format_exposure_diff(changes)},
      {"from_text", sides[0].text},      {"to_text", sides[1].text}};
  respond(make_response(200, dump(body)));
}

}  // namespace

json flows_json(const FlowsSnapshot& snapshot) {
  using Key = std::tuple<std::string, std::string, std::string>;  // agreement, from, to
  struct Entry {
    std::string governance;
    std::set<std::string> events;
    std::int64_t shared = 0, refused = 0;
  };
  std::map<Key, Entry> flows;
  std::map<std::string, std::string> governance_of;  // "id@version" -> state
  for (const auto& v : snapshot.agreements) {
    const agreements::Agreement& a = v.agreement;
    const std::string label = a.id + "@" + std::to_string(a.version);
    governance_of[label] = v.governance;
    for (const auto& flow : a.flows) {
      for (const auto& to : flow.to.empty() ? a.recipients : flow.to) {
        Entry& e = flows[{label, a.provider, to}];
        e.governance = v.governance;
        e.events.insert(flow.events.begin(), flow.events.end());
      }
    }
  }
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> unmatched;
  for (const auto& c : snapshot.counts) {
    if (c.agreement == "-") {
      auto& u = unmatched[{c.sender, c.recipient}];
      u.first += c.shared;
      u.second += c.refused;
      continue;
    }
    auto [it, added] = flows.try_emplace({c.agreement, c.sender, c.recipient});
    if (added) {
      // Counted under a version the set no longer loads, or on a route its flows do not name.
      auto g = governance_of.find(c.agreement);
      it->second.governance = g == governance_of.end() ? "not_loaded" : g->second;
    }
    it->second.shared += c.shared;
    it->second.refused += c.refused;
  }
  json agencies = json::array();
  for (const auto& a : snapshot.agencies) {
    agencies.push_back({{"id", a.id}, {"name", a.name}, {"kind", a.kind}});
  }
  json flow_list = json::array();
  for (const auto& [key, e] : flows) {
    flow_list.push_back({{"agreement", std::get<0>(key)},
                         {"governance", e.governance},
                         {"from", std::get<1>(key)},
                         {"to", std::get<2>(key)},
                         {"events", e.events},
                         {"shared", e.shared},
                         {"refused", e.refused}});
  }
  json unmatched_list = json::array();
  for (const auto& [key, n] : unmatched) {
    unmatched_list.push_back(
        {{"from", key.first}, {"to", key.second}, {"shared", n.first}, {"refused", n.second}});
  }
  return {{"since", format_time_ms(snapshot.since_ms)},
          {"agencies", std::move(agencies)},
          {"flows", std::move(flow_list)},
          {"unmatched", std::move(unmatched_list)}};
}

json deliveries_json(const std::vector<RecipientDeliveries>& all) {
  json list = json::array();
  for (const auto& d : all) {
    list.push_back({{"recipient", d.recipient},
                    {"adapter", d.adapter},
                    {"queued", d.queue.queued},
                    {"leased", d.queue.leased},
                    {"dead_letters", d.queue.dead_letters},
                    {"oldest_queued_at", d.queue.oldest_pending_ms
                                             ? json(format_time_ms(*d.queue.oldest_pending_ms))
                                             : json(nullptr)},
                    {"circuit", !d.pushes        ? "none"
                                : d.circuit_open ? "open"
                                                 : "closed"},
                    {"in_flight", d.in_flight},
                    {"delivered_total", d.delivered_total},
                    {"retried_total", d.retried_total},
                    {"dead_lettered_total", d.dead_lettered_total}});
  }
  return {{"recipients", std::move(list)}};
}

bool is_console_api_path(std::string_view path) {
  if (path == kWhoamiPath || path == kFlowsPath || path == kDeliveriesPath ||
      path == kAgreementDiffPath) {
    return true;
  }
  if (!path.starts_with(kAgreementVersionPrefix)) return false;
  const std::string_view segment = path.substr(kAgreementVersionPrefix.size());
  return !segment.empty() && segment.find('/') == std::string_view::npos &&
         (segment.find('@') != std::string_view::npos ||
          segment.find("%40") != std::string_view::npos);
}

void handle_console_api_route(const server::Request& request, std::string_view path,
                              const AdminHooks& hooks, server::Respond respond) {
  if (request.http.method() != http::verb::get) {
    return respond(method_not_allowed(request.http, path, http::verb::get));
  }
  if (path == kWhoamiPath) return whoami(request, std::move(respond));
  const std::string_view target = request.http.target();
  const auto question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  if (path == kAgreementDiffPath) {
    if (!hooks.agreement_version) return respond(unavailable());
    return agreement_diff(query, hooks, std::move(respond));
  }
  if (path.starts_with(kAgreementVersionPrefix)) {
    if (!hooks.agreement_version) return respond(unavailable());
    return agreement_version(path.substr(kAgreementVersionPrefix.size()), query, hooks,
                             std::move(respond));
  }
  if (!query.empty()) {
    return respond(
        refusal("invalid_query", std::string(path) + " takes no query parameters", "target"));
  }
  if (path == kFlowsPath) {
    if (!hooks.flows) return respond(unavailable());
    return respond(make_response(200, dump(flows_json(hooks.flows()))));
  }
  if (!hooks.deliveries) return respond(unavailable());
  auto deliveries = hooks.deliveries();
  if (!deliveries.ok()) return respond(refusal(deliveries.error()));
  respond(make_response(200, dump(deliveries_json(*deliveries))));
}

}  // namespace accord::api
