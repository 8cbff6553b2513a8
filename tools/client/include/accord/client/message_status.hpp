// `accord status ID`, without sockets: the request target for GET /v1/messages/{id} and the
// answer as a table for people (docs/api.yaml, MessageStatus). Pure; safe from any thread.
//
// Error codes: invalid_argument (ID is not an envelope id), bad_response (the answer is not
// the JSON the API describes).
#pragma once

#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::client {

// GET /v1/messages/{id}. Only an envelope id ([A-Za-z0-9._:-]{1,128}) is taken; '.' and ':'
// go percent-encoded so that an id such as ".." stays one path segment.
Result<std::string> message_status_target(std::string_view message_id);

// A 200 answer as text: a header line (id, type, case, received, complete or not) and a
// table RECIPIENT STATE DELIVERY ATTEMPTS DELIVERED ACKNOWLEDGED DETAIL, one row per entry
// of `recipients` in the answer's order, "-" where a member is absent. DETAIL joins with
// "; ": the lease expiry (leased), the dead letter (time, code: detail), the withholding
// (code: reason), the receipt's kid or "receipt required", the channel reference. Ends with
// a newline.
Result<std::string> format_message_status(std::string_view body);

}  // namespace accord::client
