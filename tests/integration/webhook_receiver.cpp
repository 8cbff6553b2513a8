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
port, cert, key, ca, log_path, reject_path = sys.argv[1:7]
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        env = json.loads(body)['envelope']
        try:
            rejected = set(open(reject_path).read().split())
        except OSError:
            rejected = set()
        status = 400 if env['id'] in rejected else 200
        if status == 200:
            with lock, open(log_path + '.' + env['id'] + '.body', 'wb') as f:
                f.write(body)
            with lock, open(log_path, 'a') as f:
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

bool WebhookReceiver::start() {
  std::error_code ec;
  fs::remove(log() + ".ready", ec);
  const auto& pki = Pki::get();
  const std::string port = std::to_string(port_);
  const std::string script = dir_.file("receiver.py"), cert = pki.file("server.pem"),
                    key = pki.file("server.key"), ca = pki.file("ca.pem"), log_path = log(),
                    reject_path = dir_.file("reject.txt");
  pid_ = fork();
  if (pid_ == 0) {
    execl("/usr/bin/python3", "python3", script.c_str(), port.c_str(), cert.c_str(), key.c_str(),
          ca.c_str(), log_path.c_str(), reject_path.c_str(), static_cast<char*>(nullptr));
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
  std::vector<nlohmann::json> out;
  std::ifstream in(log());
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace accord::test
