// Small byte helpers shared by the crypto formats: base64 (RFC 4648 with padding, libsodium's
// ORIGINAL variant) and the length-prefixed framing used for associated data and signing
// inputs (docs/field-encryption.md §2). They live in accord_keys (policy/keys), below the
// agreement signing keys of policy/governance too; this header names them in accord::crypto.
#pragma once

#include "accord/keys/bytes.hpp"

namespace accord::crypto {

using keys::append_length_prefixed;
using keys::ensure_sodium;
using keys::from_base64;
using keys::to_base64;
using keys::to_hex;

}  // namespace accord::crypto
