// The connection of the commands that act as an agency on the agency listener (accord send,
// inbox, ack, status): flags, the client, one request, and how such a command ends.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "admin_connection.hpp"

namespace accord::cli {

struct ConnectionFlags {
  std::string gateway = "127.0.0.1:8443";
  std::string server_name;
  client::CredentialFlags credentials;
  double timeout_seconds = 30;
};

// --gateway, --as and the TLS options. Flags win over ACCORD_* variables, which win over the
// --as defaults.
void add_connection_options(CLI::App* cmd, ConnectionFlags& flags);

// Ends the command with this exit code (CLI11 turns the exception into the process's code).
[[noreturn]] void finish(int code);
// "accord: <message>" on stderr, exit 1 (a local problem: arguments, files).
[[noreturn]] void fail_local(const std::string& message);

// A client for the flags; bad flags or files end the command with exit 1.
std::unique_ptr<client::HttpsClient> open_client(const ConnectionFlags& flags);

// Sends one request; a transport failure ends the command with exit code 3.
client::HttpResult call(client::HttpsClient& c, const ConnectionFlags& flags,
                        boost::beast::http::verb method, const std::string& target,
                        const std::string& body = {});

}  // namespace accord::cli
