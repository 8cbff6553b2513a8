// Reading the JSON bodies of the HTTP API (batch ack, admin bodies). nlohmann's parser keeps
// the last of a key given twice, so {"delivery_ids":[1],"delivery_ids":[2]} would quietly
// mean something the sender may not have meant; every body the gateway reads goes through
// parse_json_body instead, which refuses it. (Envelopes have their own decoder, which refuses
// duplicate keys the same way: docs/envelope.md.)
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::api {

// The body as JSON, or an Error:
//   invalid_json   not JSON (syntax, bad UTF-8, empty); path ""
//   duplicate_key  one object has the same key twice; path names it from the root
//                  ("delivery_ids", "a.b[2].c"): the first repeat in document order
// Pure; safe from any thread.
[[nodiscard]] Result<nlohmann::json> parse_json_body(std::string_view body);

// True for "application/json", any case, with or without parameters ("; charset=utf-8").
[[nodiscard]] bool is_json_media_type(std::string_view content_type);

}  // namespace accord::api
