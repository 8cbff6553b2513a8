#include "agency_connection.hpp"

#include <chrono>
#include <iostream>

namespace accord::cli {

void add_connection_options(CLI::App* cmd, ConnectionFlags& f) {
  cmd->add_option("--gateway", f.gateway, "gateway address HOST:PORT")
      ->envname("ACCORD_GATEWAY")
      ->capture_default_str()
      ->group("Connection");
  cmd->add_option("--as", f.credentials.as_agency,
                  "act as this agency: --cert/--key/--ca default to "
                  "certs/out/agency-AGENCY.pem, .key and certs/out/ca.pem")
      ->group("Connection");
  add_tls_options(cmd, f.credentials, f.server_name, f.timeout_seconds, "client");
}

void finish(int code) {
  throw CLI::RuntimeError(code);
}

void fail_local(const std::string& message) {
  std::cerr << "accord: " << message << "\n";
  finish(client::kExitLocal);
}

std::unique_ptr<client::HttpsClient> open_client(const ConnectionFlags& f) {
  auto address = client::parse_gateway(f.gateway);
  if (!address) fail_local(address.error().message);
  auto credentials = client::resolve_credentials(f.credentials);
  if (!credentials) fail_local(credentials.error().message);

  client::ClientOptions o;
  o.host = address->host;
  o.port = address->port;
  o.server_name = f.server_name.empty() ? address->host : f.server_name;
  o.cert = credentials->cert;
  o.key = credentials->key;
  o.ca = credentials->ca;
  o.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_seconds * 1000));
  auto c = client::HttpsClient::create(o);
  if (!c) fail_local(c.error().message);
  return std::move(c.value());
}

client::HttpResult call(client::HttpsClient& c, const ConnectionFlags& f,
                        boost::beast::http::verb method, const std::string& target,
                        const std::string& body) {
  auto r = c.request(method, target, body);
  if (!r) {
    std::cerr << "accord: no answer from gateway " << f.gateway << " (" << r.error().code
              << "): " << r.error().message << "\n";
    finish(client::kExitFailed);
  }
  return std::move(r.value());
}

}  // namespace accord::cli
