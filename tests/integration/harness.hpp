// Integration harness: a development PKI made by certs/gen-dev-pki.sh, development agreement
// signing keys, a gateway config pointing at the repo's sample vocabulary, agencies and
// agreements (co-signed by every party), the real gateway (in-process or as a child process on
// port 0) and real mTLS clients.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accord/app/gateway.hpp"
#include "accord/client/https_client.hpp"
#include "accord/env/env.hpp"
#include "accord/governance/signing.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::test {

std::string source_dir();  // ACCORD_SOURCE_DIR
std::string binary_dir();  // ACCORD_BINARY_DIR

// A fresh temporary directory, removed with the object (tests/support).
using TempDir = ::accord::testing::TempDir;

// The development PKI for the London sample agencies, made once per test process.
class Pki {
 public:
  static const Pki& get();
  std::string file(const std::string& name) const { return dir_->file(name); }
  std::string agency_cert(const std::string& id) const { return file("agency-" + id + ".pem"); }
  std::string agency_key(const std::string& id) const { return file("agency-" + id + ".key"); }

 private:
  Pki();
  std::unique_ptr<TempDir> dir_;
};

// Development agreement signing keys (docs/agreements.md, "Signing keys and signed
// statements"): one Ed25519 pair per agency of config/agencies.yaml, made once per test process
// in a temp dir, like the dev PKI. Nothing secret is committed or written into the source tree.
class DevSigningKeys {
 public:
  static const DevSigningKeys& get();
  // Every agency's `*.sign.pub.json`, as an operator registers them in the gateway's `keys`.
  std::string public_dir() const { return dir_->file("public"); }
  // Copies every public key file into `keys_dir` (created if absent), overwriting.
  void register_in(const std::string& keys_dir) const;
  // The agency's secret half; throws for an agency not in config/agencies.yaml.
  const governance::SigningSecret& secret(const std::string& agency) const;
  // The agency's `*.sign.secret.json` (0600), for `accord agreements sign --key`.
  std::string secret_file(const std::string& agency) const;
  std::vector<std::string> agencies() const;

 private:
  DevSigningKeys();
  std::unique_ptr<TempDir> dir_;
  std::map<std::string, governance::SigningSecret> secrets_;
};

// The development signing secret of `agency` (DevSigningKeys::get().secret(agency)).
const governance::SigningSecret& dev_signing_secret(const std::string& agency);

// A signature statement by `agency`'s development key over the exact `text` of an agreement
// file (id, version and parties read from it); throws when the text does not load.
governance::Statement dev_signature(const std::string& agreement_text, const std::string& agency);

// Writes into `signatures_dir` (created if absent) the signature of every party (or only of
// the agencies in `parties`, when not empty) over every `*.yaml` in `agreements_dir` whose
// status is active, as `accord agreements sign` names them, replacing statements already
// there. Files that do not load are skipped (the gateway reports them). Returns the number of
// statements written. Use it after editing an agreement that is meant to be published signed.
int sign_agreements(const std::string& agreements_dir, const std::string& signatures_dir,
                    const std::vector<std::string>& parties = {});

// The signatures directory write_config / write_pg_config give a config written into `dir`.
std::string signatures_dir(const TempDir& dir);

// Writes a gateway config into `dir` (spool at dir/spool.db) and returns its path.
// `extra_yaml` is appended verbatim (e.g. a limits: block).
// Agreement governance: the config's `keys` directory holds the development signing keys of
// every agency (when `extra_yaml` names its own `keys:` directory, they are copied into it,
// next to the encryption keys the test puts there; otherwise it is dir/registered-keys), and
// `signatures: dir/signatures` holds every party's signature over every active agreement in
// the agreements directory as it is now (sign_agreements). A test whose `extra_yaml` names its
// own `signatures:` directory gets neither: it registers its own keys and decides what is
// signed.
std::string write_config(const TempDir& dir, const std::string& extra_yaml = {},
                         const std::string& agreements_dir = {});

// The same config on storage.backend postgresql at `uri` (commit_timeout_seconds 2 unless
// `extra_storage_yaml` says otherwise, e.g. "    commit_timeout_seconds: 1\n"). The signing key
// and the pseudonym secret are `shared_dir`/gateway-signing.key and /pseudonym.key: give the
// gateways of one deployment the same directory, as they must share both files.
std::string write_pg_config(const TempDir& dir, const std::string& uri,
                            const std::string& shared_dir, const std::string& extra_yaml = {},
                            const std::string& extra_storage_yaml = {},
                            const std::string& agreements_dir = {});

// Client options for an agency (or "admin"/"auditor") against a local port.
client::ClientOptions client_options(const std::string& who, std::uint16_t port);
std::unique_ptr<client::HttpsClient> make_client(const std::string& who, std::uint16_t port);

// The real gateway in this process, on port 0.
class InProcessGateway {
 public:
  // `env` (GatewayConfig::env; must outlive this) replaces env::system_env() when set: an
  // env::FakeEnv lets a test move the gateway's clock past a lease or an agreement's end.
  explicit InProcessGateway(const std::string& config_path, env::Env* env = nullptr);
  ~InProcessGateway();
  std::uint16_t port() const { return gateway_->port(); }
  std::uint16_t admin_port() const { return gateway_->admin_port(); }
  app::Gateway& gateway() { return *gateway_; }
  void stop() { gateway_->stop(); }

 private:
  std::unique_ptr<app::Gateway> gateway_;
};

// The real accord-gateway binary as a child process, on port 0.
class GatewayProcess {
 public:
  // `extra_args` follow --config and --ready-file (e.g. --accept-spool-gap).
  explicit GatewayProcess(std::string config_path, std::vector<std::string> extra_args = {});
  ~GatewayProcess();
  // Starts and waits (up to `timeout`) for the ready file; false on failure.
  bool start(std::chrono::milliseconds timeout = std::chrono::milliseconds(20'000));
  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  std::uint16_t health_port() const { return health_port_; }  // 0 without health_listen
  // The child's stderr (its log) is appended to `path` from the next start() on, instead of
  // going to the test's own stderr.
  void log_to(std::string path) { log_path_ = std::move(path); }
  pid_t pid() const { return pid_; }
  void kill9();
  // SIGTERM, then waits; returns the exit status (or -1 on timeout / signal).
  int terminate(std::chrono::milliseconds timeout = std::chrono::milliseconds(20'000));
  bool running() const { return pid_ > 0; }

 private:
  std::string config_path_;
  std::vector<std::string> extra_args_;
  std::string ready_file_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::uint16_t health_port_ = 0;
  std::string log_path_;
};

// Runs a command line, returns {exit status, stdout+stderr}.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& command);

// Reads a file from the repo (tests/data/...).
std::string read_source_file(const std::string& relative_path);
// Reads a file (empty when it cannot be read: the test's own checks then fail).
std::string read_text(const std::string& path);

// Unix milliseconds of an RFC 3339 time or date (throws on a bad test time): for FakeEnv clocks.
std::int64_t ms_at(const std::string& rfc3339);

// An envelope from the sample referral with another id.
std::string with_id(const std::string& envelope_json, const std::string& id);

}  // namespace accord::test
