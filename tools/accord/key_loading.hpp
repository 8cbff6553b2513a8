// Reading an agency's secret keys and the gateway's public key for the commands that open
// protected fields (accord decrypt, accord inbox --decrypt). Failures end the command with a
// message saying what to pass instead (CLI::RuntimeError, exit 1).
#pragma once

#include <string>
#include <vector>

#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"

namespace accord::cli {

// Every secret key in the given files or directories; all must be one agency's.
std::vector<crypto::AgencySecretKey> load_secret_keys(const std::vector<std::string>& paths);

// --gateway-key: a file (the GET /v1/gateway-key document, or the bare key) or the key inline.
crypto::GatewayPublicKey load_gateway_key(const std::string& value);

}  // namespace accord::cli
