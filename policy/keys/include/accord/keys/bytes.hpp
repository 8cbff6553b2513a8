// Small byte helpers shared by the key and signature formats: base64 (RFC 4648 with padding,
// libsodium's ORIGINAL variant), lower-case hex and the length-prefixed framing of associated
// data and signing inputs (docs/field-encryption.md §2). Pure, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::keys {

// Initialises libsodium once (thread-safe, idempotent). Every entry point that calls
// libsodium calls it; aborts if libsodium cannot initialise (no usable randomness: a broken
// host).
void ensure_sodium();

std::string to_base64(std::span<const unsigned char> bytes);

// Strict decode: padding required, no whitespace, nothing trailing. Error code "bad_base64".
Result<std::vector<unsigned char>> from_base64(std::string_view text);

// Appends a 4-byte big-endian length followed by the bytes of `part`.
void append_length_prefixed(std::string& out, std::string_view part);

// Lower-case hex of `bytes`.
std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace accord::keys
