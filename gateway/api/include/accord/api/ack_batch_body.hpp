// The body of POST /v1/inbox/ack (docs/api.yaml), parsed apart from the route so it can be
// table-tested and fuzzed: pure, no I/O, any thread. The route itself (inbox_routes.hpp)
// checks the content type first and acks the ids this returns.
//
// The body is {"delivery_ids": [...]}: each id a decimal string as GET /v1/inbox hands it
// out, or a JSON integer; positive; 1..max_ids of them; no repeats; no other key.
// Refusals, first one found wins: 400 invalid_json, duplicate_key (json_body.hpp);
// 400 invalid_request (not an object, unknown key, delivery_ids missing or not an array);
// 400 empty_batch; 413 too_many_ids; 400 invalid_delivery_id, duplicate_delivery_id (path
// "delivery_ids[i]" names the first bad element).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::api {

// A refusal, with the HTTP status it is answered with.
struct AckBatchError {
  unsigned status = 400;
  Error error;
};
// The ids in request order, or `refused` (then `ids` is empty).
struct AckBatchIds {
  std::vector<std::int64_t> ids;
  std::optional<AckBatchError> refused;
};
[[nodiscard]] AckBatchIds parse_ack_batch(std::string_view body, std::size_t max_ids);

}  // namespace accord::api
