// The body of POST /v1/inbox/ack (docs/api.yaml), parsed apart from the route so it can be
// table-tested and fuzzed: pure, no I/O, any thread. The route itself (inbox_routes.hpp)
// checks the content type first and acks the ids this returns.
//
// The body is {"delivery_ids": [...], "receipts"?: {"<id>": {...}, ...}}: each id a decimal
// string as GET /v1/inbox hands it out, or a JSON integer; positive; 1..max_ids of them; no
// repeats; no other key. `receipts` (docs/receipts.md §3) maps ids of delivery_ids, as
// decimal text, to signed receipts; each receipt is checked later, for its copy, by the route.
// Refusals, first one found wins: 400 invalid_json, duplicate_key (json_body.hpp);
// 400 invalid_request (not an object, unknown key, delivery_ids missing or not an array);
// 400 empty_batch; 413 too_many_ids; 400 invalid_delivery_id, duplicate_delivery_id (path
// "delivery_ids[i]" names the first bad element); 400 invalid_request for `receipts` not an
// object or a key that is not an id of delivery_ids (path "receipts.<key>").
//
// The single ack's body (POST /v1/inbox/{id}/ack): empty, {} or {"receipt": {...}}; anything
// else is 400 (invalid_json, duplicate_key, invalid_request naming the key).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
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
  std::map<std::int64_t, nlohmann::json> receipts = {};  // delivery id -> its receipt as sent
};
[[nodiscard]] AckBatchIds parse_ack_batch(std::string_view body, std::size_t max_ids);

// The single ack's body: the receipt as sent (nullopt when none), or `refused`.
struct AckBody {
  std::optional<nlohmann::json> receipt;
  std::optional<AckBatchError> refused;
};
[[nodiscard]] AckBody parse_ack_body(std::string_view body);

}  // namespace accord::api
