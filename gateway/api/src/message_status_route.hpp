// GET /v1/messages/{id}: what became of the caller's own submission (docs/api.yaml).
//
// `{id}` is one path segment, percent-decoded, that must be an envelope id
// ([A-Za-z0-9._:-]{1,128}, docs/envelope.md), else 400 invalid_message_id. The submission is
// looked up under (caller, id): a message another agency sent under the same id is simply not
// the caller's, so it answers 404 not_found with exactly the body an id never used gets (no
// existence leak). A spool read failure answers as the error table says (503 storage_unavailable).
// Reads through the spool's reader connection on the caller's thread, like queue_health.
#pragma once

#include <cstdint>
#include <string_view>

#include "accord/server/http_server.hpp"
#include "accord/spool/spool.hpp"

namespace accord::api {

// `id_segment` is the raw path text after "/v1/messages/"; answers for request.peer.
void message_status(const spool::Spool& spool, const server::Request& request,
                    std::string_view id_segment, std::int64_t now_ms, server::Respond respond);

}  // namespace accord::api
