// accord_flood: a bounded connection-flood measurement over loopback (issue #12 item 1).
//
// Runs the real mTLS server (accord_server, the gateway's defaults for every limit) in this
// process on 127.0.0.1 with an echo handler and two io threads, then for each scenario
// measures what another agency (cps.london, from 127.0.0.1) gets: `--requests` new
// connections one after another, each a full TLS handshake plus one GET, timed end to end.
//
//   quiet          nothing else running: the baseline
//   idle_tcp       --flood TCP connections from 127.0.0.2 that never send a byte
//   slow_hello     --flood TCP connections from 127.0.0.3 that send 6 bytes of a ClientHello
//                  record and nothing more
//   agency_at_cap  police.met opens --agency-connections TLS connections, makes one request
//                  on each and keeps them all open (the server keeps its cap of them)
//
// Prints one markdown row per scenario: served / tried, p50, p99, p99 against the quiet
// baseline, what the server refused or reclaimed during the scenario, and the process's RSS
// (server and flood clients together, so an upper bound for the server). Only 127.0.0.0/8; every
// connection it opens it closes before the next scenario; exits by itself. Exit status 1 when a
// scenario serves fewer than 99 % or its p99 is above 5 × the baseline.
//
//   accord_flood [--flood 3000] [--requests 200] [--agency-connections 1500]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accord/server/http_server.hpp"
#include "accord/testing/dev_pki.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/metric_value.hpp"

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Clock = std::chrono::steady_clock;
using accord::server::HttpResponse;
using accord::server::Request;
using accord::server::Respond;

class Echo : public accord::server::RequestHandler {
 public:
  void handle(Request request, Respond respond) override {
    HttpResponse res{bhttp::status::ok, 11};
    res.body() = request.peer.id;
    respond(std::move(res));
  }
};

std::shared_ptr<ssl::context> client_context(const accord::testing::DevPki& pki,
                                             const std::string& name) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->load_verify_file(pki.ca());
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->use_certificate_chain_file(pki.cert(name));
  ctx->use_private_key_file(pki.key(name), ssl::context::pem);
  return ctx;
}

using Stream = beast::ssl_stream<beast::tcp_stream>;

