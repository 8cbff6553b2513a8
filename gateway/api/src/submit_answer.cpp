#include "submit_answer.hpp"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "accord/core/error_codes.hpp"
#include "accord/core/time_format.hpp"
#include "responses.hpp"

namespace accord::api {
using nlohmann::json;

namespace {

std::string dump(const json& body) {
  // Replace, never throw, on any invalid UTF-8 that reached a message.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

bool is_json_media(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  auto media = content_type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media.size() == 16 && strncasecmp(media.data(), "application/json", 16) == 0;
}

SubmitAnswer submit_answer(const pipeline::SubmitOutcome& outcome) {
  if (const auto* refused = std::get_if<pipeline::Refused>(&outcome)) {
    json body = error_json(refused->error);
    if (!refused->details.empty()) {
      json details = json::array();
      for (const auto& d : refused->details) {
        json detail = {{"recipient", d.recipient}, {"code", d.code}, {"reason", d.reason}};
        if (!d.agreement.empty()) detail["agreement"] = d.agreement;
        details.push_back(std::move(detail));
      }
      body["error"]["details"] = std::move(details);
    }
    const int retry_after = error_code_info(refused->error.code).retry_after_seconds;
    return {http_status_for(refused->error.code), dump(body), retry_after > 0 ? retry_after : 0};
  }
  const auto& accepted = std::get<pipeline::Accepted>(outcome);
  json body = {{"id", accepted.message_id},
               {"status", "accepted"},
               {"recipients", accepted.recipients},
               {"received_at", format_time_ms(accepted.received_at_ms)}};
  if (accepted.duplicate) body["duplicate"] = true;
  if (!accepted.withheld.empty()) {
    json withheld = json::array();
    for (const auto& w : accepted.withheld) {
      json entry = {{"recipient", w.recipient}, {"code", w.code}, {"reason", w.reason}};
      if (!w.agreement.empty()) entry["agreement"] = w.agreement;
      withheld.push_back(std::move(entry));
    }
    body["withheld"] = std::move(withheld);
  }
  if (!accepted.notified.empty()) body["notified"] = accepted.notified;
  return {accepted.duplicate ? 200u : 202u, dump(body), 0};
}

SubmitAnswer rate_limited_answer(const std::string& sender, std::int64_t wait_ms) {
  const Error error =
      make_error("rate_limited", "agency " + sender + " is over its submission rate; retry later");
  return {http_status_for(error.code), dump(error_json(error)),
          static_cast<int>((wait_ms + 999) / 1000)};
}

server::HttpResponse to_response(SubmitAnswer answer) {
  auto response = make_response(answer.status, std::move(answer.body));
  if (answer.retry_after_seconds > 0) {
    response.set(server::http::field::retry_after, std::to_string(answer.retry_after_seconds));
  }
  return response;
}

}  // namespace accord::api
