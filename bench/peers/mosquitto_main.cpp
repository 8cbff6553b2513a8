// Mosquitto driver for bench/peers.sh: libmosquitto (Debian's libmosquitto1) over mutual TLS,
// MQTT 3.1.1 QoS 1 publishes; the PUBACK is the acknowledgement. Setup registers a persistent
// session (clean session off) subscribed at QoS 1 to every published topic and disconnects it,
// so the broker has to queue every message for it, as Accord queues copies for recipients;
// without it Mosquitto would drop QoS 1 messages that no one is subscribed to.
#include <mosquitto.h>

#include <mutex>

#include "driver.hpp"

namespace {

using accord::make_error;
using accord::Result;
using accord::Status;
using accord::peers::Confirm;
using accord::peers::Options;

constexpr const char* kSinkId = "accord-bench-sink";

// One client; the network loop runs in the caller's thread (mosquitto_loop), so callbacks
// run there too and need no locking.
class MqttClient {
 public:
  MqttClient(const std::string& id, bool clean_session)
      : m_(mosquitto_new(id.c_str(), clean_session, this)) {
    if (m_ == nullptr) return;
    mosquitto_int_option(m_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_callback_set(
        m_, [](mosquitto*, void* self, int rc) { static_cast<MqttClient*>(self)->connack_ = rc; });
    mosquitto_publish_callback_set(m_, [](mosquitto*, void* self, int mid) {
      static_cast<MqttClient*>(self)->acked_.push_back(static_cast<std::uint64_t>(mid));
    });
    mosquitto_subscribe_callback_set(m_, [](mosquitto*, void* self, int, int, const int*) {
      static_cast<MqttClient*>(self)->subacked_ = true;
    });
  }
  ~MqttClient() {
    if (m_ == nullptr) return;
    if (connected_) {
      mosquitto_disconnect(m_);
      (void)mosquitto_loop(m_, 100, 1);
    }
    mosquitto_destroy(m_);
  }

  Status connect(const Options& o, unsigned inflight) {
    if (m_ == nullptr) return make_error("mqtt", "mosquitto_new failed");
    if (int rc =
            mosquitto_tls_set(m_, o.ca.c_str(), nullptr, o.cert.c_str(), o.key.c_str(), nullptr);
        rc != MOSQ_ERR_SUCCESS) {
      return make_error("tls", mosquitto_strerror(rc));
    }
    mosquitto_int_option(m_, MOSQ_OPT_SEND_MAXIMUM, static_cast<int>(inflight));
    if (int rc = mosquitto_connect(m_, o.host.c_str(), o.port, 60); rc != MOSQ_ERR_SUCCESS) {
      return make_error("connect", mosquitto_strerror(rc));
    }
    connected_ = true;
    for (int i = 0; i < 100 && connack_ < 0; ++i) {
      if (int rc = mosquitto_loop(m_, 100, 1); rc != MOSQ_ERR_SUCCESS) {
        return make_error("connect", mosquitto_strerror(rc));
      }
    }
    if (connack_ != 0) {
      return make_error("connack",
                        connack_ < 0 ? "no CONNACK" : mosquitto_connack_string(connack_));
    }
    return {};
  }

  Status subscribe(const std::string& pattern) {
    if (int rc = mosquitto_subscribe(m_, nullptr, pattern.c_str(), 1); rc != MOSQ_ERR_SUCCESS) {
      return make_error("subscribe", mosquitto_strerror(rc));
    }
    for (int i = 0; i < 100 && !subacked_; ++i) (void)mosquitto_loop(m_, 100, 1);
    if (!subacked_) return make_error("subscribe", "no SUBACK");
    return {};
  }

  mosquitto* handle() { return m_; }
  std::vector<std::uint64_t>& acked() { return acked_; }

 private:
  mosquitto* m_;
  bool connected_ = false;
  int connack_ = -1;
  bool subacked_ = false;
  std::vector<std::uint64_t> acked_;
};

class MqttPublisher final : public accord::peers::Publisher {
 public:
  MqttPublisher(const Options& o, int index)
      : client_("accord-bench-" + std::to_string(index), true),
        topic_(o.target + "/" + std::to_string(index)) {}

  Status open(const Options& o) { return client_.connect(o, static_cast<unsigned>(o.window)); }

  Result<std::uint64_t> publish(std::string_view body) override {
    int mid = 0;
    int rc = mosquitto_publish(client_.handle(), &mid, topic_.c_str(),
                               static_cast<int>(body.size()), body.data(), 1, false);
    if (rc != MOSQ_ERR_SUCCESS) return make_error("mqtt", mosquitto_strerror(rc));
    return static_cast<std::uint64_t>(mid);  // 16-bit, unique among those in flight
  }

  Result<std::vector<Confirm>> wait(std::chrono::milliseconds timeout) override {
    if (int rc = mosquitto_loop(client_.handle(), static_cast<int>(timeout.count()), 1);
        rc != MOSQ_ERR_SUCCESS) {
      return make_error("mqtt", mosquitto_strerror(rc));
    }
    std::vector<Confirm> out;
    for (auto mid : client_.acked()) out.push_back({mid, false, true, {}});
    client_.acked().clear();
    return out;
  }

 private:
  MqttClient client_;
  std::string topic_;
};

}  // namespace

int main(int argc, char** argv) {
  mosquitto_lib_init();
  accord::peers::Peer peer;
  peer.name = "mosquitto";
  peer.ack_meaning = "PUBACK: queued in memory for a persistent session (disk only at autosave)";
  peer.setup = [](const Options& o) -> Status {
    MqttClient sink(kSinkId, false);
    if (auto s = sink.connect(o, 1); !s) return s;
    return sink.subscribe(o.target + "/#");  // the destructor disconnects; the session stays
  };
  peer.connect = [](const Options& o, int i) -> Result<std::unique_ptr<accord::peers::Publisher>> {
    auto p = std::make_unique<MqttPublisher>(o, i);
    if (auto s = p->open(o); !s) return s.error();
    return std::unique_ptr<accord::peers::Publisher>(std::move(p));
  };
  int rc = accord::peers::main_for(peer, argc, argv);
  mosquitto_lib_cleanup();
  return rc;
}
