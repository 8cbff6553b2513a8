// Every error code Accord answers with, in one table: its HTTP status, its Retry-After and
// whether the same request may succeed later unchanged (`retryable`: what an adapter or the
// file drop resubmits). Pure data, so the agency API, the admin API, the transport and the
// adapters all read the same rows. docs/errors.md is this table for people;
// tests/unit/api/error_codes_test.cpp keeps the two equal.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace accord {

// Retry-After values that are not a number of seconds.
inline constexpr int kNoRetryAfter = 0;
inline constexpr int kRetryAfterComputed = -1;  // the route computes it (the rate limiter's wait)

struct ErrorCodeInfo {
  std::string_view code;
  unsigned http_status;     // 0: never an HTTP answer (adapter protocol or file-drop report)
  int retry_after_seconds;  // > 0, kNoRetryAfter or kRetryAfterComputed
  bool retryable;           // the same request, unchanged, may succeed later
  std::string_view documented_in;

  friend constexpr bool operator==(const ErrorCodeInfo&, const ErrorCodeInfo&) = default;
};

// Sorted by code (checked below) so a lookup is a binary search.
inline constexpr std::array kErrorCodes = std::to_array<ErrorCodeInfo>({
    {"agreements_read_only", 503, kNoRetryAfter, false, "docs/operations.md"},
    {"audit_unavailable", 503, kNoRetryAfter, false, "docs/api.yaml"},
    {"bad_request", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"bad_signature", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"batch_too_large", 413, kNoRetryAfter, false, "docs/api.yaml"},
    {"compliance_unconfigured", 503, kNoRetryAfter, false, "docs/compliance.md"},
    {"corrupt", 500, kNoRetryAfter, false, "docs/storage.md"},
    {"dlq_unavailable", 503, kNoRetryAfter, false, "docs/api.yaml"},
    {"duplicate_delivery_id", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"duplicate_key", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"empty_batch", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"file_exists", 409, kNoRetryAfter, false, "docs/operations.md"},
    {"forbidden", 403, kNoRetryAfter, false, "docs/api.yaml"},
    {"headers_too_large", 431, kNoRetryAfter, false, "docs/api.yaml"},
    {"id_conflict", 409, kNoRetryAfter, false, "docs/architecture.md"},
    {"inbound_disabled", 0, kNoRetryAfter, false, "docs/adapter-protocol.md"},
    {"internal", 500, kNoRetryAfter, false, "docs/api.yaml"},
    {"invalid_agreements", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"invalid_batch", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"invalid_cell", 0, kNoRetryAfter, false, "docs/adapters.md"},
    {"invalid_delivery_id", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"invalid_json", 400, kNoRetryAfter, false, "docs/envelope.md"},
    {"invalid_message_id", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"invalid_query", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"invalid_receipt", 400, kNoRetryAfter, false, "docs/receipts.md"},
    {"invalid_request", 400, kNoRetryAfter, false, "docs/api.yaml"},
    {"invalid_utf8", 400, kNoRetryAfter, false, "docs/envelope.md"},
    {"invalid_value", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"malformed_header", 0, kNoRetryAfter, false, "docs/adapters.md"},
    {"malformed_row", 0, kNoRetryAfter, false, "docs/adapters.md"},
    {"malformed_statement", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"method_not_allowed", 405, kNoRetryAfter, false, "docs/api.yaml"},
    {"missing_column", 0, kNoRetryAfter, false, "docs/adapters.md"},
    {"missing_field", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"not_a_party", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"not_an_object", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"not_found", 404, kNoRetryAfter, false, "docs/api.yaml"},
    {"not_permitted", 422, kNoRetryAfter, false, "docs/architecture.md"},
    {"other_version", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"overloaded", 503, 1, true, "docs/storage.md"},
    {"rate_limited", 429, kRetryAfterComputed, true, "docs/api.yaml"},
    {"receipt_bad_signature", 422, kNoRetryAfter, false, "docs/receipts.md"},
    {"receipt_hash_mismatch", 422, kNoRetryAfter, false, "docs/receipts.md"},
    {"receipt_required", 422, kNoRetryAfter, false, "docs/receipts.md"},
    {"receipt_unknown_key", 422, kNoRetryAfter, false, "docs/receipts.md"},
    {"receipt_wrong_agency", 422, kNoRetryAfter, false, "docs/receipts.md"},
    {"schema_mismatch", 500, kNoRetryAfter, false, "docs/storage.md"},
    {"shutting_down", 503, 5, true, "docs/storage.md"},
    {"signatures_read_only", 503, kNoRetryAfter, false, "docs/operations.md"},
    {"signer_not_of_agency", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"storage_unavailable", 503, 5, true, "docs/storage.md"},
    {"text_changed", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"too_deep", 400, kNoRetryAfter, false, "docs/envelope.md"},
    {"too_large", 413, kNoRetryAfter, false, "docs/envelope.md"},
    {"too_many_fields", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"too_many_ids", 413, kNoRetryAfter, false, "docs/api.yaml"},
    {"unknown_agency", 403, kNoRetryAfter, false, "docs/api.yaml"},
    {"unknown_agreement", 404, kNoRetryAfter, false, "docs/operations.md"},
    {"unknown_event_type", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"unknown_key", 422, kNoRetryAfter, false, "docs/envelope.md"},
    {"unknown_signer", 422, kNoRetryAfter, false, "docs/operations.md"},
    {"unknown_version", 404, kNoRetryAfter, false, "docs/audit-format.md"},
    {"unreadable", 0, kNoRetryAfter, false, "docs/adapters.md"},
    {"unsupported_media_type", 415, kNoRetryAfter, false, "docs/api.yaml"},
    {"wrong_cell_count", 0, kNoRetryAfter, false, "docs/adapters.md"},
    {"wrong_type", 422, kNoRetryAfter, false, "docs/envelope.md"},
});

