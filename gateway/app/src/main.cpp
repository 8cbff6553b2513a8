// accord-gateway: reads the configuration, builds the gateway and runs it until SIGTERM or
// SIGINT (graceful drain); SIGHUP reloads the TLS files (CRL) and the agreements. Only wiring lives
// here.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "accord/adapters/filedrop.hpp"
#include "accord/adapters/mailbox.hpp"
#include "accord/adapters/nats.hpp"
#include "accord/adapters/registry.hpp"
#include "accord/adapters/smtp.hpp"
#include "accord/adapters/webhook.hpp"
#include "accord/adapters/zmq/port.hpp"
#include "accord/app/gateway.hpp"
#include "accord/core/version.hpp"
#include "accord/logging/structured.hpp"

namespace {

// A usage error (unknown or missing option, bad value): the message, then the same code as an
// invalid configuration (docs/operations.md).
constexpr int kExitUsage = 2;

// Writes {"port": N, "admin_port": A, "health_port": H, "pid": P} atomically (admin_port and
// health_port only for the listeners that are on), so scripts and tests can wait for readiness.
bool write_ready_file(const std::string& path, const accord::app::Gateway& gateway) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"port\": " << gateway.port();
    if (gateway.admin_port() != 0) out << ", \"admin_port\": " << gateway.admin_port();
    if (gateway.health_port() != 0) out << ", \"health_port\": " << gateway.health_port();
    out << ", \"pid\": " << ::getpid() << "}\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Accord gateway: mTLS ingress, agreement policy, durable spool, mailboxes"};
  std::string config_path;
  std::string ready_file;
  bool check_only = false;
  cli.add_option("--config", config_path, "gateway configuration (YAML)")->required();
  cli.add_option("--ready-file", ready_file,
                 "write {\"port\",\"admin_port\",\"health_port\",\"pid\"} here once listening "
                 "(for scripts and tests)");
  bool accept_spool_gap = false;
  cli.add_flag("--check", check_only,
               "validate everything start would (config, agreements, keys, spool, adapter "
               "directories) without changing anything, then exit");
  cli.add_flag("--accept-spool-gap", accept_spool_gap,
               "start even though the spool is behind its manifest (committed data lost); "
               "the gap is written to the audit log");
  cli.set_version_flag("--version", std::string("accord-gateway ") + accord::kVersion);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Prints --help, --version (both exit 0) or the usage error.
    return cli.exit(e) == 0 ? 0 : kExitUsage;
  }

  spdlog::set_default_logger(spdlog::stderr_color_mt("accord"));
  auto config = accord::app::load_config(config_path);
  if (!config.ok()) {
    spdlog::error("configuration: {}: {}", config.error().path, config.error().message);
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  // From here on every line (and the access log's) is in log.format.
  accord::logging::set_format(config->log_format);
  if (accept_spool_gap && config->storage_backend == accord::app::StorageBackend::postgresql) {
    // PostgreSQL keeps no manifest: its own WAL and the synchronous standby guard the data.
    spdlog::error(
        "--accept-spool-gap applies to the embedded SQLite spool only; storage.backend is "
        "postgresql");
    return kExitUsage;
  }
  config->storage.accept_gap = accept_spool_gap;

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The built-in adapters, registered explicitly; the ZeroMQ port (and its "zmq" outbound
  // type) when the config has a zmq: section. The gateway makes the port with its own
  // io_context and submitter.
  accord::adapters::Registry registry;
  for (auto add : {&accord::adapters::register_webhook, &accord::adapters::register_filedrop,
                   &accord::adapters::register_mailbox, &accord::adapters::register_nats,
                   &accord::adapters::register_smtp}) {
    if (auto s = add(registry); !s.ok()) {
      spdlog::critical("adapter registry: {}", s.error().message);
      return 1;
    }
  }
  if (config->zmq && !config->zmq.IsNull()) {
    if (auto s = accord::adapters::register_zmq_port(registry, config->zmq); !s.ok()) {
      spdlog::critical("adapter registry: {}", s.error().message);
      return 1;
    }
  }
  if (check_only) {
    // No side effects: nothing created, migrated or locked (Gateway::check).
    if (auto s = accord::app::Gateway::check(std::move(config.value()), std::move(registry));
        !s.ok()) {
      spdlog::error("check failed: {} ({})", s.error().message, s.error().path);
      return 1;
    }
    spdlog::info(
        "configuration, vocabulary, agencies, agreements, keys, spool and adapters "
        "are valid");
    return 0;
  }
  auto gateway = accord::app::Gateway::create(std::move(config.value()), std::move(registry));
  if (!gateway.ok()) {
    spdlog::error("cannot start: {} ({})", gateway.error().message, gateway.error().path);
    return 1;
  }
  if (auto status = gateway.value()->start(); !status.ok()) {
    spdlog::error("cannot listen: {} ({})", status.error().message, status.error().path);
    return 1;
  }
  const auto& cfg = gateway.value()->config();
  spdlog::info("accord-gateway listening on https://{}:{} (mTLS)", cfg.server.address,
               gateway.value()->port());
  if (const auto admin = gateway.value()->admin_port(); admin != 0) {
    spdlog::info("admin listener on https://{}:{} (admin and auditor certificates only)",
                 cfg.admin_address, admin);
  }
  if (const auto health = gateway.value()->health_port(); health != 0) {
    spdlog::info("health listener on http://{}:{} (/livez, /readyz; no certificate)",
                 cfg.health_address, health);
  }
  if (!ready_file.empty() && !write_ready_file(ready_file, *gateway.value())) {
    spdlog::error("cannot write ready file {}", ready_file);
    return 1;
  }

  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      // reload() re-reads the CRL and the agreements; it logs the outcome with the old and
      // new content hash.
      (void)gateway.value()->reload();
      continue;
    }
    spdlog::info("signal {}: draining in-flight requests", signal);
    gateway.value()->stop();
    spdlog::info("stopped cleanly");
    return 0;
  }
}
