#include "admin_connection.hpp"

#include <cctype>
#include <chrono>

namespace accord::cli {

void add_tls_options(CLI::App* cmd, client::CredentialFlags& credentials, std::string& server_name,
                     double& timeout_seconds, std::string_view role) {
  const std::string who(role);
  cmd->add_option("--cert", credentials.cert, who + " certificate (PEM)")
      ->envname("ACCORD_CERT")
      ->group("Connection");
  cmd->add_option("--key", credentials.key, who + " private key (PEM)")
      ->envname("ACCORD_KEY")
      ->group("Connection");
  cmd->add_option("--ca", credentials.ca, "CA certificate that signs the gateway's (PEM)")
      ->envname("ACCORD_CA")
      ->group("Connection");
  cmd->add_option("--server-name", server_name,
                  "name to expect in the gateway's certificate (default: the gateway host)")
      ->group("Connection");
  cmd->add_option("--timeout", timeout_seconds, "seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Connection");
}

void add_admin_connection_options(CLI::App* cmd, AdminConnectionFlags& f, std::string_view role) {
  cmd->add_option("--gateway", f.gateway, "the gateway's admin listener HOST:PORT")
      ->envname("ACCORD_ADMIN_GATEWAY")
      ->capture_default_str()
      ->group("Connection");
  add_tls_options(cmd, f.credentials, f.server_name, f.timeout_seconds, role);
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

std::string encode_component(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace accord::cli
