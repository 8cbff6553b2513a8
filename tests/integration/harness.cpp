#include "harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "accord/adapters/zmq/port.hpp"
#include "accord/agreements/agency.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/time.hpp"

namespace accord::test {
namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("ACCORD_SOURCE_DIR");
  if (!dir) throw std::runtime_error("ACCORD_SOURCE_DIR is not set (run the tests with ctest)");
  return dir;
}

std::string binary_dir() {
  const char* dir = std::getenv("ACCORD_BINARY_DIR");
  if (!dir) throw std::runtime_error("ACCORD_BINARY_DIR is not set (run the tests with ctest)");
  return dir;
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

Pki::Pki() : dir_(std::make_unique<TempDir>()) {
  const auto result = run_command(source_dir() + "/certs/gen-dev-pki.sh " + dir_->path() +
                                  " police.met cps.london wcu.met provider.lvws "
                                  "provider.survivors-uk probation.london court.london "
                                  "oversight.mopac");
  if (result.status != 0) throw std::runtime_error("gen-dev-pki.sh failed: " + result.output);
}

const Pki& Pki::get() {
  static const Pki pki;
  return pki;
}

namespace {

// Development keys and signatures are dated before the samples' valid_from (2026-04-01), so
// every FakeEnv clock a test sets finds them already made.
constexpr std::int64_t kDevKeyCreatedMs = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr const char* kDevSignedAt = "2026-03-01T00:00:00.000Z";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_bytes(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

governance::Statement signature_of(const agreements::Agreement& agreement, const std::string& text,
                                   const governance::SigningSecret& secret) {
  governance::Statement statement;
  statement.kind = governance::StatementKind::signature;
  statement.agreement = agreement.id;
  statement.version = agreement.version;
  statement.content_hash = governance::content_hash(text);
  statement.agency = secret.key.agency;
  statement.kid = secret.key.kid;
  statement.signed_at = kDevSignedAt;
  return governance::sign(std::move(statement), secret);
}

// The value of a top-level `key:` line of `yaml` (a plain scalar), resolved against `base`;
// empty when there is none.
std::string top_level_path(const std::string& yaml, const std::string& key,
                           const std::string& base) {
  std::istringstream lines(yaml);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::string value = line.substr(key.size() + 1);
    if (const auto comment = value.find(" #"); comment != std::string::npos) value.resize(comment);
    const auto first = value.find_first_not_of(" \t\"");
    const auto last = value.find_last_not_of(" \t\"\r");
    if (first == std::string::npos) return {};
    const fs::path path = value.substr(first, last - first + 1);
    return path.is_absolute() ? path.string() : (fs::path(base) / path).string();
  }
  return {};
}

}  // namespace

DevSigningKeys::DevSigningKeys() : dir_(std::make_unique<TempDir>("accord-signing-keys-")) {
  auto directory = agreements::AgencyDirectory::parse(read_source_file("config/agencies.yaml"));
  if (!directory.ok()) throw std::runtime_error("agencies: " + directory.error().message);
  fs::create_directories(public_dir());
  fs::create_directories(dir_->file("secret"));
  for (const auto& [id, agency] : directory->all()) {
    auto secret =
        governance::generate_signing_key(id, "Development signer of " + id, kDevKeyCreatedMs);
    if (!secret.ok())
      throw std::runtime_error("signing key for " + id + ": " + secret.error().message);
    write_bytes(fs::path(public_dir()) / governance::public_file_name(secret->key),
                governance::public_key_json(secret->key));
    const fs::path secret_path =
        fs::path(dir_->file("secret")) / governance::secret_file_name(secret->key);
    write_bytes(secret_path, governance::secret_key_json(secret.value()));
    fs::permissions(secret_path, fs::perms::owner_read | fs::perms::owner_write);
    secrets_.emplace(id, std::move(secret.value()));
  }
}

const DevSigningKeys& DevSigningKeys::get() {
  static const DevSigningKeys keys;
  return keys;
}

void DevSigningKeys::register_in(const std::string& keys_dir) const {
  fs::create_directories(keys_dir);
  for (const auto& entry : fs::directory_iterator(public_dir())) {
    fs::copy_file(entry.path(), fs::path(keys_dir) / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
  }
}

const governance::SigningSecret& DevSigningKeys::secret(const std::string& agency) const {
  const auto it = secrets_.find(agency);
  if (it == secrets_.end()) throw std::runtime_error("no development signing key for " + agency);
  return it->second;
}

std::string DevSigningKeys::secret_file(const std::string& agency) const {
  return dir_->file("secret/" + governance::secret_file_name(secret(agency).key));
}

std::vector<std::string> DevSigningKeys::agencies() const {
  std::vector<std::string> ids;
  for (const auto& [id, secret] : secrets_) ids.push_back(id);
  return ids;
}

const governance::SigningSecret& dev_signing_secret(const std::string& agency) {
  return DevSigningKeys::get().secret(agency);
}

governance::Statement dev_signature(const std::string& agreement_text, const std::string& agency) {
  const auto loaded = agreements::parse(agreement_text, "agreement.yaml");
  if (!loaded.ok()) throw std::runtime_error("dev_signature: the agreement text does not load");
  return signature_of(*loaded.agreement, agreement_text, dev_signing_secret(agency));
}

int sign_agreements(const std::string& agreements_dir, const std::string& signatures_dir,
                    const std::vector<std::string>& parties) {
  const auto& keys = DevSigningKeys::get();
  fs::create_directories(signatures_dir);
  int written = 0;
  for (const auto& entry : fs::directory_iterator(agreements_dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    const std::string text = read_bytes(entry.path());
    const auto loaded = agreements::parse(text, entry.path().filename().string());
    if (!loaded.ok() || loaded.agreement->status != agreements::Status::active) continue;
    for (const auto& party : loaded.agreement->parties) {
      if (!parties.empty() &&
          std::find(parties.begin(), parties.end(), party.agency) == parties.end()) {
        continue;
      }
      const auto agencies = keys.agencies();
      // An agency outside config/agencies.yaml has no key: the gateway reports the file.
      if (std::find(agencies.begin(), agencies.end(), party.agency) == agencies.end()) continue;
      const auto statement = signature_of(*loaded.agreement, text, keys.secret(party.agency));
      write_bytes(fs::path(signatures_dir) / governance::statement_file_name(statement),
                  governance::to_json(statement));
      ++written;
    }
  }
  return written;
}

std::string signatures_dir(const TempDir& dir) {
  return dir.file("signatures");
}

namespace {

// The governance lines of a config written into `dir` (see write_config in harness.hpp): the
// development signing keys registered, the active agreements signed by every party.
std::string governance_yaml(const TempDir& dir, const std::string& extra_yaml,
                            const std::string& agreements_dir) {
  // A test naming its own signatures directory governs itself: its own keys, its statements.
  if (!top_level_path(extra_yaml, "signatures", dir.path()).empty()) return {};
  std::string yaml;
  std::string keys_dir = top_level_path(extra_yaml, "keys", dir.path());
  if (keys_dir.empty()) {
    keys_dir = dir.file("registered-keys");
    yaml += "keys: " + keys_dir + "\n";
  }
  DevSigningKeys::get().register_in(keys_dir);
  sign_agreements(agreements_dir, signatures_dir(dir));
  return yaml + "signatures: " + signatures_dir(dir) + "\n";
}

// Everything but the storage block and the key files, which differ by backend.
std::string write_config_with(const TempDir& dir, const std::string& storage_and_keys,
                              const std::string& extra_yaml, const std::string& agreements_dir) {
  const auto& pki = Pki::get();
  const std::string config = source_dir() + "/config";
  const std::string agreements = agreements_dir.empty() ? config + "/agreements" : agreements_dir;
  const std::string governance = governance_yaml(dir, extra_yaml, agreements);
  std::ofstream out(dir.file("gateway.yaml"));
  out << "listen: {address: 127.0.0.1, port: 0}\n"
      << "admin_listen: {address: 127.0.0.1, port: 0}\n"
      << "threads: 2\n"
      << "tls:\n"
      << "  ca: " << pki.file("ca.pem") << "\n"
      << "  crl: " << pki.file("crl.pem") << "\n"
      << "  cert: " << pki.file("server.pem") << "\n"
      << "  key: " << pki.file("server.key") << "\n"
      << storage_and_keys << "vocabulary: " << config << "/vocabulary.yaml\n"
      << "agencies: " << config << "/agencies.yaml\n"
      << "agreements: " << agreements << "\n"
      << governance << "log: {level: warn}\n"
      << extra_yaml;
  return dir.file("gateway.yaml");
}

}  // namespace

std::string write_config(const TempDir& dir, const std::string& extra_yaml,
                         const std::string& agreements_dir) {
  return write_config_with(dir,
                           "storage: {backend: sqlite, path: " + dir.file("spool.db") +
                               "}\npseudonym_key: " + dir.file("pseudonym.key") + "\n",
                           extra_yaml, agreements_dir);
}

std::string write_pg_config(const TempDir& dir, const std::string& uri,
                            const std::string& shared_dir, const std::string& extra_yaml,
                            const std::string& extra_storage_yaml,
                            const std::string& agreements_dir) {
  const std::string timeout = extra_storage_yaml.find("commit_timeout_seconds") == std::string::npos
                                  ? "    commit_timeout_seconds: 2\n"
                                  : "";
  return write_config_with(dir,
                           "storage:\n  backend: postgresql\n  postgresql:\n    uri: \"" + uri +
                               "\"\n" + timeout + extra_storage_yaml +
                               "signing_key: " + shared_dir + "/gateway-signing.key\n" +
                               "pseudonym_key: " + shared_dir + "/pseudonym.key\n",
                           extra_yaml, agreements_dir);
}

client::ClientOptions client_options(const std::string& who, std::uint16_t port) {
  const auto& pki = Pki::get();
  client::ClientOptions options;
  options.port = port;
  options.ca = pki.file("ca.pem");
  if (who == "admin" || who == "auditor") {
    options.cert = pki.file(who + ".pem");
    options.key = pki.file(who + ".key");
  } else if (!who.empty()) {
    options.cert = pki.agency_cert(who);
    options.key = pki.agency_key(who);
  }
  options.timeout = std::chrono::milliseconds(15'000);
  return options;
}

std::unique_ptr<client::HttpsClient> make_client(const std::string& who, std::uint16_t port) {
  auto client = client::HttpsClient::create(client_options(who, port));
  if (!client.ok()) throw std::runtime_error("client: " + client.error().message);
  return std::move(client.value());
}

InProcessGateway::InProcessGateway(const std::string& config_path, env::Env* env) {
  auto config = app::load_config(config_path);
  if (!config.ok()) throw std::runtime_error("config: " + config.error().message);
  config.value().env = env;
  // As main() does: the ZeroMQ port is registered when the config has a zmq: section.
  adapters::Registry registry;
  if (config->zmq && !config->zmq.IsNull()) {
    if (auto s = adapters::register_zmq_port(registry, config->zmq); !s.ok()) {
      throw std::runtime_error("registry: " + s.error().message);
    }
  }
  auto gateway = app::Gateway::create(std::move(config.value()), std::move(registry));
  if (!gateway.ok()) {
    throw std::runtime_error("gateway: " + gateway.error().message + " " + gateway.error().path);
  }
  gateway_ = std::move(gateway.value());
  if (auto status = gateway_->start(); !status.ok()) {
    throw std::runtime_error("start: " + status.error().message);
  }
}

InProcessGateway::~InProcessGateway() {
  gateway_->stop();
}

GatewayProcess::GatewayProcess(std::string config_path, std::vector<std::string> extra_args)
    : config_path_(std::move(config_path)),
      extra_args_(std::move(extra_args)),
      ready_file_(config_path_ + ".ready") {}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) kill9();
}

bool GatewayProcess::start(std::chrono::milliseconds timeout) {
  std::error_code ec;
  fs::remove(ready_file_, ec);
  const std::string binary = binary_dir() + "/gateway/app/accord-gateway";
  // Built before fork(): the child only execs.
  std::vector<std::string> args{binary, "--config", config_path_, "--ready-file", ready_file_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    if (!log_path_.empty()) {
      const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) _exit(126);
    }
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::ifstream in(ready_file_);
    if (in) {
      const auto ready = nlohmann::json::parse(in, nullptr, false);
      if (!ready.is_discarded() && ready.contains("port")) {
        port_ = ready["port"].get<std::uint16_t>();
        admin_port_ = ready.value("admin_port", std::uint16_t{0});
        health_port_ = ready.value("health_port", std::uint16_t{0});
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  return false;
}

void GatewayProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int GatewayProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -1;
}

std::string read_source_file(const std::string& relative_path) {
  std::ifstream in(source_dir() + "/" + relative_path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + relative_path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::int64_t ms_at(const std::string& rfc3339) {
  const auto t = agreements::parse_instant(rfc3339);
  if (!t) throw std::runtime_error("bad test time " + rfc3339);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

std::string with_id(const std::string& envelope_json, const std::string& id) {
  auto json = nlohmann::json::parse(envelope_json);
  json["id"] = id;
  return json.dump();
}

}  // namespace accord::test
