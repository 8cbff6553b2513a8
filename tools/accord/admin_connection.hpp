// The connection options of the commands that talk to the admin listener (accord audit, accord
// dlq): those of `accord send`, pointed at the admin listener, with the person's certificate.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "accord/core/result.hpp"

namespace accord::cli {

struct AdminConnectionFlags {
  std::string gateway = "127.0.0.1:8444";
  std::string server_name;
  client::CredentialFlags credentials;
  double timeout_seconds = 30;
};

// --cert, --key, --ca, --server-name and --timeout, shared by every network command; `role`
// names the certificate in the help text ("client", "admin", "auditor").
void add_tls_options(CLI::App* cmd, client::CredentialFlags& credentials, std::string& server_name,
                     double& timeout_seconds, std::string_view role);

// `role` names the certificate in the help text ("admin", "auditor").
void add_admin_connection_options(CLI::App* cmd, AdminConnectionFlags& flags,
                                  std::string_view role);

// A query-string value: RFC 3986 unreserved characters stay, every other byte is
// percent-encoded (what the admin routes' query parser decodes).
std::string encode_component(std::string_view value);

// A client for the flags; Error (code as the client library's) on bad flags or files.
Result<std::unique_ptr<client::HttpsClient>> admin_client(const AdminConnectionFlags& flags);

}  // namespace accord::cli
