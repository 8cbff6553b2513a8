#include "dlq_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include "accord/api/json_body.hpp"
#include "accord/core/time_format.hpp"
#include "decimal.hpp"
#include "responses.hpp"

namespace accord::api {
namespace {

namespace http = server::http;
using nlohmann::json;

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1'000;

// Agency ids are plain tokens; anything else is refused rather than percent-decoded, so a
// query can never name a recipient the operator did not type.
bool is_agency_id(std::string_view text) {
  return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

json dead_letter_json(const spool::DeadLetter& d) {
  return json{{"delivery_id", d.delivery_id},
              {"recipient", d.recipient},
              {"sender", d.sender},
              {"message_id", d.message_id},
              {"event_type", d.event_type},
              {"case_urn", d.case_urn},
              {"received_at", format_time_ms(d.received_at_ms)},
              {"attempts", d.attempts},
              {"dead_at", format_time_ms(d.dead_at_ms)},
              {"code", d.code},
              {"detail", d.detail}};
}

void list(std::string_view query, const AdminHooks& hooks, server::Respond respond) {
  std::string recipient;
  std::size_t limit = kDefaultLimit;
  bool seen_recipient = false, seen_limit = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (key == "recipient" && !seen_recipient) {
      seen_recipient = true;
      if (value.empty()) continue;  // recipient= : every recipient
      if (!is_agency_id(value)) {
        return respond(refusal("invalid_query", "recipient is not an agency id", "recipient"));
      }
      recipient = std::string(value);
    } else if (key == "limit" && !seen_limit) {
      seen_limit = true;
      const auto number = parse_count(value, kQueryCountDigits);
      if (!number || *number < 1 || *number > static_cast<std::int64_t>(kMaxLimit)) {
        return respond(
            refusal("invalid_query", "limit must be 1.." + std::to_string(kMaxLimit), "limit"));
      }
      limit = static_cast<std::size_t>(*number);
    } else {
      return respond(refusal("invalid_query",
                             "the query takes recipient= and limit=, each at most once",
                             std::string(key)));
    }
  }
  hooks.list_dead_letters(
      std::move(recipient), limit,
      [respond = std::move(respond)](Result<std::vector<spool::DeadLetter>> result) {
        if (!result.ok()) return respond(refusal(result.error()));
        json items = json::array();
        for (const auto& d : result.value()) items.push_back(dead_letter_json(d));
        respond(make_response(200, json{{"dead_letters", std::move(items)}}.dump(
                                       -1, ' ', false, json::error_handler_t::replace)));
      });
}

// {"recipient": "R", "delivery_id": N}; both optional, nothing else.
Result<spool::RedriveRequest> parse_retry(std::string_view body) {
  auto read = parse_json_body(body);
  if (!read.ok() && read.error().code == "duplicate_key") return read.error();
  const json doc = read.ok() ? std::move(read.value()) : json();
  if (!doc.is_object()) {
    return make_error("invalid_request",
                      "the body must be a JSON object {\"recipient\":..., \"delivery_id\":...}");
  }
  spool::RedriveRequest request;
  for (const auto& [key, value] : doc.items()) {
    if (key == "recipient") {
      if (!value.is_string() || !is_agency_id(value.get_ref<const std::string&>())) {
        return make_error("invalid_request", "recipient must be an agency id", "recipient");
      }
      request.recipient = value.get<std::string>();
    } else if (key == "delivery_id") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1) {
        return make_error("invalid_request", "delivery_id must be a positive integer",
                          "delivery_id");
      }
      request.delivery_id = value.get<std::int64_t>();
    } else {
      return make_error("invalid_request", "unknown member '" + key + "'", key);
    }
  }
  return request;
}

void retry(const server::Request& request, const AdminHooks& hooks, server::Respond respond) {
  auto parsed = parse_retry(request.http.body());
  if (!parsed.ok()) return respond(body_refusal(parsed.error()));
  spool::RedriveRequest redrive = std::move(parsed.value());
  redrive.actor = request.peer.id;
  spdlog::info("dead-letter redrive by {}: recipient '{}', delivery {}", redrive.actor,
               redrive.recipient.empty() ? "*" : redrive.recipient, redrive.delivery_id);
  // Each copy put back has its delivery.redriven record; this one names who asked, with the
  // certificate, whatever the outcome.
  audit::Event action = actor_event(audit::kind::kAdminAction, request.peer, admin_now_ms(hooks));
  action.details.emplace_back("action", "dlq.redrive");
  if (!redrive.recipient.empty()) action.details.emplace_back("recipient", redrive.recipient);
  if (redrive.delivery_id != 0) {
    action.details.emplace_back("delivery_id", std::to_string(redrive.delivery_id));
  }
  hooks.redrive(
      std::move(redrive), [hooks, action = std::move(action),
                           respond = std::move(respond)](Result<std::int64_t> result) mutable {
        if (!result.ok()) {
          action.code = result.error().code;
          return record_admin_action(
              hooks, std::move(action),
              [respond = std::move(respond), error = result.error()] { respond(refusal(error)); });
        }
        action.details.emplace_back("redriven", std::to_string(result.value()));
        record_admin_action(hooks, std::move(action),
                            [respond = std::move(respond), n = result.value()] {
                              respond(make_response(200, json{{"redriven", n}}.dump()));
                            });
      });
}

}  // namespace

void handle_dlq_route(const server::Request& request, std::string_view path,
                      const AdminHooks& hooks, server::Respond respond) {
  const auto method = request.http.method();
  const bool is_list = path == kDlqPath;
  const bool is_retry = path == kDlqRetryPath;
  if (!is_list && !is_retry) {
    return respond(refusal("not_found", "no such endpoint: " + std::string(path), "target"));
  }
  const auto wanted = is_list ? http::verb::get : http::verb::post;
  if (method != wanted) return respond(method_not_allowed(request.http, path, wanted));
  if (request.peer.role != server::PeerRole::admin) {
    return respond(refusal("forbidden", "dead letters are handled with an admin certificate"));
  }
  if (!hooks.list_dead_letters || !hooks.redrive) {
    return respond(refusal("dlq_unavailable", "this gateway has no spool hooks"));
  }
  if (is_list) {
    const std::string_view target = request.http.target();
    const auto q = target.find('?');
    list(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1), hooks,
         std::move(respond));
  } else {
    retry(request, hooks, std::move(respond));
  }
}

}  // namespace accord::api
