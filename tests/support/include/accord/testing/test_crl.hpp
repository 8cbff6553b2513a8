// Certificates and CRLs made on the fly by the dev CA, for revocation tests: a fresh client
// certificate that nothing else uses (so revoking it disturbs no other test), and a CRL
// listing exactly the certificates a test names, with the nextUpdate it chooses. Files go
// where the caller says (a TempDir of its own); the shared dev PKI is never modified.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::testing {

// Writes `dir`/`name`.pem and .key: a client certificate (EKU clientAuth, SAN `san`, e.g.
// "URI:urn:accord:agency:police.met") signed by the CA in `ca_pem`/`ca_key`, valid from an
// hour ago for 30 days, with a random serial. Errors: io, crypto.
Status make_client_cert(const std::string& ca_pem, const std::string& ca_key,
                        const std::string& dir, const std::string& name, const std::string& san);

// Writes a PEM CRL signed by the CA to `out_path` (atomically: a temporary file renamed over
// it), revoking the serials of the certificates in `revoked_pems`; lastUpdate is
// `last_update` and nextUpdate `next_update` (Unix seconds). Errors: io, crypto.
Status write_crl(const std::string& ca_pem, const std::string& ca_key,
                 const std::vector<std::string>& revoked_pems, std::int64_t last_update,
                 std::int64_t next_update, const std::string& out_path);

}  // namespace accord::testing
