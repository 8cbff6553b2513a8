// accord receipt sign --key SIGN.secret.json ITEM.json: prints the signed receipt a recipient
// sends with its ack (docs/receipts.md). Offline: no gateway is contacted.
#include <sodium.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "accord/client/gateway_api.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/key_dir.hpp"
#include "accord/receipts/receipt.hpp"
#include "commands.hpp"
#include "receipt_signing.hpp"

namespace accord::cli {

Result<governance::SigningSecret> load_receipt_key(const std::string& path) {
  auto text = crypto::read_private_file(path);
  if (!text) return text.error();
  auto secret = governance::parse_secret_key(*text, path);
  sodium_memzero(text->data(), text->size());
  return secret;
}

Result<std::string> receipt_for_item(std::string_view item,
                                     const governance::SigningSecret& secret) {
  auto message = crypto::parse_inbox_item(item, secret.key.agency);
  if (!message) return message.error();
  const auto& info = message->info;
  const std::string hash =
      receipts::copy_hash(crypto::delivery_signing_input(info, message->envelope));
  return receipts::to_json(
      receipts::sign({info.recipient, info.sender, info.message_id, hash}, secret));
}

namespace {

void add_receipt_sign(CLI::App& group) {
  struct Flags {
    std::string key;
    std::string item;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = group.add_subcommand(
      "sign", "print the signed receipt for one delivered item (send it with the ack)");
  cmd->add_option("--key", flags->key, "the recipient agency's *.sign.secret.json")->required();
  cmd->add_option("ITEM", flags->item,
                  "one delivered item as `accord inbox --json` prints it or a push adapter "
                  "delivers it, or - for standard input")
      ->required();
  cmd->footer(
      "Prints {\"alg\",\"kid\",\"copy_hash\",\"sig\"}: POST it as {\"receipt\": ...} to\n"
      "/v1/inbox/{delivery_id}/ack. Exit 0 on success, 1 when a file cannot be read or the item\n"
      "is not one addressed to the key's agency.");
  cmd->callback([flags] {
    auto secret = load_receipt_key(flags->key);
    if (!secret) {
      std::cerr << "accord receipt sign: " << secret.error().code << ": " << secret.error().message
                << "\n";
      throw CLI::RuntimeError(client::kExitLocal);
    }
    std::string text;
    if (flags->item == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(flags->item, std::ios::binary);
      if (!in) {
        std::cerr << "accord receipt sign: cannot read '" << flags->item << "'\n";
        throw CLI::RuntimeError(client::kExitLocal);
      }
      std::ostringstream s;
      s << in.rdbuf();
      text = s.str();
    }
    auto receipt = receipt_for_item(text, *secret);
    if (!receipt) {
      std::cerr << "accord receipt sign: " << receipt.error().code << ": "
                << receipt.error().message << "\n";
      throw CLI::RuntimeError(client::kExitLocal);
    }
    std::cout << *receipt << "\n";
  });
}

}  // namespace

void add_receipt_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("receipt", "signed delivery receipts (docs/receipts.md)");
  group->require_subcommand(1);
  add_receipt_sign(*group);
}

}  // namespace accord::cli
