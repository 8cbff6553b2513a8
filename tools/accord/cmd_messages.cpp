// accord send / inbox / ack: a thin layer over accord_client. Parsing, formatting and the exit
// code policy live in accord/client/gateway_api.hpp (unit-tested); this file only does I/O.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "accord/envelope/codec.hpp"
#include "agency_connection.hpp"
#include "commands.hpp"
#include "key_loading.hpp"
#include "receipt_signing.hpp"
#include "status_notice_output.hpp"

namespace accord::cli {
namespace {

using client::HttpResult;
using client::HttpsClient;
using http_verb = boost::beast::http::verb;

std::string read_input(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_local("cannot read '" + file + "': no such file or not readable");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void add_send(CLI::App& app) {
  auto flags = std::make_shared<ConnectionFlags>();
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "send", "submit a case update (envelope JSON) to the gateway: POST /v1/messages");
  cmd->add_option("FILE", *file, "envelope JSON file, or - for standard input")->required();
  add_connection_options(cmd, *flags);
  cmd->footer(
      "Prints the gateway's JSON answer. Exit 0 when accepted (also for a duplicate), 2 when\n"
      "refused (the reason is printed to stderr), 3 on a gateway error or no connection.");
  cmd->callback([flags, file] {
    const std::string body = read_input(*file);
    auto c = open_client(*flags);
    const HttpResult r = call(*c, *flags, http_verb::post, "/v1/messages", body);
    const int code = client::exit_code_for_status(r.status);
    if (code == client::kExitOk) {
      std::cout << r.body << (r.body.empty() || r.body.back() != '\n' ? "\n" : "");
    } else {
      std::cerr << "accord: " << client::error_line(r.status, r.body) << "\n";
    }
    finish(code);
  });
}

void add_inbox(CLI::App& app) {
  struct InboxFlags {
    ConnectionFlags connection;
    int max = 0;
    int lease_seconds = 0;
    bool ack = false;
    bool json = false;
    std::vector<std::string> decrypt_keys;
    std::string gateway_key;
    std::string receipt_key;
  };
  auto flags = std::make_shared<InboxFlags>();
  CLI::App* cmd =
      app.add_subcommand("inbox", "fetch (lease) messages waiting for your agency: GET /v1/inbox");
  CLI::Option* max = cmd->add_option("--max", flags->max, "at most this many messages");
  CLI::Option* lease = cmd->add_option(
      "--lease-seconds", flags->lease_seconds,
      "hide the fetched messages from other readers this long; unacked ones come back");
  cmd->add_flag("--ack", flags->ack, "acknowledge each message after printing it");
  cmd->add_flag("--json", flags->json, "one JSON object per line instead of a table");
  cmd->add_option("--decrypt", flags->decrypt_keys,
                  "verify each message's gateway signature and print it with its protected "
                  "fields opened, using these secret key files or directories (repeatable); a "
                  "message that fails is reported and never acked");
  cmd->add_option("--gateway-key", flags->gateway_key,
                  "with --decrypt: the gateway's signing key (file or base64); default: fetched "
                  "from GET /v1/gateway-key over this verified TLS connection")
      ->envname("ACCORD_GATEWAY_KEY");
  cmd->add_option("--receipt-key", flags->receipt_key,
                  "with --ack: sign a receipt for every message acked with this "
                  "*.sign.secret.json and send it with the ack (docs/receipts.md)");
  add_connection_options(cmd, flags->connection);
  cmd->callback([flags, max, lease] {
    std::optional<governance::SigningSecret> receipt_key;
    if (!flags->receipt_key.empty()) {
      if (!flags->ack) fail_local("--receipt-key signs the receipts of --ack; add --ack");
      auto loaded = load_receipt_key(flags->receipt_key);
      if (!loaded) fail_local(loaded.error().code + ": " + loaded.error().message);
      receipt_key = std::move(*loaded);
    }
    auto target = client::inbox_target(
        max->count() > 0 ? std::optional<int>(flags->max) : std::nullopt,
        lease->count() > 0 ? std::optional<int>(flags->lease_seconds) : std::nullopt);
    if (!target) fail_local(target.error().message);
    auto c = open_client(flags->connection);
    const HttpResult r = call(*c, flags->connection, http_verb::get, *target);
    if (r.status != 200) {
      std::cerr << "accord: " << client::error_line(r.status, r.body) << "\n";
      finish(r.status / 100 == 2 ? client::kExitFailed : client::exit_code_for_status(r.status));
    }
    auto messages = client::parse_inbox(r.body);
    if (!messages) {
      std::cerr << "accord: unexpected inbox answer: " << messages.error().message << "\n";
      finish(client::kExitFailed);
    }
    const bool decrypt = !flags->decrypt_keys.empty();
    std::vector<crypto::AgencySecretKey> keys;
    crypto::GatewayPublicKey gateway_key;
    if (decrypt) {
      keys = load_secret_keys(flags->decrypt_keys);
      if (!flags->gateway_key.empty()) {
        gateway_key = load_gateway_key(flags->gateway_key);
      } else {
        // The server certificate was verified, so this answer is the gateway's own.
        const HttpResult k = call(*c, flags->connection, http_verb::get, "/v1/gateway-key");
        auto parsed = crypto::parse_gateway_public_key(k.body);
        if (k.status != 200 || !parsed) {
          std::cerr << "accord: cannot fetch the gateway key: "
                    << client::error_line(k.status, k.body) << "\n";
          finish(client::kExitFailed);
        }
        gateway_key = *parsed;
      }
    }
    if (!flags->json && !decrypt) {
      std::cout << client::format_inbox_table(*messages) << status_notice_lines(*messages)
                << std::flush;
    }
    int code = client::kExitOk;
    for (const auto& m : *messages) {
      if (decrypt && m.type == crypto::kStatusNoticeType) {
        // A notice has no envelope to open: its signature is checked, its status printed.
        auto shown = verified_status_notice(m.json, gateway_key, flags->json);
        if (!shown) {
          std::cerr << "accord: status notice " << m.delivery_id
                    << " NOT verified: " << shown.error().message << "\n";
          code = client::kExitFailed;
          continue;
        }
        std::cout << *shown << std::flush;
      } else if (decrypt) {
        auto item = crypto::parse_inbox_item(m.json, keys.front().pub.agency);
        auto opened = item ? crypto::verify_and_open(*item, keys, &gateway_key)
                           : Result<crypto::OpenedEnvelope>(item.error());
        if (!opened) {
          // Not acked: it stays in the mailbox for a fixed key file or an investigation.
          std::cerr << "accord: delivery " << m.delivery_id
                    << " NOT opened: " << opened.error().message << "\n";
          code = client::kExitFailed;
          continue;
        }
        std::cout << (flags->json
                          ? ""
                          : "delivery " + m.delivery_id + " from " + m.sender +
                                " (signature verified, " + std::to_string(opened->opened.size()) +
                                " protected fields opened):\n")
                  << envelope::encode(opened->envelope) << "\n"
                  << std::flush;
      } else if (flags->json) {
        std::cout << m.json << "\n" << std::flush;
      }
      if (!flags->ack) continue;
      // Printed and flushed before it is acked: an interruption in between means the message
      // comes back and is printed again, never that it is acked unseen.
      auto ack = client::ack_target(m.delivery_id);
      if (!ack) {
        std::cerr << "accord: " << ack.error().message << "\n";
        code = client::kExitFailed;
        continue;
      }
      std::string body;
      if (receipt_key) {
        auto receipt = receipt_for_item(m.json, *receipt_key);
        if (!receipt) {
          // Not acked: a copy the key cannot sign a receipt for stays in the mailbox.
          std::cerr << "accord: delivery " << m.delivery_id
                    << " NOT acked: no receipt: " << receipt.error().message << "\n";
          code = client::kExitFailed;
          continue;
        }
        body = "{\"receipt\":" + *receipt + "}";
      }
      const HttpResult a = call(*c, flags->connection, http_verb::post, *ack, body);
      if (a.status == 200) {
        auto line = client::format_ack(a.body);
        std::cerr << (line ? *line : m.delivery_id + " acked") << "\n";
      } else {
        std::cerr << "accord: ack " << m.delivery_id << ": " << client::error_line(a.status, a.body)
                  << "\n";
        code = std::max(code, client::exit_code_for_status(a.status));
      }
    }
    finish(code);
  });
}

void add_ack(CLI::App& app) {
  auto flags = std::make_shared<ConnectionFlags>();
  auto ids = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("ack",
                                     "acknowledge delivered messages so they are not redelivered: "
                                     "POST /v1/inbox/{id}/ack");
  cmd->add_option("DELIVERY_ID", *ids, "delivery ids as printed by `accord inbox`")->required();
  add_connection_options(cmd, *flags);
  cmd->callback([flags, ids] {
    std::vector<std::string> targets;
    for (const auto& id : *ids) {
      auto t = client::ack_target(id);
      if (!t) fail_local(t.error().message);
      targets.push_back(*t);
    }
    auto c = open_client(*flags);
    int code = client::kExitOk;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const HttpResult r = call(*c, *flags, http_verb::post, targets[i]);
      if (r.status == 200) {
        auto line = client::format_ack(r.body);
        if (line) {
          std::cout << *line << "\n";
          continue;
        }
        std::cerr << "accord: ack " << (*ids)[i] << ": " << line.error().message << "\n";
        code = std::max(code, client::kExitFailed);
        continue;
      }
      std::cerr << "accord: ack " << (*ids)[i] << ": " << client::error_line(r.status, r.body)
                << "\n";
      code = std::max(code, client::exit_code_for_status(r.status));
    }
    finish(code);
  });
}

}  // namespace

void add_message_commands(CLI::App& app) {
  add_send(app);
  add_inbox(app);
  add_ack(app);
}

}  // namespace accord::cli
