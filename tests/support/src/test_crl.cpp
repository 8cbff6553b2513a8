#include "accord/testing/test_crl.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace accord::testing {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;

X509Ptr read_cert(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return nullptr;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return X509Ptr(cert);
}

KeyPtr read_key(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return nullptr;
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return KeyPtr(key);
}

template <typename Write>
Status write_pem(const std::string& path, Write write) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error("io", "cannot write " + tmp, tmp);
  const bool ok = write(f) == 1;
  if (std::fclose(f) != 0 || !ok) return make_error("io", "cannot write " + tmp, tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return make_error("io", "cannot rename " + tmp, path);
  }
  return Status::Ok();
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

Status make_client_cert(const std::string& ca_pem, const std::string& ca_key,
                        const std::string& dir, const std::string& name, const std::string& san) {
  auto ca = read_cert(ca_pem);
  auto signer = read_key(ca_key);
  if (!ca || !signer) return make_error("io", "cannot read the CA " + ca_pem + " / " + ca_key);
  KeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (!key || !cert) return make_error("crypto", "key or certificate allocation failed");
  X509_set_version(cert.get(), X509_VERSION_3);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
  if (!add_ext(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_ext(cert.get(), ca.get(), NID_ext_key_usage, "clientAuth") ||
      !add_ext(cert.get(), ca.get(), NID_subject_alt_name, san.c_str()) ||
      X509_sign(cert.get(), signer.get(), EVP_sha256()) == 0) {
    return make_error("crypto", "cannot make the certificate " + name);
  }
  const std::string base = dir + "/" + name;
  if (auto st = write_pem(base + ".key",
                          [&](std::FILE* f) {
                            return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr,
                                                        nullptr);
                          });
      !st) {
    return st;
  }
  return write_pem(base + ".pem", [&](std::FILE* f) { return PEM_write_X509(f, cert.get()); });
}

Status write_crl(const std::string& ca_pem, const std::string& ca_key,
                 const std::vector<std::string>& revoked_pems, std::int64_t last_update,
                 std::int64_t next_update, const std::string& out_path) {
  auto ca = read_cert(ca_pem);
  auto signer = read_key(ca_key);
  if (!ca || !signer) return make_error("io", "cannot read the CA " + ca_pem + " / " + ca_key);
  CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);  // v2
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.get()));
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<std::time_t>(last_update));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<std::time_t>(next_update));
  X509_CRL_set1_lastUpdate(crl.get(), last);
  X509_CRL_set1_nextUpdate(crl.get(), next);
  for (const auto& pem : revoked_pems) {
    auto cert = read_cert(pem);
    if (!cert) {
      ASN1_TIME_free(last);
      ASN1_TIME_free(next);
      return make_error("io", "cannot read " + pem, pem);
    }
    X509_REVOKED* revoked = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(revoked, X509_get_serialNumber(cert.get()));
    X509_REVOKED_set_revocationDate(revoked, last);
    X509_CRL_add0_revoked(crl.get(), revoked);
  }
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), signer.get(), EVP_sha256()) == 0) {
    return make_error("crypto", "cannot sign the CRL");
  }
  return write_pem(out_path, [&](std::FILE* f) { return PEM_write_X509_CRL(f, crl.get()); });
}

}  // namespace accord::testing
