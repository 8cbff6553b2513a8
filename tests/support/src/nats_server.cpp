#include "accord/testing/nats_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "accord/testing/dev_pki.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::testing {
namespace {

constexpr const char* kBinary = "/usr/sbin/nats-server";  // Debian's nats-server package

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string nats_error(natsStatus s) {
  natsStatus st = s;
  const char* text = nats_GetLastError(&st);
  return text != nullptr && *text != '\0' ? text : natsStatus_GetText(s);
}

// One client connection and its JetStream context for a helper call.
struct Client {
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~Client() {
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Destroy(nc);
    if (opts != nullptr) natsOptions_Destroy(opts);
  }
  std::string connect(const std::string& url) {
    const auto& pki = dev_pki();
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
    if (s == NATS_OK) s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts, pki.ca().c_str());
    if (s == NATS_OK) {
      s = natsOptions_LoadCertificatesChain(opts, pki.server_cert().c_str(),
                                            pki.server_key().c_str());
    }
    if (s == NATS_OK) s = natsOptions_SetExpectedHostname(opts, "localhost");
    if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, nullptr);
    return s == NATS_OK ? "" : nats_error(s);
  }
};

}  // namespace

NatsServer::NatsServer(const std::string& extra_config) : dir_("accord-nats-"), port_(free_port()) {
  const auto& pki = dev_pki();
  std::ofstream conf(dir_.file("nats.conf"));
  conf << "listen: 127.0.0.1:" << port_ << "\n"
       << "jetstream { store_dir: \"" << dir_.file("store") << "\" }\n"
       << "tls {\n  cert_file: \"" << pki.server_cert() << "\"\n  key_file: \"" << pki.server_key()
       << "\"\n  ca_file: \"" << pki.ca() << "\"\n  verify: true\n}\n"
       << extra_config << "\n";
}

NatsServer::~NatsServer() {
  stop();
}

std::string NatsServer::url() const {
  return "tls://127.0.0.1:" + std::to_string(port_);
}

std::string NatsServer::log_tail() const {
  std::ifstream in(dir_.file("nats.log"));
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

std::string NatsServer::start() {
  if (pid_ > 0) return "";
  if (!dev_pki().ok()) return "dev PKI: " + dev_pki().error();
  const std::string conf = dir_.file("nats.conf");
  const std::string log = dir_.file("nats.log");
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execl(kBinary, "nats-server", "-c", conf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  const bool up = wait_until(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;  // exited: reported below
        }
        return accepts(port_);
      },
      std::chrono::seconds(20));
  if (pid_ < 0) return std::string("nats-server (") + kBinary + ") exited at start: " + log_tail();
  if (!up) {
    stop();
    return "nats-server did not listen on " + std::to_string(port_) + ": " + log_tail();
  }
  return "";
}

void NatsServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string NatsServer::add_stream(const std::string& name,
                                   const std::vector<std::string>& subjects,
                                   std::int32_t max_msg_size) {
  Client c;
  if (auto e = c.connect(url()); !e.empty()) return "connect: " + e;
  std::vector<const char*> subs;
  for (const auto& s : subjects) subs.push_back(s.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  cfg.Subjects = subs.data();
  cfg.SubjectsLen = static_cast<int>(subs.size());
  cfg.Storage = js_FileStorage;
  if (max_msg_size > 0) cfg.MaxMsgSize = max_msg_size;
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_AddStream(&si, c.js, &cfg, nullptr, &code);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  return s == NATS_OK ? "" : "add stream: " + nats_error(s);
}

std::vector<StoredNatsMessage> NatsServer::read_stream(const std::string& name,
                                                       std::string& error) {
  std::vector<StoredNatsMessage> out;
  Client c;
  if (auto e = c.connect(url()); !e.empty()) {
    error = "connect: " + e;
    return out;
  }
  jsStreamInfo* si = nullptr;
  natsStatus s = js_GetStreamInfo(&si, c.js, name.c_str(), nullptr, nullptr);
  if (s != NATS_OK) {
    error = "stream info: " + nats_error(s);
    return out;
  }
  const std::uint64_t count = si->State.Msgs;
  const std::string subject = si->Config->SubjectsLen > 0 ? si->Config->Subjects[0] : ">";
  jsStreamInfo_Destroy(si);
  if (count == 0) return out;
  jsSubOptions sub_opts;
  jsSubOptions_Init(&sub_opts);
  sub_opts.Stream = name.c_str();
  natsSubscription* sub = nullptr;
  s = js_SubscribeSync(&sub, c.js, subject.c_str(), nullptr, &sub_opts, nullptr);
  if (s != NATS_OK) {
    error = "subscribe: " + nats_error(s);
    return out;
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, sub, 10000);
    if (s != NATS_OK) {
      error = "next message: " + nats_error(s);
      break;
    }
    StoredNatsMessage m;
    m.subject = natsMsg_GetSubject(msg);
    m.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    const char** keys = nullptr;
    int nkeys = 0;
    if (natsMsgHeader_Keys(msg, &keys, &nkeys) == NATS_OK) {
      for (int k = 0; k < nkeys; ++k) {
        const char* value = nullptr;
        if (natsMsgHeader_Get(msg, keys[k], &value) == NATS_OK && value != nullptr) {
          m.headers[keys[k]] = value;
        }
      }
      free(static_cast<void*>(keys));
    }
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      m.stream_sequence = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
    out.push_back(std::move(m));
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  return out;
}

}  // namespace accord::testing
