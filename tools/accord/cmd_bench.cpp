// accord bench: load-test a gateway with realistic case updates over many mTLS connections.
// The work is in accord_bench (tools/bench; pure parts unit-tested); this file maps flags to
// RunOptions and prints the report. Figures and how to reproduce them: docs/benchmarks.md.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/bench/runner.hpp"
#include "accord/client/gateway_api.hpp"
#include "cli_errors.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
}

struct BenchFlags {
  std::string gateway = "127.0.0.1:8443";
  std::string server_name;
  client::CredentialFlags credentials;
  double timeout_seconds = 30;
  int connections = 32;
  int batch = 1;
  double duration = 10;
  std::uint64_t messages = 0;
  double rate = 0;
  double warmup = 2;
  std::vector<std::string> consume;
  int consume_connections = 2;
  std::vector<std::string> types;
  std::string workload = "case-updates";
  std::size_t size = 1024;
  std::string run_id;
  bool json = false;
};

client::ClientOptions client_options(const BenchFlags& f, const client::GatewayAddress& address,
                                     const client::CredentialFlags& credentials) {
  auto resolved = client::resolve_credentials(credentials);
  if (!resolved) fail_local(resolved.error().message);
  client::ClientOptions o;
  o.host = address.host;
  o.port = address.port;
  o.server_name = f.server_name.empty() ? address.host : f.server_name;
  o.cert = resolved->cert;
  o.key = resolved->key;
  o.ca = resolved->ca;
  o.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_seconds * 1000));
  return o;
}

std::chrono::nanoseconds seconds(double s) {
  return std::chrono::nanoseconds(static_cast<long long>(s * 1e9));
}

// "HOST:PORT[,HOST:PORT...]": the gateways of one deployment, load split between them.
std::vector<client::GatewayAddress> parse_gateways(const std::string& text) {
  std::vector<client::GatewayAddress> out;
  std::string_view rest = text;
  for (;;) {
    const auto comma = rest.find(',');
    auto address = client::parse_gateway(rest.substr(0, comma));
    if (!address) fail_local(address.error().message);
    out.push_back(*address);
    if (comma == std::string_view::npos) return out;
    rest.remove_prefix(comma + 1);
  }
}

void run_bench(const BenchFlags& f, bool messages_given) {
  const auto addresses = parse_gateways(f.gateway);
  const auto address = addresses.begin();

  bench::RunOptions o;
  o.sender = client_options(f, *address, f.credentials);
  for (auto more = addresses.begin() + 1; more != addresses.end(); ++more) {
    o.more_gateways.push_back(client_options(f, *more, f.credentials));
  }
  o.sender_agency = f.credentials.as_agency.empty() ? f.credentials.cert : f.credentials.as_agency;
  o.gateway = f.gateway;
  o.connections = f.connections;
  o.batch = f.batch;
  o.plan.rate = f.rate;
  o.plan.warmup = seconds(f.warmup);
  if (messages_given) {
    o.plan.messages = f.messages;
  } else {
    o.plan.duration = seconds(f.duration);
  }
  o.generator.run_id =
      f.run_id.empty() ? "bench-" +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count()) +
                             "-" + std::to_string(::getpid())
                       : f.run_id;
  if (!f.credentials.as_agency.empty()) o.generator.sender = f.credentials.as_agency;
  o.generator.event_types = f.types;
  if (f.workload == "referral") o.generator.workload = bench::Workload::referral;
  o.generator.target_bytes = f.size;
  for (const auto& agency : f.consume) {
    client::CredentialFlags c;
    c.as_agency = agency;
    c.pki_dir = f.credentials.pki_dir;
    o.consumers.push_back({agency, client_options(f, *address, c)});
  }
  o.connections_per_consumer = f.consume_connections;
  o.on_progress = [](const std::string& line) { std::cerr << line << "\n" << std::flush; };
  o.interrupted = &g_interrupted;

  std::signal(SIGINT, on_sigint);
  auto report = bench::run(o);
  std::signal(SIGINT, SIG_DFL);
  if (!report) {
    std::cerr << "accord: bench: " << report.error().message << " (" << report.error().code
              << ")\n";
    throw CLI::RuntimeError(report.error().code == "invalid_argument" ||
                                    report.error().code == "invalid_options"
                                ? client::kExitLocal
                                : client::kExitFailed);
  }
  std::cout << (f.json ? bench::format_json(*report) + "\n" : bench::format_text(*report))
            << std::flush;
  if (report->error_total() > 0 || report->ok == 0) throw CLI::RuntimeError(client::kExitFailed);
}

}  // namespace

