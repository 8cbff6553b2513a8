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

struct TlsContext {
  std::shared_ptr<boost::asio::ssl::context> context;
  CrlInfo crl;  // what was loaded from files.crl (all zero with Revocation::none)
};

// Errors: tls_config, with a message naming the file and OpenSSL's reason; also when
// files.revocation is crl and no CRL file is named.
Result<TlsContext> make_server_tls_context(const TlsFiles& files);

// Verifies the peer certificate of an established connection again, against the trust store
// (CA + CRL) of `context`, as the handshake did (purpose ssl_client, the store's CRL flags).
// Returns X509_V_OK or the X509_V_ERR_* reason; X509_V_ERR_UNSPECIFIED when there is no peer
// certificate.
long reverify_peer(SSL* ssl, SSL_CTX* context);

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
