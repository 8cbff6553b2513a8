// The smtp adapter's thread: a curl_multi loop that runs at most max_in_flight mails at once,
// woken by deliver() and stop(). Each transfer is a fresh connection (no reuse: what happened
// on it is this copy's alone); smtp_transfer.cpp builds it, smtp_outcome.cpp judges it.
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include "smtp_transfer.hpp"

namespace accord::adapters {
namespace {

using smtp_detail::is_pem;
using smtp_detail::Shared;
using smtp_detail::Transfer;

Status readable(std::string_view what, const std::string& source) {
  if (is_pem(source)) return Status::Ok();
  std::FILE* f = std::fopen(source.c_str(), "rb");
  if (f == nullptr) {
    return make_error("tls_config",
                      "smtp " + std::string(what) + " '" + source + "': " + std::strerror(errno),
                      source);
  }
  std::fclose(f);
  return Status::Ok();
}

class SmtpAdapter final : public OutboundAdapter {
 public:
  explicit SmtpAdapter(std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)), multi_(curl_multi_init()) {
    connect_to_ = curl_slist_append(nullptr, shared_->connect_to.c_str());
    thread_ = std::thread([this] { run(); });
  }
  ~SmtpAdapter() override {
    stop();
    if (thread_.joinable()) thread_.join();
    curl_multi_cleanup(multi_);
    curl_slist_free_all(connect_to_);
  }

  std::string_view kind() const override { return "smtp"; }
  std::size_t max_in_flight() const override { return shared_->settings.max_in_flight; }

  void deliver(OutboundMessage message, Done done) override {
    bool queued = false;
    {
      std::lock_guard lock(mutex_);
      if (!stopped_) {
        auto t = std::make_unique<Transfer>();
        t->message = std::move(message);
        t->done = std::move(done);
        queue_.push_back(std::move(t));
        queued = true;
      }
    }
    if (!queued) {
      // Posted, never called here: the worker may call deliver() while holding its own lock.
      boost::asio::post(*shared_->io, [done = std::move(done)] {
        done({DeliveryStatus::retry_later, "adapter stopped"});
      });
      return;
    }
    curl_multi_wakeup(multi_);
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    curl_multi_wakeup(multi_);
  }

 private:
  void run() {
    std::list<std::unique_ptr<Transfer>> running;
    for (;;) {
      std::deque<std::unique_ptr<Transfer>> starting;
      bool stopping = false;
      {
        std::lock_guard lock(mutex_);
        stopping = stopped_;
        while (!queue_.empty() &&
               running.size() + starting.size() < shared_->settings.max_in_flight) {
          starting.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (stopping) {
          for (auto& t : queue_) starting.push_back(std::move(t));
          queue_.clear();
        }
      }
      if (stopping) {
        for (auto& t : running) {
          curl_multi_remove_handle(multi_, t->easy);
          finish(*t, {DeliveryStatus::retry_later, "adapter stopped"});
        }
        for (auto& t : starting) finish(*t, {DeliveryStatus::retry_later, "adapter stopped"});
        return;
      }
      for (auto& t : starting) {
        if (auto problem = smtp_detail::prepare(*shared_, *t); !problem.empty()) {
          finish(*t, {DeliveryStatus::permanent_failure, problem});
          continue;
        }
        if (!shared_->connect_to.empty()) {
          // The URL names server_name (what the certificate must carry); connect to host.
          curl_easy_setopt(t->easy, CURLOPT_CONNECT_TO, connect_to_);
        }
        curl_multi_add_handle(multi_, t->easy);
        running.push_back(std::move(t));
      }
      int still_running = 0;
      curl_multi_perform(multi_, &still_running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* done = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &done);
        const CURLcode code = msg->data.result;
        curl_multi_remove_handle(multi_, msg->easy_handle);
        const std::string error = done->error[0] != '\0' ? std::string(done->error)
                                                         : std::string(curl_easy_strerror(code));
        auto outcome = classify_smtp(code, done->transcript, error, shared_->settings.timeout);
        if (outcome.status == DeliveryStatus::delivered) {
          outcome.channel_ref = done->message_id_header;
        }
        finish(*done, std::move(outcome));
        running.remove_if([done](const auto& t) { return t.get() == done; });
      }
      // Sleeps until a socket is ready, a timeout is due, or deliver()/stop() wakes it.
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
  }

  static void finish(Transfer& t, DeliveryOutcome outcome) {
    auto done = std::move(t.done);
    t.done = nullptr;
    if (done) done(std::move(outcome));
  }

  std::shared_ptr<Shared> shared_;
  CURLM* multi_;
  curl_slist* connect_to_ = nullptr;
  std::mutex mutex_;
  bool stopped_ = false;
  std::deque<std::unique_ptr<Transfer>> queue_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<OutboundAdapter>> make_smtp_adapter(const AdapterContext& context) {
  if (context.io == nullptr) {
    return make_error("invalid_argument", "smtp adapter for " + context.agency + ": no io_context");
  }
  auto settings = parse_smtp_settings(context.settings, context.base_dir, context.tls);
  if (!settings.ok()) return settings.error();
  if (auto st = load_smtp_password(*settings); !st.ok()) return st.error();
  if (auto st = readable("ca", settings->ca); !st.ok()) return st.error();
  if (settings->client_certificate) {
    if (auto st = readable("cert", context.tls.cert); !st.ok()) return st.error();
    if (auto st = readable("key", context.tls.key); !st.ok()) return st.error();
  }
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  auto shared = std::make_shared<Shared>();
  shared->settings = std::move(*settings);
  const auto& s = shared->settings;
  const auto bracket = [](const std::string& h) {
    return h.find(':') != std::string::npos ? "[" + h + "]" : h;
  };
  const std::string port = std::to_string(s.port);
  shared->url =
      std::string(s.implicit_tls ? "smtps://" : "smtp://") + bracket(s.server_name) + ":" + port;
  if (s.server_name != s.host) {
    shared->connect_to = bracket(s.server_name) + ":" + port + ":" + bracket(s.host) + ":" + port;
  }
  shared->message_id_domain = s.from.substr(s.from.find('@') + 1);
  shared->tls = context.tls;
  shared->io = context.io;
  shared->env = context.env;
  shared->now_ms = context.now_ms ? context.now_ms : [] { return env::system_env().now_ms(); };
  return std::unique_ptr<OutboundAdapter>(std::make_unique<SmtpAdapter>(std::move(shared)));
}

Status register_smtp(Registry& registry) {
  return registry.add_outbound("smtp", make_smtp_adapter);
}

}  // namespace accord::adapters
