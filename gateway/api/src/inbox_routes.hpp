// POST /v1/inbox/ack: acknowledge many leased copies in one request (docs/api.yaml).
//
// The body is {"delivery_ids": [...]}, each id as GET /v1/inbox hands it out (a decimal
// string; a JSON integer is taken too), 1..max_ids of them, no repeats. Each id goes to
// Spool::ack as the single-ack route does, all at once, so the spool's writer commits them
// together; the one answer is sent after every ack is durable and lists, in request order,
// what happened to each id: acked | already_acked | not_found | refused (its receipt, or a
// missing required one: {"delivery_id","status":"refused","code","message"}, nothing changed
// for that copy, docs/receipts.md). A copy that is not the
// caller's is not_found, exactly like one that does not exist, and is never touched.
//
// Refusals (nothing acked): 415 unsupported_media_type; 400 invalid_json, invalid_request
// (not an object, unknown key, no delivery_ids array), invalid_delivery_id, empty_batch,
// duplicate_delivery_id; 413 too_many_ids. A spool failure on any id (storage_unavailable,
// overloaded, shutting_down) answers 503 with Retry-After for the whole batch: acks are
// idempotent, so the client resends the same batch and the ids already done come back
// already_acked. A body with a key given twice is 400 duplicate_key (json_body.hpp).
// Thread-safe: the spool's handlers may complete on several threads; the last one responds.
#pragma once

#include <prometheus/counter.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "accord/api/ack_batch_body.hpp"
#include "accord/core/result.hpp"
#include "accord/governance/signing.hpp"
#include "accord/server/http_server.hpp"
#include "accord/spool/spool.hpp"

namespace accord::api {

// Acks as request.peer (the verified agency); `acked` counts fresh acks (and must outlive
// the spool's handlers, as the handler's counters do).
// `signers` (null: none registered) verifies the receipts (docs/receipts.md).
void ack_batch(spool::Spool& spool, const governance::SignerRegistry* signers,
               const server::Request& request, std::int64_t now_ms, std::size_t max_ids,
               prometheus::Counter& acked, server::Respond respond);

}  // namespace accord::api
