// accord decrypt: verify the gateway's signature on inbox items and open their protected
// fields with the agency's secret keys (docs/field-encryption.md). All checks live in
// accord/crypto/delivered_message.hpp; this file only reads files and prints.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/envelope/codec.hpp"
#include "cli_errors.hpp"
#include "commands.hpp"
#include "key_loading.hpp"

namespace accord::cli {
namespace {

struct DecryptFlags {
  std::vector<std::string> keys;
  std::string gateway_key;
  bool skip_signature = false;
  std::string message_file;
};

void run(const DecryptFlags& f) {
  const auto keys = load_secret_keys(f.keys);
  const std::string recipient = keys.front().pub.agency;
  std::optional<crypto::GatewayPublicKey> gateway;
  if (f.skip_signature) {
    std::cerr << "accord: WARNING: --skip-signature: the gateway signature is not checked, so "
                 "nothing proves these fields came from the gateway unaltered\n";
  } else if (!f.gateway_key.empty()) {
    gateway = load_gateway_key(f.gateway_key);
  } else {
    fail_local(
        "no gateway public key: pass --gateway-key FILE_OR_BASE64 (the gateway publishes it "
        "at GET /v1/gateway-key), or --skip-signature to open fields without proving origin");
  }

  auto text = crypto::read_text_file(f.message_file);
  if (!text) fail_local(text.error().message);
  // One item, or several as `accord inbox --json` prints them (one per line).
  std::vector<std::string> items;
  if (auto whole = text->find_first_not_of(" \t\r\n"); whole == std::string::npos) {
    fail_local(f.message_file + ": empty");
  }
  std::istringstream lines(*text);
  std::string line;
  bool multi = true;
  for (std::string l; std::getline(lines, l);) {
    if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (l.front() != '{' || l.back() != '}') multi = false;
    items.push_back(l);
  }
  if (!multi || items.size() == 1) items = {*text};  // a pretty-printed single item

  int n = 0;
  for (const auto& item : items) {
    ++n;
    const std::string where =
        f.message_file + (items.size() > 1 ? " item " + std::to_string(n) : std::string());
    auto message = crypto::parse_inbox_item(item, recipient);
    if (!message) {
      fail_local(where + ": " + message.error().message +
                 (message.error().path.empty() ? "" : " (at " + message.error().path + ")"));
    }
    auto opened = crypto::verify_and_open(*message, keys, gateway ? &*gateway : nullptr);
    if (!opened) fail_local(where + ": " + opened.error().message);
    std::cout << envelope::encode(opened->envelope) << "\n" << std::flush;
    std::cerr << where << ": "
              << (gateway ? "gateway signature verified (key " + gateway->kid + ")"
                          : std::string("SIGNATURE NOT CHECKED (--skip-signature)"))
              << "; " << opened->opened.size() << " protected field"
              << (opened->opened.size() == 1 ? "" : "s") << " opened\n";
  }
}

}  // namespace

void add_decrypt_commands(CLI::App& app) {
  auto flags = std::make_shared<DecryptFlags>();
  CLI::App* cmd = app.add_subcommand(
      "decrypt",
      "verify the gateway signature on inbox items (accord inbox --json) and print each "
      "envelope with its protected fields decrypted");
  cmd->add_option("--key", flags->keys,
                  "secret key file, or a directory of *.secret.json (repeatable: keep old keys "
                  "to read old messages)")
      ->required();
  cmd->add_option("--gateway-key", flags->gateway_key,
                  "the gateway's signing public key: file (GET /v1/gateway-key) or base64")
      ->envname("ACCORD_GATEWAY_KEY");
  cmd->add_flag("--skip-signature", flags->skip_signature,
                "open fields without verifying the gateway signature (origin not proven)");
  cmd->add_option("MESSAGE", flags->message_file, "inbox item(s) as JSON")->required();
  cmd->callback([flags] { run(*flags); });
}

}  // namespace accord::cli
