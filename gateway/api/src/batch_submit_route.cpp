// POST /v1/messages:batch: the body split (accord/api/batch_body.hpp), then each item as a
// single submit; the answer once the last item has its own.
#include <atomic>
#include <memory>
#include <mutex>

#include "accord/api/api_handler.hpp"
#include "accord/api/batch_body.hpp"
#include "responses.hpp"
#include "submit_answer.hpp"

namespace accord::api {
// Every item's answer lands in its slot; the last one to land answers the request.
struct ApiHandler::BatchState {
  explicit BatchState(std::size_t n, server::Respond r)
      : answers(n), remaining(n), respond(std::move(r)) {}

  void land(std::size_t index, SubmitAnswer answer) {
    answers[index] = std::move(answer);
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) finish();
  }

  // {"results":[{"index":i,"http_status":S,<the single answer's members>},...]}: the
  // single answer's object is spliced in after its '{', so its members keep their bytes.
  void finish() {
    std::string body = "{\"results\":[";
    for (std::size_t i = 0; i < answers.size(); ++i) {
      const auto& answer = answers[i];
      if (i > 0) body += ',';
      body +=
          "{\"index\":" + std::to_string(i) + ",\"http_status\":" + std::to_string(answer.status);
      const std::string_view members = std::string_view(answer.body).substr(1);
      if (members != "}") body += ',';
      body += members;
    }
    body += "]}";
    respond(make_response(200, std::move(body)));
  }

  std::vector<SubmitAnswer> answers;
  std::atomic<std::size_t> remaining;
  server::Respond respond;
};

void ApiHandler::submit_batch(server::Request& request, server::Respond respond) {
  const std::string& sender = request.peer.id;
  if (!is_json_media(request.http[server::http::field::content_type])) {
    respond(refusal("unsupported_media_type", "send the batch as Content-Type: application/json",
                    "content-type"));
    return;
  }
  auto items = split_batch(request.http.body(), options_.max_batch_items);
  if (!items.ok()) {
    respond(refusal(items.error()));  // invalid_batch 400, batch_too_large 413
    return;
  }
  const std::int64_t now = clock_();
  auto state = std::make_shared<BatchState>(items->size(), std::move(respond));
  // In array order, each exactly as its own POST /v1/messages: one rate token, the same
  // pipeline call, the same counters. The request body outlives the loop, and the pipeline
  // reads an item's bytes before submit() returns.
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (const auto wait_ms = limiter_.acquire(sender, now); wait_ms > 0) {
      auto answer = rate_limited_answer(sender, wait_ms);
      count_submission(pipeline::Refused{make_error("rate_limited", "", ""), {}});
      state->land(i, std::move(answer));
      continue;
    }
    pipeline_.submit(sender, (*items)[i], now, [state, i, this](pipeline::SubmitOutcome outcome) {
      count_submission(outcome);
      state->land(i, submit_answer(outcome));
    });
  }
}

}  // namespace accord::api
