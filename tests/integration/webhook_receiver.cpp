#include "webhook_receiver.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "accord/testing/wait_until.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kReceiverPy = R"PY(
import http.server, json, ssl, sys, threading
port, cert, key, ca, log_path, reject_path, fail_first_path = sys.argv[1:8]
lock = threading.Lock()
def ids(path):
    try:
        return set(open(path).read().split())
    except OSError:
        return set()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive: the gateway may reuse the connection
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        env = json.loads(body)['envelope']
        attempt = int(self.headers.get('Accord-Attempt', 0))
        if env['id'] in ids(reject_path):
            status = 400
        elif env['id'] in ids(fail_first_path) and attempt == 1:
            status = 503
        else:
            status = 200
        with lock:
            # Every request, whatever the answer: which connection (the client's port) it came on.
            with open(log_path + '.requests', 'a') as f:
                f.write(json.dumps({'id': env['id'], 'status': status, 'attempt': attempt,
                                    'peer_port': self.client_address[1]}) + '\n')
            if status == 200:
                with open(log_path + '.' + env['id'] + '.body', 'wb') as f:
                    f.write(body)
                with open(log_path, 'a') as f:
                    f.write(json.dumps({'id': env['id'], 'case': env['case']['urn'],
                                        'key': self.headers.get('Idempotency-Key')}) + '\n')
        self.send_response(status)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = http.server.ThreadingHTTPServer(('127.0.0.1', int(port)), H)
srv.daemon_threads = True  # kept-alive connections must not hold up SIGTERM
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(log_path + '.ready', 'w').close()
srv.serve_forever()
)PY";

}  // namespace

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

WebhookReceiver::WebhookReceiver(const TempDir& dir, std::uint16_t port) : dir_(dir), port_(port) {
  std::ofstream(dir.file("receiver.py")) << kReceiverPy;
}

WebhookReceiver::~WebhookReceiver() {
  stop();
}

void WebhookReceiver::reject(const std::set<std::string>& ids) {
  std::ofstream out(dir_.file("reject.txt"), std::ios::trunc);
  for (const auto& id : ids) out << id << "\n";
}

void WebhookReceiver::fail_first_attempt(const std::set<std::string>& ids) {
  std::ofstream out(dir_.file("fail-first.txt"), std::ios::trunc);
  for (const auto& id : ids) out << id << "\n";
}

bool WebhookReceiver::start() {
  std::error_code ec;
  fs::remove(log() + ".ready", ec);
  const auto& pki = Pki::get();
  const std::string port = std::to_string(port_);
  const std::string script = dir_.file("receiver.py"), cert = pki.file("server.pem"),
                    key = pki.file("server.key"), ca = pki.file("ca.pem"), log_path = log(),
                    reject_path = dir_.file("reject.txt"),
                    fail_first_path = dir_.file("fail-first.txt");
  pid_ = fork();
  if (pid_ == 0) {
    execl("/usr/bin/python3", "python3", script.c_str(), port.c_str(), cert.c_str(), key.c_str(),
          ca.c_str(), log_path.c_str(), reject_path.c_str(), fail_first_path.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return testing::wait_until([&] { return fs::exists(log() + ".ready"); }, 15s);
}

void WebhookReceiver::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::vector<nlohmann::json> WebhookReceiver::received() const {
  return read_jsonl(log());
}

std::vector<nlohmann::json> WebhookReceiver::requests() const {
  return read_jsonl(log() + ".requests");
}

std::vector<nlohmann::json> WebhookReceiver::read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace accord::test
