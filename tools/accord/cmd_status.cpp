// accord status ID: what became of one of your submissions, GET /v1/messages/{id}. Target and
// table live in accord/client/message_status.hpp (unit-tested); this file only does I/O.
#include <iostream>
#include <memory>
#include <string>

#include "accord/client/message_status.hpp"
#include "agency_connection.hpp"
#include "commands.hpp"

namespace accord::cli {

void add_status_command(CLI::App& app) {
  struct StatusFlags {
    ConnectionFlags connection;
    std::string message_id;
    bool json = false;
  };
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand(
      "status", "show what became of a message you sent, per recipient: GET /v1/messages/{id}");
  cmd->add_option("ID", flags->message_id, "the envelope id you sent the message with")->required();
  cmd->add_flag("--json", flags->json, "print the gateway's JSON answer instead of a table");
  add_connection_options(cmd, flags->connection);
  cmd->footer(
      "States: queued, leased, delivered (a push channel took it), acknowledged (the\n"
      "recipient acked it), dead_lettered, purged, withheld (the agreements refused it).\n"
      "Exit 0 when shown, 2 when refused (404: no message of yours has this id), 3 on a\n"
      "gateway error or no connection, 1 for a bad ID or flags.");
  cmd->callback([flags] {
    auto target = client::message_status_target(flags->message_id);
    if (!target) fail_local(target.error().message);
    auto c = open_client(flags->connection);
    const client::HttpResult r =
        call(*c, flags->connection, boost::beast::http::verb::get, *target);
    if (r.status != 200) {
      std::cerr << "accord: " << client::error_line(r.status, r.body) << "\n";
      finish(r.status / 100 == 2 ? client::kExitFailed : client::exit_code_for_status(r.status));
    }
    if (flags->json) {
      std::cout << r.body << (r.body.empty() || r.body.back() != '\n' ? "\n" : "");
      finish(client::kExitOk);
    }
    auto text = client::format_message_status(r.body);
    if (!text) {
      std::cerr << "accord: unexpected status answer: " << text.error().message << "\n";
      finish(client::kExitFailed);
    }
    std::cout << *text << std::flush;
    finish(client::kExitOk);
  });
}

}  // namespace accord::cli
