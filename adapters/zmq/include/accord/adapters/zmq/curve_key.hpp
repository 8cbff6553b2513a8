// CURVE (Curve25519) keys in the Z85 text form libzmq, pyzmq and JeroMQ all read.
// A key file holds the 40-character Z85 secret key on one line; the public key is derived.
#pragma once

#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/env/env.hpp"

namespace accord::adapters {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters; safe to print and log
  std::string secret_key;  // Z85, 40 characters; never logged
};

// True when `text` is 40 characters of the Z85 alphabet that decode to 32 bytes.
bool is_z85_key(std::string_view text);

// Loads the secret key at `path`, or creates it (mode 0600, parent directories 0700) with a
// fresh key pair when the file does not exist (written exclusively and fsynced through `env`).
// Errors: io (cannot read/write), insecure_key (the file is readable by group or others),
// invalid_key (not one Z85 key).
Result<CurveKeyPair> load_or_create_secret_key(const std::string& path,
                                               env::Env& env = env::system_env());

// Reads a file holding one Z85 public key (surrounding whitespace ignored).
// Errors: io, invalid_key.
Result<std::string> read_public_key_file(const std::string& path);

}  // namespace accord::adapters
