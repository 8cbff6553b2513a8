// The body of POST /v1/messages:batch (docs/api.yaml, "Batches"): many envelopes in one
// request, each submitted exactly as its own POST /v1/messages would be. The route is
// ApiHandler::submit_batch (src/batch_submit_route.cpp: it shares the single submit's rate
// limiter and counters); this is the pure part, the split of the body into its items' bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::api {

inline constexpr std::string_view kBatchSubmitPath = "/v1/messages:batch";

// Splits `{"messages": [E1, E2, ...]}` into the exact bytes of each Ei (from its '{' to its
// matching '}'), without parsing inside them: each item is judged by the single submit, so
// an item that is not a valid envelope is that item's refusal, not the batch's. The batch's
// own grammar (docs/api.yaml): optional JSON whitespace, '{', the one member "messages"
// (spelled without escapes), ':', an array of 1..max_items objects, '}', whitespace. Inside
// an item only strings (with their backslash escapes) and bracket nesting are followed, so
// a '}' in a string does not end it and a mismatched bracket is caught.
// Errors: invalid_batch (path "", "messages" or "messages[i]"), batch_too_large (more than
// max_items items; path "messages").
Result<std::vector<std::string_view>> split_batch(std::string_view body, std::size_t max_items);

}  // namespace accord::api
