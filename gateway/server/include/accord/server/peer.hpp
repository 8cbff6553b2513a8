// Who is on the other end of a TLS connection. An agency *is* its certificate: the
// identity comes from the verified client certificate's SAN URI, never from the body.
//
//   urn:accord:agency:<agency-id>    an agency system (e.g. urn:accord:agency:police.met)
//   urn:accord:admin:<name>          an administrator
//   urn:accord:auditor:<name>        an information-governance auditor
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::server {

enum class PeerRole { agency, admin, auditor };

struct PeerIdentity {
  PeerRole role = PeerRole::agency;
  std::string id;       // agency id or person name from the URI
  std::string subject;  // certificate subject, for logs
};

// What a client certificate presented in a handshake says of itself (verified or not).
struct PresentedCertificate {
  std::string subject;                // RFC 2253, "" when no certificate was presented
  std::vector<std::string> san_uris;  // every URI subjectAltName, in certificate order
};

// Parses one SAN URI; nullopt when it is not an Accord identity URI.
std::optional<PeerIdentity> parse_identity_uri(std::string_view uri);
std::string_view role_name(PeerRole role);

}  // namespace accord::server
