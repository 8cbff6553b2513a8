#include "message_status_route.hpp"

#include <algorithm>
#include <string>

#include "accord/api/audit_query.hpp"
#include "accord/api/message_status_json.hpp"
#include "responses.hpp"

namespace accord::api {
namespace {

// docs/envelope.md: an envelope id is [A-Za-z0-9._:-]{1,max_id_length}, max_id_length 128.
constexpr std::size_t kMaxMessageIdLength = 128;

bool is_message_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxMessageIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
         });
}

}  // namespace

void message_status(const spool::Spool& spool, const server::Request& request,
                    std::string_view id_segment, std::int64_t now_ms, server::Respond respond) {
  const auto id = percent_decode(id_segment);
  if (!id || !is_message_id(*id)) {
    respond(refusal("invalid_message_id",
                    "the message id must be an envelope id: [A-Za-z0-9._:-]{1,128}, "
                    "percent-encoded in the path",
                    "message_id"));
    return;
  }
  auto status = spool.message_status(request.peer.id, *id, now_ms);
  if (!status.ok()) {
    respond(refusal(status.error()));
    return;
  }
  if (!status.value()) {
    // The same words whether the id was never used or another agency used it.
    respond(refusal("not_found", "no message '" + *id + "' from your agency", "message_id"));
    return;
  }
  respond(make_response(200, message_status_json(*status.value())));
}

}  // namespace accord::api
