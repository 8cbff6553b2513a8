// The bytes the gateway signs for one delivered copy (docs/field-encryption.md §4.1–4.2).
//
// LP("accord-delivery-v1") || LP(sender) || LP(recipient) || LP(message_id) || LP(received_at)
// || LP(canonical envelope), where LP is a 4-byte big-endian length then the bytes,
// received_at is the RFC 3339 text the API prints (2026-11-22T09:30:00.123Z), and the
// canonical envelope is envelope::encode of the delivered copy in decoded form (an encrypted
// field counts as its 6 leaves, as a recipient decodes it).
//
// Two constructions, byte-for-byte equal for every input (tests/unit/crypto compares them):
// the reference one re-parses each encrypted object into leaves, re-sorts and re-encodes (the
// spec's literal recipe); the fast one sees that the gateway's own encrypted objects are
// already their canonical encoding, so envelope::encode of the transform's output is the
// canonical envelope, and only falls back to the reference when an object is not of that
// shape or a sibling path would sort between the object and its leaves ("phone-2" sorts
// between "phone" and "phone.accord_enc"). All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "accord/envelope/envelope.hpp"

namespace accord::crypto {

inline constexpr std::string_view kDeliveryDomain = "accord-delivery-v1";
inline constexpr std::string_view kStatusNoticeDomain = "accord-status-v1";

struct DeliveryInfo {
  std::string sender;
  std::string recipient;
  std::string message_id;
  std::string received_at;  // exactly as the inbox item prints it
};

// The signing input of one delivered copy. `delivered` may hold encrypted fields as whole
// objects (the transform's output) or as leaves (decode_delivered of the delivered JSON): the
// result is the same, and equals what a recipient computes. Uses the fast construction.
std::string delivery_signing_input(const DeliveryInfo& info, const envelope::Envelope& delivered);

// The literal §4.2 construction (flatten every object-valued field with a JSON parser, sort,
// encode). Kept as the fast path's fallback and as the oracle its tests compare against.
std::string delivery_signing_input_reference(const DeliveryInfo& info,
                                             const envelope::Envelope& delivered);

// True when envelope::encode(delivered) already is the canonical envelope of §4.2, i.e. when
// the fast construction applies: data strictly sorted, every object-valued field a flat
// object with plain, dot-free, sorted keys and plain-string / integer / literal values, and
// no path P<c>... with c <= '.' next to an object field P. False means "use the reference".
bool encoding_is_canonical(const envelope::Envelope& delivered);

// The bytes the gateway signs for a status notice (docs/receipts.md, "Status notices"):
// LP("accord-status-v1") || LP(recipient) || LP(message_id) || LP(received_at) || LP(status),
// the notice copy's delivered-item members and the "status" string's UTF-8 bytes.
std::string status_notice_signing_input(const DeliveryInfo& info, std::string_view status);

// What the gateway stores and signs for one copy, from one encoding of it.
struct DeliveryEncoding {
  std::string envelope_json;  // envelope::encode(delivered): the copy as stored and delivered
  std::string signing_input;  // delivery_signing_input(info, delivered)
};

// One envelope::encode serves both the stored copy and (unless the fallback is needed) the
// signed canonical envelope: the pipeline's per-copy path.
DeliveryEncoding encode_for_delivery(const DeliveryInfo& info, const envelope::Envelope& delivered);

}  // namespace accord::crypto
