// The sender's view of one stored submission as JSON: the body of GET /v1/messages/{id}
// (docs/api.yaml, schema MessageStatus) and the `status` string a status notice carries
// (docs/receipts.md, "Status notices"). One rendering for both, so the notice says exactly what
// the endpoint would have answered at that moment.
//
// Rules (docs/api.yaml is normative):
// - `recipients` holds every copy and every withheld recipient, sorted by recipient id; for
//   one recipient its copies come first (by delivery_id), then its withheld entry.
// - A member that does not apply is absent, never null: lease_expires_at only for `leased`,
//   dead_lettered_at and dead_letter only for `dead_lettered`, delivered_at / acknowledged_at /
//   channel_ref / copy_hash / receipt only when the spool has them, receipt_required only when
//   true.
// - `complete` is true when there is at least one copy and every copy is `acknowledged`.
// - Times are RFC 3339 UTC with milliseconds; delivery ids are decimal strings.
// Pure; safe from any thread.
#pragma once

#include <string>

#include "accord/spool/spool.hpp"

namespace accord::api {

// Compact JSON, members in the order docs/api.yaml lists them. Invalid UTF-8 in a stored text
// (there should be none: ids are validated on the way in) is replaced, never thrown on.
std::string message_status_json(const spool::MessageStatus& status);

}  // namespace accord::api
