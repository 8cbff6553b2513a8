// The development PKI for tests: certs/gen-dev-pki.sh run once per process on first use
// (thread-safe: function static). Under ctest (ACCORD_BINARY_DIR set) it lives in
// $ACCORD_BINARY_DIR/tests/support/dev-pki and is shared by every test process, made under
// a file lock; otherwise in a TempDir removed at exit. Tests must not modify its files:
// make extra certificates in a TempDir of their own (the CA key is ca.key in dir()).
//
// The script is found at $ACCORD_SOURCE_DIR/certs/gen-dev-pki.sh (set by ctest), else in
// the source tree the test was built from. If it fails, ok() is false and error() holds
// the script's output: tests should ASSERT_TRUE(pki.ok()) << pki.error().
#pragma once

#include <string>
#include <string_view>

namespace accord::testing {

class DevPki {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }

  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string crl() const { return dir_ + "/crl.pem"; }
  std::string server_cert() const { return dir_ + "/server.pem"; }
  std::string server_key() const { return dir_ + "/server.key"; }
  // `name` as the script names files: "agency-police.met", "admin", "auditor", "revoked",
  // "expired", "rogue".
  std::string cert(std::string_view name) const { return dir_ + "/" + std::string(name) + ".pem"; }
  std::string key(std::string_view name) const { return dir_ + "/" + std::string(name) + ".key"; }

 private:
  friend const DevPki& dev_pki();
  std::string dir_;
  std::string error_;
};

const DevPki& dev_pki();

}  // namespace accord::testing
