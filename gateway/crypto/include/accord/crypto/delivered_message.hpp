// One delivered item as `GET /v1/inbox` / `accord inbox --json` prints it, and as every push
// adapter delivers it (webhook body, file-drop file, ZeroMQ DELIVER document): self-contained,
// so the recipient can rebuild the signed bytes from the item alone. And the recipient's whole
// check of it: verify the gateway signature, then open every protected field. Shared by the
// inbox route, the delivery worker, `accord decrypt` and `accord inbox --decrypt`.
//
// Item: {"delivery_id","sender","recipient"?,"message_id","type","case_urn","received_at",
//        "attempts","lease_expires_at","envelope":{...},"signature":{"alg","kid","sig"}?}
// Error codes: bad_message (not JSON, a member missing or mistyped, message_id differs from
// the envelope's id, recipient differs from the keys' agency), unsigned (no signature and
// verification asked for), the codec's codes for the envelope, and those of verify_delivery
// and open_fields.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/signature.hpp"

namespace accord::crypto {

struct DeliveredMessage {
  DeliveryInfo info;
  envelope::Envelope envelope;  // decoded (decode_delivered)
  std::optional<DeliverySignature> signature;
};

// The members of a delivered item around the stored document.
struct DeliveryHeader {
  std::int64_t delivery_id = 0;
  std::string sender;
  std::string recipient;
  std::string message_id;
  std::string type;
  std::string case_urn;
  std::int64_t received_at_ms = 0;  // printed as the signed received_at (format_time_ms)
  int attempts = 0;
  std::int64_t lease_expires_at_ms = 0;
};

// The delivered item: `header`'s members followed by those of `document`, the stored
// {"envelope":...,"signature":...} object (spliced in as written, never re-parsed, so the
// envelope's text is delivered byte for byte). Member order: the header's by name, then the
// document's. The one builder of the item for the mailbox and every push adapter.
std::string delivered_item(const DeliveryHeader& header, std::string_view document);

// Parses an inbox item. When it has no "recipient" member, `default_recipient` (the agency of
// the recipient's keys) is used; when it has one, it must equal a non-empty default.
Result<DeliveredMessage> parse_inbox_item(std::string_view json,
                                          std::string_view default_recipient);

// The inbox item for a delivered copy as the gateway builds it (tests, tools, the API).
std::string make_inbox_item(const DeliveryInfo& info, std::string_view delivery_id,
                            const envelope::Envelope& delivered,
                            const DeliverySignature& signature);

// Verifies the signature with `gateway_key` (skipped when nullptr: the caller says so loudly,
// since without it a forged field cannot be told from a real one), then opens the fields.
Result<OpenedEnvelope> verify_and_open(const DeliveredMessage& message,
                                       std::span<const AgencySecretKey> keys,
                                       const GatewayPublicKey* gateway_key);

}  // namespace accord::crypto
