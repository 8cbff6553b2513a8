// A status notice (docs/receipts.md, "Status notices"): the document the gateway delivers to
// a sender with status_callbacks on when every copy of its submission is acknowledged, or a
// copy is dead-lettered. Stored as the notice copy's payload and spliced into the delivered
// item like any document, so the item is
//   {"delivery_id","sender":"gateway.status","recipient","message_id":"status-<n>",
//    "type":"accord.delivery_status","case_urn","received_at","attempts","lease_expires_at",
//    "status":"<GET /v1/messages/{id} JSON, as a string>",
//    "notice":{"outcome","recipient"?,"delivery_id"?},"signature":{"alg","kid","sig"}}
// signed over the item's recipient, message_id, received_at and the status string
// (status_notice_signing_input). Pure and thread-safe.
//
// Error codes (parse_status_notice): bad_message (not JSON, a member missing or mistyped,
// the wrong sender or type), and verify_status_notice's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"

namespace accord::crypto {

inline constexpr std::string_view kStatusNoticeSender = "gateway.status";
inline constexpr std::string_view kStatusNoticeType = "accord.delivery_status";
inline constexpr std::string_view kNoticeAcknowledged = "acknowledged";
inline constexpr std::string_view kNoticeDeadLettered = "dead_lettered";

// What a notice says happened.
struct NoticeFacts {
  std::string outcome;           // acknowledged | dead_lettered
  std::string recipient;         // dead_lettered: the copy's recipient; "" otherwise
  std::int64_t delivery_id = 0;  // dead_lettered: the copy's delivery id; 0 otherwise
};

// The notice copy's message id: "status-<notice_id>".
std::string status_notice_message_id(std::int64_t notice_id);

// The stored document {"status":..,"notice":{..},"signature":{..}} (minified, in that order).
// `signature` is the gateway's over (info, status).
std::string status_notice_document(std::string_view status, const NoticeFacts& notice,
                                   const DeliverySignature& signature);

// A delivered notice item, as parse_status_notice reads it.
struct StatusNoticeItem {
  DeliveryInfo info;  // sender gateway.status; the signed recipient, message_id, received_at
  std::string delivery_id;
  std::string case_urn;
  std::string status;  // the signed JSON text
  NoticeFacts notice;
  DeliverySignature signature;
};

// True when the item's type is accord.delivery_status (a cheap look; parse to trust it).
bool is_status_notice_item(std::string_view item_json);

// Parses a delivered notice item (see above); does not verify.
Result<StatusNoticeItem> parse_status_notice(std::string_view item_json);

// Verifies the item's signature with the gateway key.
Status verify_status_notice(const StatusNoticeItem& item, const GatewayPublicKey& key);

}  // namespace accord::crypto
