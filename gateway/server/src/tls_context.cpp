#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

namespace accord::server {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla "intermediate": forward secrecy and AEAD only, for TLS 1.2 clients. TLS 1.3
// suites are OpenSSL's defaults, which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// Session resumption with client certificates needs a context id, or OpenSSL refuses
// resumed sessions.
constexpr std::string_view kSessionIdContext = "accord-gateway";

std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  std::string out = "unknown OpenSSL error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out = buf;
  }
  ERR_clear_error();
  return out;
}

Error file_error(std::string_view what, const std::string& path, const std::string& why) {
  return make_error("tls_config", std::string(what) + " file '" + path + "': " + why, path);
}

// Says "No such file or directory" / "Permission denied" instead of OpenSSL's
// "system library" wording when the file simply cannot be opened.
Status readable(std::string_view what, const std::string& path) {
  if (path.empty()) return file_error(what, path, "not configured");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return file_error(what, path, std::strerror(errno));
  std::fclose(f);
  return Status::Ok();
}

std::int64_t unix_seconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

Status load_crl(SSL_CTX* ctx, const std::string& path, CrlInfo& info) {
  if (auto st = readable("crl", path); !st) return st;
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) return file_error("crl", path, openssl_reason());
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    int added = X509_STORE_add_crl(store, crl);
    const std::int64_t next = unix_seconds(X509_CRL_get0_nextUpdate(crl));
    if (next != 0 && (info.next_update == 0 || next < info.next_update)) info.next_update = next;
    info.last_update = std::max(info.last_update, unix_seconds(X509_CRL_get0_lastUpdate(crl)));
    X509_CRL_free(crl);
    if (added != 1) {
      BIO_free(bio);
      return file_error("crl", path, openssl_reason());
    }
    ++count;
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (count == 0) return file_error("crl", path, "no PEM X509 CRL in the file");
  info.crls = static_cast<std::size_t>(count);
  // CRL_CHECK_ALL: every CA in the chain needs a current CRL, so an intermediate's
  // revocation is seen too; a missing CRL fails the handshake, the safe direction.
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return Status::Ok();
}

}  // namespace

Result<TlsContext> make_server_tls_context(const TlsFiles& files) {
  ERR_clear_error();
  TlsContext out;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();

  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                   ssl::context::no_tlsv1_1);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return make_error("tls_config", "TLS protocol/cipher setup: " + openssl_reason());
  }
  SSL_CTX_set_session_id_context(native,
                                 reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                 static_cast<unsigned>(kSessionIdContext.size()));

  if (auto st = readable("cert", files.cert); !st) return st.error();
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1) {
    return file_error("cert", files.cert, openssl_reason());
  }
  if (auto st = readable("key", files.key); !st) return st.error();
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return file_error("key", files.key, openssl_reason());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return file_error("key", files.key, "does not match the certificate: " + openssl_reason());
  }

  if (auto st = readable("ca", files.ca); !st) return st.error();
  // Only this bundle is trusted for clients; the system store is deliberately not loaded.
  if (SSL_CTX_load_verify_locations(native, files.ca.c_str(), nullptr) != 1) {
    return file_error("ca", files.ca, openssl_reason());
  }
  // Tell clients which CAs we accept, so a client with several certificates picks right.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str())) {
    SSL_CTX_set_client_CA_list(native, names);
  }
  ERR_clear_error();

  if (files.revocation == Revocation::crl) {
    // Revocation is checked unless the operator said otherwise: a missing CRL setting must
    // not quietly mean "every certificate the CA ever issued stays good".
    if (files.crl.empty()) {
      return make_error("tls_config",
                        "no CRL file: revocation checking (crl) needs one; name it in tls.crl, or "
                        "turn checking off explicitly with tls.revocation: none");
    }
    if (auto st = load_crl(native, files.crl, out.crl); !st) return st.error();
  } else if (!files.crl.empty()) {
    return make_error("tls_config",
                      "a CRL file is named but revocation checking is off (tls.revocation: "
                      "none); remove one of the two",
                      files.crl);
  }

  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  out.context = std::move(ctx);
  return out;
}

long reverify_peer(SSL* ssl, SSL_CTX* context) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return X509_V_ERR_UNSPECIFIED;
  // On the server side the peer chain excludes the leaf; untrusted intermediates only.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  X509_STORE_CTX* store_ctx = X509_STORE_CTX_new();
  if (store_ctx == nullptr) return X509_V_ERR_OUT_OF_MEM;
  long result = X509_V_ERR_UNSPECIFIED;
  if (X509_STORE_CTX_init(store_ctx, SSL_CTX_get_cert_store(context), leaf, chain) == 1) {
    // As OpenSSL's server handshake does: purpose "ssl_client"; the CRL flags come from the
    // store (X509_STORE_set_flags in load_crl).
    X509_STORE_CTX_set_default(store_ctx, "ssl_client");
    result = X509_verify_cert(store_ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(store_ctx);
  }
  X509_STORE_CTX_free(store_ctx);
  ERR_clear_error();
  return result;
}

PresentedCertificate describe_certificate(X509* cert) {
  PresentedCertificate out;
  if (cert == nullptr) return out;
  auto cut = [](std::string text) {
    if (text.size() > kMaxPresentedText) text.resize(kMaxPresentedText);
    return text;
  };
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len > 0) out.subject = cut(std::string(data, static_cast<std::size_t>(len)));
    BIO_free(bio);
  }
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI || out.san_uris.size() == kMaxPresentedUris) continue;
    const ASN1_IA5STRING* s = name->d.uniformResourceIdentifier;
    out.san_uris.push_back(cut(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                           static_cast<std::size_t>(ASN1_STRING_length(s)))));
  }
  GENERAL_NAMES_free(names);
  ERR_clear_error();
  return out;
}

Result<PeerIdentity> identity_from_certificate(X509* cert) {
  if (cert == nullptr) return make_error("no_identity", "no client certificate");
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  std::vector<std::string> accord_uris;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = name->d.uniformResourceIdentifier;
    std::string uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                    static_cast<std::size_t>(ASN1_STRING_length(s)));
    if (uri.starts_with("urn:accord:")) accord_uris.push_back(std::move(uri));
  }
  GENERAL_NAMES_free(names);

  // Exactly one: a certificate naming two identities is ambiguous, so it names none.
  if (accord_uris.size() != 1) {
    return make_error("no_identity", "certificate carries " + std::to_string(accord_uris.size()) +
                                         " urn:accord: SAN URIs, expected exactly one");
  }
  auto identity = parse_identity_uri(accord_uris.front());
  if (!identity) {
    return make_error("no_identity", "malformed identity URI '" + accord_uris.front() + "'");
  }

  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  identity->subject.assign(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return *identity;
}

Status check_tls_files(const TlsFiles& files) {
  auto loaded = make_server_tls_context(files);
  if (!loaded.ok()) return loaded.error();
  return Status::Ok();
}

}  // namespace accord::server
