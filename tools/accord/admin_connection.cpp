#include "admin_connection.hpp"

#include <chrono>

namespace accord::cli {

void add_admin_connection_options(CLI::App* cmd, AdminConnectionFlags& f, std::string_view role) {
  const std::string who(role);
  cmd->add_option("--gateway", f.gateway, "the gateway's admin listener HOST:PORT")
      ->envname("ACCORD_ADMIN_GATEWAY")
      ->capture_default_str()
      ->group("Connection");
  cmd->add_option("--cert", f.credentials.cert, who + " certificate (PEM)")
      ->envname("ACCORD_CERT")
      ->group("Connection");
  cmd->add_option("--key", f.credentials.key, who + " private key (PEM)")
      ->envname("ACCORD_KEY")
      ->group("Connection");
  cmd->add_option("--ca", f.credentials.ca, "CA certificate that signs the gateway's (PEM)")
      ->envname("ACCORD_CA")
      ->group("Connection");
  cmd->add_option("--server-name", f.server_name,
                  "name to expect in the gateway's certificate (default: the gateway host)")
      ->group("Connection");
  cmd->add_option("--timeout", f.timeout_seconds, "seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Connection");
}

Result<std::unique_ptr<client::HttpsClient>> admin_client(const AdminConnectionFlags& f) {
  auto address = client::parse_gateway(f.gateway);
  if (!address) return address.error();
  auto credentials = client::resolve_credentials(f.credentials);
  if (!credentials) return credentials.error();
  client::ClientOptions o;
  o.host = address->host;
  o.port = address->port;
  o.server_name = f.server_name.empty() ? address->host : f.server_name;
  o.cert = credentials->cert;
  o.key = credentials->key;
  o.ca = credentials->ca;
  o.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_seconds * 1000));
  return client::HttpsClient::create(o);
}

}  // namespace accord::cli