// A new connection: connect, handshake, one GET; the stream when it got 200.
std::unique_ptr<Stream> connect_and_get(net::io_context& io, ssl::context& ctx,
                                        std::uint16_t port) {
  auto stream = std::make_unique<Stream>(io, ctx);
  SSL_set_tlsext_host_name(stream->native_handle(), "localhost");
  auto& tcp = beast::get_lowest_layer(*stream);
  beast::error_code ec;
  tcp.socket().connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return nullptr;
  // Synchronous calls with a socket-level timeout: a refused or silent server ends them.
  timeval tv{10, 0};
  ::setsockopt(tcp.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(tcp.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  stream->handshake(ssl::stream_base::client, ec);
  if (ec) return nullptr;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/echo", 11};
  req.set(bhttp::field::host, "localhost");
  bhttp::write(*stream, req, ec);
  if (ec) return nullptr;
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(*stream, buffer, res, ec);
  if (ec || res.result_int() != 200) return nullptr;
  return stream;
}

struct Figures {
  int served = 0;
  int tried = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

Figures measure(std::uint16_t port, ssl::context& ctx, int requests) {
  net::io_context io;
  std::vector<double> ms;
  Figures f;
  for (int i = 0; i < requests; ++i) {
    const auto start = Clock::now();
    auto stream = connect_and_get(io, ctx, port);
    const double took = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    ++f.tried;
    if (stream) {
      ++f.served;
      ms.push_back(took);
      beast::error_code ignored;
      beast::get_lowest_layer(*stream).socket().close(ignored);
    }
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    if (ms.empty()) return 0.0;
    auto i = static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  f.p50_ms = pct(0.50);
  f.p99_ms = pct(0.99);
  return f;
}

// Raw TCP sockets from `source` that send `bytes` and then nothing; closed on destruction.
class RawFlood {
 public:
  ~RawFlood() {
    for (int fd : fds_) ::close(fd);
  }
  int open(const char* source, std::uint16_t port, int count, const std::string& bytes) {
    for (int i = 0; i < count; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      sockaddr_in remote{};
      remote.sin_family = AF_INET;
      remote.sin_port = htons(port);
      ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
          ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        ::close(fd);
        continue;
      }
      if (!bytes.empty()) (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      fds_.push_back(fd);
    }
    return static_cast<int>(fds_.size());
  }

 private:
  std::vector<int> fds_;
};

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

int arg(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int flood = arg(argc, argv, "--flood", 3000);
  const int requests = arg(argc, argv, "--requests", 200);
  const int agency_connections = arg(argc, argv, "--agency-connections", 1500);

  // Both ends of every connection live in this process: make room (never above the hard
  // limit; the run says so when it cannot).
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  const rlim_t want = static_cast<rlim_t>(2 * (flood + agency_connections) + 4096);
  if (limit.rlim_cur < want) {
    limit.rlim_cur = std::min(want, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  std::fprintf(stderr, "RLIMIT_NOFILE soft %llu\n",
               static_cast<unsigned long long>(limit.rlim_cur));

  const auto& pki = accord::testing::dev_pki();
  if (!pki.ok()) {
    std::fprintf(stderr, "dev PKI: %s\n", pki.error().c_str());
    return 2;
  }
  accord::server::ServerOptions options;  // the gateway's defaults for every limit
  options.tls = {pki.ca(), pki.crl(), pki.server_cert(), pki.server_key()};
  net::io_context io;
  accord::server::Metrics metrics;
  Echo echo;
  auto server = accord::server::make_http_server(io, options, echo, metrics);
  if (auto st = server->start(); !st.ok()) {
    std::fprintf(stderr, "start: %s\n", st.error().message.c_str());
    return 2;
  }
  accord::testing::IoThreads threads(io, 2);
  const std::uint16_t port = server->port();
  auto cps = client_context(pki, "agency-cps.london");
  auto police = client_context(pki, "agency-police.met");
  auto count = [&](const char* family, const char* reason) {
    return accord::testing::metric_value(metrics.registry(), family, {{"reason", reason}})
        .value_or(0);
  };

  std::printf(
      "max_connections %zu, max_pending_handshakes_per_source %zu, "
      "max_connections_per_agency %zu, handshake_timeout %lld ms; %d new connections "
      "per scenario\n\n",
      options.max_connections, options.max_pending_handshakes_per_source,
      options.max_connections_per_agency, static_cast<long long>(options.handshake_timeout.count()),
      requests);
  std::printf(
      "| scenario | served | p50 ms | p99 ms | p99 / quiet | refused per_source | "
      "refused per_agency | reclaimed per_agency | RSS MiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  bool ok = true;
  std::optional<Figures> quiet;
  // Counters are cumulative; each row shows what its scenario added.
  double seen_source = 0, seen_agency = 0, seen_reclaimed = 0;
  auto row = [&](const char* name, const Figures& f) {
    const double source = count("accord_connections_rejected_total", "per_source");
    const double agency = count("accord_connections_rejected_total", "per_agency");
    const double reclaimed = count("accord_connections_reclaimed_total", "per_agency");
    const double ratio = quiet && quiet->p99_ms > 0 ? f.p99_ms / quiet->p99_ms : 1.0;
    const double share = f.tried ? 100.0 * f.served / f.tried : 0;
    std::printf("| %s | %d / %d (%.1f %%) | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f |\n",
                name, f.served, f.tried, share, f.p50_ms, f.p99_ms, ratio, source - seen_source,
                agency - seen_agency, reclaimed - seen_reclaimed,
                static_cast<double>(rss_kib()) / 1024.0);
    seen_source = source;
    seen_agency = agency;
    seen_reclaimed = reclaimed;
    std::fflush(stdout);
    if (share < 99.0 || ratio > 5.0) ok = false;
  };

  quiet = measure(port, *cps, requests);
  row("quiet", *quiet);
  {
    RawFlood raw;
    const int opened = raw.open("127.0.0.2", port, flood, "");
    std::fprintf(stderr, "idle_tcp: %d connections open\n", opened);
    row("idle_tcp", measure(port, *cps, requests));
  }
  {
    RawFlood raw;
    const int opened =
        raw.open("127.0.0.3", port, flood, std::string("\x16\x03\x01\x02\x00\x01", 6));
    std::fprintf(stderr, "slow_hello: %d connections open\n", opened);
    row("slow_hello", measure(port, *cps, requests));
  }
  {
    net::io_context client_io;
    std::vector<std::unique_ptr<Stream>> held;
    for (int i = 0; i < agency_connections; ++i) {
      if (auto s = connect_and_get(client_io, *police, port)) held.push_back(std::move(s));
    }
    std::fprintf(stderr, "agency_at_cap: police.met opened %zu, the server keeps %zu\n",
                 held.size(),
                 server->peer_connections(accord::server::PeerRole::agency, "police.met"));
    row("agency_at_cap", measure(port, *cps, requests));
  }
  threads.stop();
  return ok ? 0 : 1;
}