void add_bench_commands(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "load-test a gateway: concurrent mTLS submissions of generated case updates");
  cmd->add_option("--gateway", f->gateway,
                  "gateway address HOST:PORT; several, comma-separated, split the connections "
                  "between them round robin (--consume uses the first)")
      ->envname("ACCORD_GATEWAY")
      ->capture_default_str()
      ->group("Connection");
  cmd->add_option("--as", f->credentials.as_agency,
                  "send as this agency: --cert/--key/--ca default to PKI_DIR/agency-AGENCY.pem, "
                  ".key and PKI_DIR/ca.pem; also the envelopes' case owner")
      ->group("Connection");
  cmd->add_option("--cert", f->credentials.cert, "client certificate (PEM)")
      ->envname("ACCORD_CERT")
      ->group("Connection");
  cmd->add_option("--key", f->credentials.key, "client private key (PEM)")
      ->envname("ACCORD_KEY")
      ->group("Connection");
  cmd->add_option("--ca", f->credentials.ca, "CA certificate that signs the gateway's (PEM)")
      ->envname("ACCORD_CA")
      ->group("Connection");
  cmd->add_option("--pki-dir", f->credentials.pki_dir,
                  "directory of the dev PKI used by --as and --consume")
      ->capture_default_str()
      ->group("Connection");
  cmd->add_option("--server-name", f->server_name,
                  "name to expect in the gateway's certificate (default: the gateway host)")
      ->group("Connection");
  cmd->add_option("--timeout", f->timeout_seconds, "seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Connection");

  cmd->add_option("-c,--connections", f->connections, "concurrent connections, one thread each")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--batch", f->batch,
                  "envelopes per request: N >= 2 sends POST /v1/messages:batch with N envelopes "
                  "(each counted on its own result; latency is the batch's); 1 = single submits")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  CLI::Option* duration =
      cmd->add_option("-d,--duration", f->duration, "seconds to measure, after the warmup")
          ->capture_default_str()
          ->check(CLI::PositiveNumber);
  CLI::Option* messages =
      cmd->add_option("-n,--messages", f->messages, "measure this many messages instead")
          ->check(CLI::PositiveNumber);
  messages->excludes(duration);
  cmd->add_option("-r,--rate", f->rate,
                  "open loop: send at this many msg/s on a fixed schedule, latency measured from "
                  "each intended send time (default: closed loop, as fast as answers come)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", f->warmup, "seconds sent but not measured")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--consume", f->consume,
                  "also lease and ack the copies of these recipient agencies (certificates "
                  "from --pki-dir) and report delivered/s")
      ->delimiter(',');
  cmd->add_option("--consume-connections", f->consume_connections,
                  "connections per consuming agency")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--types", f->types,
                  "event types to cycle through (default: police.met's "
                  "case-update flows)")
      ->delimiter(',');
  cmd->add_option("--workload", f->workload,
                  "case-updates (the --types, no field encrypted) or referral (referral.created "
                  "to provider.lvws, five contact fields encrypted per copy; needs its key "
                  "registered)")
      ->capture_default_str()
      ->check(CLI::IsMember({"case-updates", "referral"}));
  cmd->add_option("--size", f->size, "envelope size in bytes (padded free text)")
      ->capture_default_str()
      ->check(CLI::Range(0, 200000));
  cmd->add_option("--run-id", f->run_id,
                  "prefix of every message id (default bench-<unix time>-<pid>); must be new "
                  "to the gateway, or it answers 200 duplicate");
  cmd->add_flag("--json", f->json, "print the report as one JSON object");
  cmd->footer(
      "Progress goes to stderr once a second. Exit 0 when every measured message was accepted,\n"
      "3 when some failed (the report counts them by kind), 1 on bad arguments or files.");
  cmd->callback([f, messages] { run_bench(*f, messages->count() > 0); });
}

}  // namespace accord::cli
