// The server's TLS policy in one place: TLS 1.2+ with AEAD ciphers, the server chain and
// key, a required client certificate verified against the CA bundle and (when given) the
// CRL, and the peer identity read from the verified certificate. Internal to accord_server.
#pragma once

#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "accord/core/result.hpp"
#include "accord/server/http_server.hpp"
#include "accord/server/peer.hpp"

namespace accord::server {

// Errors: tls_config, with a message naming the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(const TlsFiles& files);

// The identity in a verified client certificate: exactly one SAN URI starting with
// "urn:accord:" that parses. Errors: no_identity (none, several, or malformed).
Result<PeerIdentity> identity_from_certificate(X509* cert);

// What a presented certificate says about itself, verified or not, for the record of a
// refused handshake: the subject (RFC 2253) and every SAN URI. Attacker-chosen text: each
// value is cut to kMaxPresentedText bytes and at most kMaxPresentedUris URIs are kept.
inline constexpr std::size_t kMaxPresentedText = 256;
inline constexpr std::size_t kMaxPresentedUris = 8;
PresentedCertificate describe_certificate(X509* cert);

}  // namespace accord::server
