#include "key_loading.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_errors.hpp"

namespace accord::cli {
namespace {}  // namespace

std::vector<crypto::AgencySecretKey> load_secret_keys(const std::vector<std::string>& paths) {
  std::vector<crypto::AgencySecretKey> keys;
  for (const auto& path : paths) {
    auto loaded = crypto::read_secret_keys(path);
    if (!loaded) fail_local(loaded.error().message);
    for (auto& k : *loaded) keys.push_back(std::move(k));
  }
  if (keys.empty()) fail_local("no secret key found in the given --key/--decrypt paths");
  const std::string& agency = keys.front().pub.agency;
  for (const auto& k : keys) {
    if (k.pub.agency != agency) {
      fail_local("keys of two agencies given (" + agency + ", " + k.pub.agency + ")");
    }
  }
  return keys;
}

crypto::GatewayPublicKey load_gateway_key(const std::string& value) {
  std::ifstream in(value, std::ios::binary);
  std::string text = value;
  if (in) {
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  auto key = crypto::parse_gateway_public_key(text);
  if (!key) fail_local("--gateway-key: " + key.error().message);
  return *key;
}

}  // namespace accord::cli
