// Publishes on a small pool of the adapter's own threads: libnats' JetStream publish blocks
// until the PubAck (or its timeout), and deliver() must not block the io_context. The one
// connection is shared by the threads (libnats is thread-safe) and made by the first of them
// to need it; libnats then keeps it up (reconnects forever, every reconnect_wait).
#include <nats/nats.h>

#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "accord/adapters/nats.hpp"

namespace accord::adapters {
namespace {

std::string last_nats_error(natsStatus fallback) {
  natsStatus s = fallback;
  const char* text = nats_GetLastError(&s);
  if (text != nullptr && *text != '\0') return text;
  return natsStatus_GetText(fallback);
}

Error tls_error(std::string_view what, const std::string& source, const std::string& why) {
  const bool inline_pem = source.starts_with("-----BEGIN");
  return make_error("tls_config",
                    "nats " + std::string(what) +
                        (inline_pem ? " (inline PEM)" : " '" + source + "'") + ": " + why,
                    inline_pem ? std::string() : source);
}

Status readable(std::string_view what, const std::string& path) {
  if (path.starts_with("-----BEGIN")) return Status::Ok();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return tls_error(what, path, std::strerror(errno));
  std::fclose(f);
  return Status::Ok();
}

struct OptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
using OptionsPtr = std::unique_ptr<natsOptions, OptionsDeleter>;

// Everything libnats needs to connect, checked now so a bad file fails the gateway's start
// (and --check) rather than every delivery.
Result<OptionsPtr> make_options(const NatsSettings& s, const std::string& agency) {
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) {
    return make_error("internal", "nats options: " + last_nats_error(NATS_NO_MEMORY));
  }
  OptionsPtr opts(raw);
  for (auto [what, path] : {std::pair<const char*, const std::string*>{"ca", &s.ca},
                            {"cert", &s.cert},
                            {"key", &s.key}}) {
    if (auto st = readable(what, *path); !st.ok()) return st.error();
  }
  const auto inline_pem = [](const std::string& v) { return v.starts_with("-----BEGIN"); };
  natsStatus st = natsOptions_SetSecure(opts.get(), true);
  if (st != NATS_OK) return make_error("tls_config", "nats TLS setup: " + last_nats_error(st));
  st = inline_pem(s.ca) ? natsOptions_SetCATrustedCertificates(opts.get(), s.ca.c_str())
                        : natsOptions_LoadCATrustedCertificates(opts.get(), s.ca.c_str());
  if (st != NATS_OK) return tls_error("ca", s.ca, last_nats_error(st));
  if (inline_pem(s.cert) != inline_pem(s.key)) {
    return tls_error("key", s.key, "cert and key must both be files or both be inline PEM");
  }
  st = inline_pem(s.cert)
           ? natsOptions_SetCertificatesChain(opts.get(), s.cert.c_str(), s.key.c_str())
           : natsOptions_LoadCertificatesChain(opts.get(), s.cert.c_str(), s.key.c_str());
  if (st != NATS_OK) return tls_error("cert/key", s.cert, last_nats_error(st));
  const std::string name = "accord-gateway (" + agency + ")";
  const auto timeout = static_cast<int64_t>(s.timeout.count());
  for (natsStatus step : {
           natsOptions_SetExpectedHostname(opts.get(), s.server_name.c_str()),
           natsOptions_SetURL(opts.get(), s.url.c_str()),
           natsOptions_SetName(opts.get(), name.c_str()),
           natsOptions_SetTimeout(opts.get(), timeout),
           natsOptions_SetMaxReconnect(opts.get(), -1),
           natsOptions_SetReconnectWait(opts.get(), s.reconnect_wait.count()),
           // A publish caught by a disconnect fails at once (retry_later) rather than waiting
           // out its timeout.
           natsOptions_SetFailRequestsOnDisconnect(opts.get(), true),
           // A server that is down when the first copy comes does not fail the connection:
           // libnats keeps trying in the background and copies are retry_later meanwhile.
           natsOptions_SetRetryOnFailedConnect(
               opts.get(), true, [](natsConnection*, void*) {}, nullptr),
       }) {
    if (step != NATS_OK)
      return make_error("invalid_config", "nats options: " + last_nats_error(step));
  }
  return opts;
}

bool header_safe(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

class NatsAdapter final : public OutboundAdapter {
 public:
  NatsAdapter(NatsSettings settings, OptionsPtr options, boost::asio::io_context* io)
      : settings_(std::move(settings)), options_(std::move(options)), io_(io) {}

  ~NatsAdapter() override {
    stop();
    {
      // Wakes a publish blocked on its PubAck: it returns with "connection closed".
      std::lock_guard lock(connection_mutex_);
      if (connection_ != nullptr) natsConnection_Close(connection_);
    }
    for (auto& t : threads_) t.join();
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (connection_ != nullptr) natsConnection_Destroy(connection_);
  }

  std::string_view kind() const override { return "nats"; }
  std::size_t max_in_flight() const override { return settings_.max_in_flight; }

  void deliver(OutboundMessage message, Done done) override {
    {
      std::lock_guard lock(mutex_);
      if (!stopped_) {
        if (threads_.empty()) {
          for (std::size_t i = 0; i < settings_.max_in_flight; ++i) {
            threads_.emplace_back([this] { run(); });
          }
        }
        queue_.push_back({std::move(message), std::move(done)});
        wake_.notify_one();
        return;
      }
    }
    // Posted, never called here: the worker may call deliver() while holding its own lock.
    post_stopped(std::move(done));
  }

  void stop() override {
    std::deque<Job> pending;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      pending.swap(queue_);
      wake_.notify_all();
    }
    for (auto& job : pending) post_stopped(std::move(job.done));
    // A publish already waiting for its PubAck finishes on its own (within timeout_ms) and
    // reports what the stream answered.
  }

 private:
  struct Job {
    OutboundMessage message;
    Done done;
  };

  void post_stopped(Done done) {
    boost::asio::post(*io_, [done = std::move(done)] {
      done({DeliveryStatus::retry_later, "adapter stopped"});
    });
  }

  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopped
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      // `done` may run on any thread (adapter.hpp); this one holds no lock.
      job.done(publish(job.message));
    }
  }

  // The JetStream context, connecting first if nobody has yet. nullptr with `why` when the
  // connection cannot even be set up (libnats retries a refused connect by itself).
  jsCtx* jetstream(std::string& why) {
    std::lock_guard lock(connection_mutex_);
    if (js_ != nullptr) return js_;
    if (connection_ == nullptr) {
      const natsStatus st = natsConnection_Connect(&connection_, options_.get());
      if (st != NATS_OK && st != NATS_NOT_YET_CONNECTED) {
        why = "connecting to " + settings_.url + ": " + last_nats_error(st);
        if (connection_ != nullptr) natsConnection_Destroy(connection_);
        connection_ = nullptr;
        return nullptr;
      }
    }
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = settings_.timeout.count();
    const natsStatus st = natsConnection_JetStream(&js_, connection_, &js_options);
    if (st != NATS_OK) {
      why = "JetStream context: " + last_nats_error(st);
      js_ = nullptr;
      return nullptr;
    }
    return js_;
  }

  DeliveryOutcome publish(const OutboundMessage& m) {
    if (!header_safe(m.sender) || !header_safe(m.message_id) || !header_safe(m.recipient)) {
      // Cannot happen for copies the pipeline stored (all are validated); refusing keeps a
      // corrupt row from becoming header injection.
      return {DeliveryStatus::permanent_failure, "sender or message id not valid in a header"};
    }
    std::string why;
    jsCtx* js = jetstream(why);
    if (js == nullptr) return {DeliveryStatus::retry_later, why};
    if (natsConnection_Status(connection_) != NATS_CONN_STATUS_CONNECTED) {
      return {DeliveryStatus::retry_later,
              "not connected to " + settings_.url + " (libnats is reconnecting)"};
    }
    natsMsg* msg = nullptr;
    natsStatus st = natsMsg_Create(&msg, settings_.subject.c_str(), nullptr, m.document.data(),
                                   static_cast<int>(m.document.size()));
    if (st != NATS_OK) return {DeliveryStatus::retry_later, "message: " + last_nats_error(st)};
    const std::string delivery_id = std::to_string(m.delivery_id);
    const std::string attempt = std::to_string(m.attempt);
    for (auto [name, value] :
         {std::pair<const char*, const std::string*>{"Accord-Message-Id", &m.message_id},
          {"Accord-Delivery-Id", &delivery_id},
          {"Accord-Sender", &m.sender},
          {"Accord-Attempt", &attempt}}) {
      if (st == NATS_OK) st = natsMsgHeader_Set(msg, name, value->c_str());
    }
    if (st == NATS_OK) st = natsMsgHeader_Set(msg, "Content-Type", "application/json");
    if (st != NATS_OK) {
      natsMsg_Destroy(msg);
      return {DeliveryStatus::retry_later, "headers: " + last_nats_error(st)};
    }
    const std::string msg_id = nats_msg_id(m);
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = settings_.timeout.count();
    options.MsgId = msg_id.c_str();  // libnats sends it as Nats-Msg-Id
    if (!settings_.stream.empty()) options.ExpectStream = settings_.stream.c_str();
    jsPubAck* ack = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    st = js_PublishMsg(&ack, js, msg, &options, &code);
    natsMsg_Destroy(msg);
    if (st == NATS_OK && ack != nullptr) {
      const std::string ref = std::string(ack->Stream) + ":" + std::to_string(ack->Sequence);
      DeliveryOutcome out{DeliveryStatus::delivered,
                          std::string("PubAck ") + ref + (ack->Duplicate ? " (duplicate)" : ""),
                          ref};
      jsPubAck_Destroy(ack);
      return out;
    }
    if (ack != nullptr) jsPubAck_Destroy(ack);
    return classify(st, code, m.document.size());
  }

  // The one place a failed publish becomes an outcome (docs/adapters.md "nats (outbound)").
  DeliveryOutcome classify(natsStatus st, jsErrCode code, std::size_t size) const {
    const std::string text = last_nats_error(st);
    switch (st) {
      case NATS_NO_RESPONDERS:
        return {DeliveryStatus::retry_later, "no JetStream stream is bound to subject '" +
                                                 settings_.subject + "' (no responders)"};
      case NATS_TIMEOUT:
        return {DeliveryStatus::retry_later,
                "no PubAck within " + std::to_string(settings_.timeout.count()) + " ms"};
      case NATS_MAX_PAYLOAD:
        // The same bytes can never pass this server: the recipient's side must change.
        return {DeliveryStatus::permanent_failure, "the delivered item (" + std::to_string(size) +
                                                       " bytes) exceeds the server's max_payload"};
      default:
        break;
    }
    if (code == JSStreamMessageExceedsMaximumErr) {
      return {DeliveryStatus::permanent_failure,
              "the stream refused the delivered item (" + std::to_string(size) +
                  " bytes) as too large (err_code 10054): " + text};
    }
    if (code != 0) {
      return {DeliveryStatus::retry_later, "JetStream refused the publish (err_code " +
                                               std::to_string(static_cast<int>(code)) +
                                               "): " + text};
    }
    return {DeliveryStatus::retry_later, text};
  }

  NatsSettings settings_;
  OptionsPtr options_;
  boost::asio::io_context* io_ = nullptr;

  std::mutex mutex_;  // queue_, stopped_, threads_
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;

  std::mutex connection_mutex_;  // connection_ and js_ while they are made
  natsConnection* connection_ = nullptr;
  jsCtx* js_ = nullptr;
};

}  // namespace

std::string nats_msg_id(const OutboundMessage& message) {
  return message.sender + "/" + message.message_id + "/" + message.recipient;
}

Result<std::unique_ptr<OutboundAdapter>> make_nats_adapter(const AdapterContext& context) {
  if (context.io == nullptr) {
    return make_error("invalid_argument", "nats adapter for " + context.agency + ": no io_context");
  }
  auto settings =
      parse_nats_settings(context.settings, context.agency, context.base_dir, context.tls);
  if (!settings.ok()) return settings.error();
  auto options = make_options(*settings, context.agency);
  if (!options.ok()) return options.error();
  return std::unique_ptr<OutboundAdapter>(
      std::make_unique<NatsAdapter>(std::move(*settings), std::move(*options), context.io));
}

Status register_nats(Registry& registry) {
  return registry.add_outbound("nats", make_nats_adapter);
}

}  // namespace accord::adapters
