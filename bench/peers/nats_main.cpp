// NATS JetStream driver for bench/peers.sh: Debian's libnats (nats.c) over mutual TLS.
// Setup creates a file-storage stream over "<target>.>"; each connection publishes to its own
// subject with a reply subject of its own and reads the JetStream acknowledgement
// ({"stream":..,"seq":..} or {"error":..}) from a synchronous subscription, so several
// publishes can be outstanding per connection.
#include <nats/nats.h>

#include <cstring>

#include "driver.hpp"

namespace {

using accord::Error;
using accord::make_error;
using accord::Result;
using accord::Status;
using accord::peers::Confirm;
using accord::peers::Options;

std::string stream_name(const Options& o) {
  std::string s = o.target;
  for (char& c : s) c = (c == '-' || c == '.') ? '_' : static_cast<char>(std::toupper(c));
  return s;
}
std::string subject_prefix(const Options& o) {
  return o.target;
}

Error nats_error(const char* what, natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  return make_error(what,
                    std::string(natsStatus_GetText(s)) + (last ? std::string(": ") + last : ""));
}

class NatsConnection {
 public:
  ~NatsConnection() {
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) natsConnection_Destroy(nc_);
  }

  Status connect(const Options& o) {
    natsOptions* opts = nullptr;
    natsStatus s = natsOptions_Create(&opts);
    const std::string url = "tls://" + o.host + ":" + std::to_string(o.port);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
    if (s == NATS_OK) s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts, o.ca.c_str());
    if (s == NATS_OK) s = natsOptions_LoadCertificatesChain(opts, o.cert.c_str(), o.key.c_str());
    // Write each publish at once, as the AMQP and MQTT clients do, rather than letting the
    // flusher thread batch them.
    if (s == NATS_OK) s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK) s = natsConnection_Connect(&nc_, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) return nats_error("connect", s);
    return {};
  }

  Status add_stream(const Options& o) {
    natsStatus s = natsConnection_JetStream(&js_, nc_, nullptr);
    if (s != NATS_OK) return nats_error("jetstream", s);
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const std::string name = stream_name(o);
    const std::string subjects = subject_prefix(o) + ".>";
    const char* subj[] = {subjects.c_str()};
    cfg.Name = name.c_str();
    cfg.Subjects = subj;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_LimitsPolicy;
    cfg.Replicas = 1;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    jsStreamInfo* si = nullptr;
    s = js_AddStream(&si, js_, &cfg, nullptr, &jerr);
    if (si != nullptr) jsStreamInfo_Destroy(si);
    if (s != NATS_OK) return nats_error("add stream", s);
    return {};
  }

  natsConnection* nc() { return nc_; }
  natsSubscription*& sub() { return sub_; }

 private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  natsSubscription* sub_ = nullptr;
};

class NatsPublisher final : public accord::peers::Publisher {
 public:
  NatsPublisher(const Options& o, int index)
      : subject_(subject_prefix(o) + "." + std::to_string(index)),
        inbox_("accord-acks." + std::to_string(index) + ".") {}

  Status open(const Options& o) {
    if (auto s = conn_.connect(o); !s) return s;
    const std::string pattern = inbox_ + "*";
    natsStatus s = natsConnection_SubscribeSync(&conn_.sub(), conn_.nc(), pattern.c_str());
    if (s != NATS_OK) return nats_error("subscribe", s);
    // The subscription must be known to the server before the first ack is sent to it.
    s = natsConnection_FlushTimeout(conn_.nc(), 5000);
    if (s != NATS_OK) return nats_error("flush", s);
    return {};
  }

  Result<std::uint64_t> publish(std::string_view body) override {
    const std::uint64_t tag = ++next_tag_;
    const std::string reply = inbox_ + std::to_string(tag);
    natsStatus s = natsConnection_PublishRequest(conn_.nc(), subject_.c_str(), reply.c_str(),
                                                 body.data(), static_cast<int>(body.size()));
    if (s != NATS_OK) return nats_error("publish", s);
    return tag;
  }

  Result<std::vector<Confirm>> wait(std::chrono::milliseconds timeout) override {
    std::vector<Confirm> out;
    int pending = 1;
    do {
      natsMsg* m = nullptr;
      natsStatus s = natsSubscription_NextMsg(&m, conn_.sub(), out.empty() ? timeout.count() : 1);
      if (s == NATS_TIMEOUT) break;
      if (s != NATS_OK) return nats_error("next", s);
      const char* subj = natsMsg_GetSubject(m);
      const std::string_view data(natsMsg_GetData(m),
                                  static_cast<std::size_t>(natsMsg_GetDataLength(m)));
      Confirm c;
      c.tag = std::strtoull(subj + inbox_.size(), nullptr, 10);
      c.ok = data.find("\"seq\"") != std::string_view::npos &&
             data.find("\"error\"") == std::string_view::npos;
      if (!c.ok) c.error = std::string(data.substr(0, 200));
      out.push_back(std::move(c));
      natsMsg_Destroy(m);
      if (natsSubscription_GetPending(conn_.sub(), &pending, nullptr) != NATS_OK) pending = 0;
    } while (pending > 0);
    return out;
  }

 private:
  NatsConnection conn_;
  std::string subject_;
  std::string inbox_;
  std::uint64_t next_tag_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  accord::peers::Peer peer;
  peer.name = "nats-jetstream";
  peer.ack_meaning = "PubAck: written to the file store (fsync every 2 min, not per message)";
  peer.setup = [](const Options& o) -> Status {
    NatsConnection c;
    if (auto s = c.connect(o); !s) return s;
    return c.add_stream(o);
  };
  peer.connect = [](const Options& o, int i) -> Result<std::unique_ptr<accord::peers::Publisher>> {
    auto p = std::make_unique<NatsPublisher>(o, i);
    if (auto s = p->open(o); !s) return s.error();
    return std::unique_ptr<accord::peers::Publisher>(std::move(p));
  };
  int rc = accord::peers::main_for(peer, argc, argv);
  nats_Close();
  return rc;
}
