// How `accord inbox` shows a status notice (docs/receipts.md, "Status notices"): an item of
// type accord.delivery_status from gateway.status carries no envelope, so it is not opened
// like a copy; with --decrypt its gateway signature is verified and the status printed.
#pragma once

#include <string>
#include <vector>

#include "accord/client/gateway_api.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/status_notice.hpp"

namespace accord::cli {

// One line: "status notice 17: met-1 acknowledged by every recipient" or "status notice 18:
// met-1: delivery 43 to cps.london dead-lettered".
std::string describe_status_notice(const crypto::StatusNoticeItem& notice);

// The lines printed under the inbox table for the notices among `messages` ("" if none).
std::string status_notice_lines(const std::vector<client::InboxMessage>& messages);

// --decrypt: verifies the notice's signature; the line, then the status JSON (--json: the
// item alone). An error names why it was not verified (the item is then not acked).
Result<std::string> verified_status_notice(const std::string& item_json,
                                           const crypto::GatewayPublicKey& gateway_key, bool json);

}  // namespace accord::cli
