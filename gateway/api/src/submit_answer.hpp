// The answer to one submission, built once for POST /v1/messages and for each item of
// POST /v1/messages:batch, so a batch item's members are byte for byte the single answer's.
#pragma once

#include <string>

#include "accord/pipeline/pipeline.hpp"
#include "accord/server/http_server.hpp"

namespace accord::api {

// Content-Type application/json, parameters (charset) allowed, any case.
bool is_json_media(std::string_view content_type);

struct SubmitAnswer {
  unsigned status = 0;
  std::string body;             // the JSON object the single submit answers
  int retry_after_seconds = 0;  // > 0: the Retry-After header the single submit sends
};

// 202 accepted, 200 duplicate, or the refusal's status from the error table.
SubmitAnswer submit_answer(const pipeline::SubmitOutcome& outcome);
// 429 rate_limited, Retry-After rounded up from the limiter's wait.
SubmitAnswer rate_limited_answer(const std::string& sender, std::int64_t wait_ms);

server::HttpResponse to_response(SubmitAnswer answer);

}  // namespace accord::api
