#include "harness.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Everything but the storage block and the key files, which differ by backend.
std::string write_config_with(const TempDir& dir, const std::string& storage_and_keys,
                              const std::string& extra_yaml, const std::string& agreements_dir) {
  const auto& pki = Pki::get();
  const std::string config = source_dir() + "/config";
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
      << "agreements: " << (agreements_dir.empty() ? config + "/agreements" : agreements_dir)
      << "\n"
      << "log: {level: warn}\n"
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
                            const std::string& extra_storage_yaml) {
  const std::string timeout = extra_storage_yaml.find("commit_timeout_seconds") == std::string::npos
                                  ? "    commit_timeout_seconds: 2\n"
                                  : "";
  return write_config_with(dir,
                           "storage:\n  backend: postgresql\n  postgresql:\n    uri: \"" + uri +
                               "\"\n" + timeout + extra_storage_yaml +
                               "signing_key: " + shared_dir + "/gateway-signing.key\n" +
                               "pseudonym_key: " + shared_dir + "/pseudonym.key\n",
                           extra_yaml, {});
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

std::string with_id(const std::string& envelope_json, const std::string& id) {
  auto json = nlohmann::json::parse(envelope_json);
  json["id"] = id;
  return json.dump();
}

}  // namespace accord::test