static_assert(std::ranges::is_sorted(kErrorCodes, {}, &ErrorCodeInfo::code) &&
                  std::ranges::adjacent_find(kErrorCodes, {}, &ErrorCodeInfo::code) ==
                      kErrorCodes.end(),
              "kErrorCodes must be sorted by code, each code once");

// What a code not in the table gets. 500: a code nobody classified is the gateway's fault,
// not the caller's. Not retryable: the file drop resubmits a retryable refusal until it
// succeeds, so an unknown failure marked retryable could hold a file forever.
inline constexpr ErrorCodeInfo kUnknownErrorCode{"", 500, kNoRetryAfter, false, "docs/errors.md"};

// A refusal of a JSON request body that is not an envelope (inbox ack batch, admin POSTs):
// the request's own syntax, so 400 whatever the parser's code (duplicate_key is 422 only for
// an envelope). docs/errors.md, "Two rules by route".
inline constexpr unsigned kRequestBodyRefusedStatus = 400;
// A refused agreement reload: the operator's files are at fault, whatever the loader's code,
// and what was loaded keeps serving.
inline constexpr unsigned kReloadRefusedStatus = 422;

constexpr const ErrorCodeInfo* find_error_code(std::string_view code) {
  const auto it = std::ranges::lower_bound(kErrorCodes, code, {}, &ErrorCodeInfo::code);
  return it != kErrorCodes.end() && it->code == code ? &*it : nullptr;
}

constexpr const ErrorCodeInfo& error_code_info(std::string_view code) {
  const auto* found = find_error_code(code);
  return found != nullptr ? *found : kUnknownErrorCode;
}

// The HTTP status for `code`; a row that is never an HTTP answer gets the unknown default.
constexpr unsigned http_status_for(std::string_view code) {
  const unsigned status = error_code_info(code).http_status;
  return status != 0 ? status : kUnknownErrorCode.http_status;
}

constexpr bool is_retryable(std::string_view code) {
  return error_code_info(code).retryable;
}

}  // namespace accord
