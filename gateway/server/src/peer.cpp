#include "accord/server/peer.hpp"

#include <array>
#include <utility>

namespace accord::server {
namespace {

// The id alphabet is the one certs/gen-dev-pki.sh and agreements use: it ends up in file
// names, log lines and audit records, so nothing outside it is accepted from a certificate.
constexpr std::size_t kMaxIdLength = 128;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id.front())) return false;
  for (char c : id) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

constexpr std::array<std::pair<std::string_view, PeerRole>, 3> kPrefixes{{
    {"urn:accord:agency:", PeerRole::agency},
    {"urn:accord:admin:", PeerRole::admin},
    {"urn:accord:auditor:", PeerRole::auditor},
}};

}  // namespace

std::optional<PeerIdentity> parse_identity_uri(std::string_view uri) {
  for (const auto& [prefix, role] : kPrefixes) {
    if (!uri.starts_with(prefix)) continue;
    std::string_view id = uri.substr(prefix.size());
    if (!valid_id(id)) return std::nullopt;
    return PeerIdentity{role, std::string(id), {}};
  }
  return std::nullopt;
}

std::string_view role_name(PeerRole role) {
  switch (role) {
    case PeerRole::agency:
      return "agency";
    case PeerRole::admin:
      return "admin";
    case PeerRole::auditor:
      return "auditor";
  }
  return "unknown";
}

}  // namespace accord::server
