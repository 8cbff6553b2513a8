// POST /v1/messages:batch from the client side (docs/api.yaml, "Batches"): the body built
// from envelopes' exact bytes, the per-item results parsed, and the call itself.
//
// Error codes: invalid_argument (no envelopes), bad_response (the 200 answer is not one
// result per item, in order), and the HttpsClient's transport codes. A whole batch answered
// with another status is not an error: BatchAnswer::refused carries it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accord/client/https_client.hpp"
#include "accord/core/result.hpp"

namespace accord::client {

inline constexpr const char* kBatchSubmitTarget = "/v1/messages:batch";

// {"messages":[E1,E2,...]}: each envelope's bytes as given, so its content hash (and so its
// dedup) is the one a single submit of the same bytes has.
std::string batch_body(const std::vector<std::string>& envelopes);

struct BatchItemResult {
  std::size_t index = 0;
  unsigned http_status = 0;  // what a single submit of the item would have answered
  std::string id;            // accepted or duplicate
  bool duplicate = false;
  std::string code;     // refused: error.code
  std::string message;  // refused: error.message
  std::string json;     // the whole result object, compact
};

// Whether `text`, without surrounding JSON whitespace, is one object as the batch body's
// grammar finds items (its strings and {}/[] nesting close in step, nothing after it): such
// a text can be an item of a batch without breaking the batch; what is inside is the
// gateway's to judge. `accord import` sends any other line alone, as a single submit.
bool frames_as_object(std::string_view text);

// Parses a 200 answer: exactly `expected` results, index i at position i.
Result<std::vector<BatchItemResult>> parse_batch_results(std::string_view body,
                                                         std::size_t expected);

// The whole batch refused (415 / 400 invalid_batch / 413 batch_too_large / ...).
struct BatchRefused {
  unsigned status = 0;
  std::string body;
};

struct BatchAnswer {
  std::vector<BatchItemResult> results;  // empty when refused
  BatchRefused refused;                  // status 0 when the batch was answered 200
};

// Sends one batch on `client`'s connection. A non-200 answer is a BatchAnswer with
// `refused` set; only transport failures and malformed 200 answers are errors.
Result<BatchAnswer> submit_batch(HttpsClient& client, const std::vector<std::string>& envelopes);

}  // namespace accord::client
