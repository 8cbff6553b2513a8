// The client side of the gateway's HTTP API, without sockets: turning command-line input into
// client options and request targets, and gateway answers into lines for people or scripts.
// Used by the `accord` CLI (send, inbox, ack); pure functions, safe from any thread.
//
// Error codes: invalid_argument (bad --gateway, delivery id, number), no_credentials (no
// certificate/key/CA could be chosen), bad_response (the gateway's answer is not the JSON the
// API describes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::client {

struct GatewayAddress {
  std::string host;
  std::uint16_t port = 0;
};

// "HOST:PORT", "[IPv6]:PORT". The port is required and must be 1..65535.
// A gateway-supplied string made safe for one line of a terminal: control characters become
// '?', and text past 200 bytes is cut and ends in "...".
std::string one_line(std::string_view text);

Result<GatewayAddress> parse_gateway(std::string_view text);

// What the user passed (flags, already merged with ACCORD_* environment variables) and the
// directory holding the dev PKI. With `as_agency`, empty files default to
// <pki_dir>/agency-<id>.pem, <pki_dir>/agency-<id>.key and <pki_dir>/ca.pem.
struct CredentialFlags {
  std::string cert;
  std::string key;
  std::string ca;
  std::string as_agency;
  std::string pki_dir = "certs/out";
};

struct Credentials {
  std::string cert;
  std::string key;
  std::string ca;
};

// Every network command needs all three; the error says which flag to pass.
Result<Credentials> resolve_credentials(const CredentialFlags& flags);

// GET /v1/inbox with only the parameters given; both must be positive.
Result<std::string> inbox_target(std::optional<int> max, std::optional<int> lease_seconds);

// POST /v1/inbox/{id}/ack. Delivery ids are opaque tokens from the gateway; anything outside
// [A-Za-z0-9._-] is refused rather than escaped, so an id can never change the path.
Result<std::string> ack_target(std::string_view delivery_id);

// POST /v1/inbox/ack: acknowledges up to the gateway's inbox.max_batch copies in one request.
inline constexpr const char* kAckBatchTarget = "/v1/inbox/ack";

// The body {"delivery_ids": [...]} of a batch ack, the ids in order as the inbox gave them.
std::string ack_batch_body(const std::vector<std::string>& delivery_ids);

struct AckResult {
  std::string delivery_id;
  std::string status;        // acked | already_acked | not_found | refused
  std::string code = {};     // refused: the receipt's code (docs/receipts.md)
  std::string message = {};  // refused: why
};

// Parses a 200 answer of POST /v1/inbox/ack: one result per id, in request order.
Result<std::vector<AckResult>> parse_ack_batch(std::string_view body);

// The CLI's exit codes: 0 accepted (2xx), 2 refused by the gateway (4xx), 3 server error or
// transport failure, 1 local problem (arguments, files).
inline constexpr int kExitOk = 0;
inline constexpr int kExitLocal = 1;
inline constexpr int kExitRefused = 2;
inline constexpr int kExitFailed = 3;
int exit_code_for_status(unsigned http_status);

// One line for stderr describing a non-2xx answer: "refused (400 invalid_envelope): msg [at
// path]" from the API's {"error":{...}} body, or the status and a short excerpt otherwise.
// When the error has "details" (not_permitted), one indented line follows per recipient.
std::string error_line(unsigned http_status, std::string_view body);

struct InboxMessage {
  std::string delivery_id;
  std::string sender;
  std::string message_id;
  std::string type;
  std::string case_urn;
  std::string received_at;
  int attempts = 0;
  std::string json;  // the whole message object, compact, for --json
};

// Parses a 200 answer of GET /v1/inbox.
Result<std::vector<InboxMessage>> parse_inbox(std::string_view body);

// A fixed-width table with a header (DELIVERY SENDER TYPE CASE RECEIVED), one row per
// message; "no messages" when empty. Ends with a newline.
std::string format_inbox_table(const std::vector<InboxMessage>& messages);

// "<id> acked" / "<id> already acked" from a 200 answer of the ack endpoint.
Result<std::string> format_ack(std::string_view body);

}  // namespace accord::client
