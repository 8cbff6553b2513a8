// One mail per deliver(), on the adapter's own thread: a curl_multi loop that runs at most
// max_in_flight transfers at once, woken by deliver() and stop(). Each transfer is a fresh
// connection (no reuse: what happened on it is this copy's alone), TLS 1.2+, the relay's
// certificate verified against `ca` only (never the system store) and `server_name`.
#include <curl/curl.h>

#include <boost/asio/post.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include "accord/adapters/smtp.hpp"

namespace accord::adapters {
namespace {

bool is_pem(const std::string& s) {
  return s.starts_with("-----BEGIN");
}

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

bool header_safe(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return true;
}

// RFC 5322 date-time in UTC, from the gateway clock.
std::string mail_date(std::int64_t now_ms) {
  const std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string body_text(const OutboundMessage& m) {
  return "Accord delivered a copy of a message to " + m.recipient +
         ".\r\n\r\n"
         "sender: " +
         m.sender + "\r\ntype: " + m.event_type + "\r\nmessage id: " + m.message_id +
         "\r\ndelivery id: " + std::to_string(m.delivery_id) +
         "\r\nattempt: " + std::to_string(m.attempt) + "\r\n\r\nThe attachment " +
         std::to_string(m.delivery_id) +
         ".json is the signed delivered item: verify and open it with `accord decrypt`. "
         "Deduplicate on the Idempotency-Key header.\r\n";
}

struct Shared {
  SmtpSettings settings;
  TlsMaterial tls;
  std::string url;         // smtp[s]://<server_name>:<port>
  std::string connect_to;  // server_name:port:host:port when they differ
  std::string message_id_domain;
  std::function<std::int64_t()> now_ms;
  env::Env* env = nullptr;
  boost::asio::io_context* io = nullptr;
};

// One mail in flight: the easy handle and everything it points into.
struct Transfer {
  OutboundMessage message;
  OutboundAdapter::Done done;
  CURL* easy = nullptr;
  curl_mime* mime = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  std::string message_id_header;
  SmtpTranscript transcript;
  bool quit_sent = false;  // the trace after QUIT is not about the message
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (mime != nullptr) curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
  }
};

std::string clean_line(const char* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size && out.size() < 200; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
  }
  return out;
}

// libcurl's protocol trace: commands out, replies in. Only the verb of a command is kept
// (AUTH carries credentials); the body (DATA_OUT) is never looked at.
int on_trace(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  auto& t = transfer.transcript;
  if (transfer.quit_sent) return 0;
  if (type == CURLINFO_HEADER_OUT) {
    std::string verb;
    for (std::size_t i = 0; i < size && data[i] != ' ' && data[i] != '\r' && verb.size() < 16;
         ++i) {
      verb += static_cast<char>(std::toupper(static_cast<unsigned char>(data[i])));
    }
    // libcurl ends a failed session with QUIT: the command that failed is the one before it.
    if (verb == "QUIT") {
      transfer.quit_sent = true;
      return 0;
    }
    t.last_command = verb;
    if (verb == "DATA") t.replies_after_data = 0;
  } else if (type == CURLINFO_HEADER_IN) {
    const std::string line = clean_line(data, size);
    // A multi-line reply ("250-...") arrives line by line; its last line ("250 ...") counts.
    if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
        (line.size() == 3 || line[3] == ' ')) {
      t.reply_code = std::stoi(line.substr(0, 3));
      t.reply_text = line.size() > 4 ? line.substr(4) : std::string();
      if (t.last_command == "DATA") ++t.replies_after_data;
    }
  }
  return 0;
}

void set_blob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(easy, option, &blob);
}

// Builds the mail and the handle. Empty when it could be built, else why not (permanent:
// the same copy would fail the same way on every attempt).
std::string prepare(const Shared& shared, Transfer& t) {
  const auto& s = shared.settings;
  const auto& m = t.message;
  if (!header_safe(m.sender) || !header_safe(m.message_id) || !header_safe(m.event_type) ||
      !header_safe(m.recipient)) {
    return "sender, recipient, type or message id not valid in a mail header";
  }
  unsigned char random[8];
  (shared.env != nullptr ? *shared.env : env::system_env()).random_bytes(random);
  t.message_id_header = "<" + std::to_string(m.delivery_id) + "." + hex(random, sizeof random) +
                        "@" + shared.message_id_domain + ">";

  t.easy = curl_easy_init();
  if (t.easy == nullptr) return "libcurl could not make a handle";
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_URL, shared.url.c_str());
  curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  // Only `ca`: never the system store (a relay is trusted for what `ca` says, nothing more).
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  if (is_pem(s.ca)) {
    curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
    set_blob(e, CURLOPT_CAINFO_BLOB, s.ca);
  } else {
    curl_easy_setopt(e, CURLOPT_CAINFO, s.ca.c_str());
  }
  if (s.client_certificate) {
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    if (is_pem(shared.tls.cert)) {
      set_blob(e, CURLOPT_SSLCERT_BLOB, shared.tls.cert);
    } else {
      curl_easy_setopt(e, CURLOPT_SSLCERT, shared.tls.cert.c_str());
    }
    if (is_pem(shared.tls.key)) {
      set_blob(e, CURLOPT_SSLKEY_BLOB, shared.tls.key);
    } else {
      curl_easy_setopt(e, CURLOPT_SSLKEY, shared.tls.key.c_str());
    }
  }
  if (!s.username.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, s.password.c_str());
  }
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);  // feeds on_trace only
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_trace);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t);

  curl_easy_setopt(e, CURLOPT_MAIL_FROM, ("<" + s.from + ">").c_str());
  std::string to_header;
  for (const auto& to : s.to) {
    t.recipients = curl_slist_append(t.recipients, ("<" + to + ">").c_str());
    to_header += (to_header.empty() ? "" : ", ") + to;
  }
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t.recipients);

  const std::string subject = render_subject(s.subject, m);
  for (const std::string& h :
       {"Date: " + mail_date(shared.now_ms()), "From: " + s.from, "To: " + to_header,
        "Subject: " + subject, "Message-ID: " + t.message_id_header,
        "Accord-Message-Id: " + m.message_id,
        "Accord-Delivery-Id: " + std::to_string(m.delivery_id), "Accord-Sender: " + m.sender,
        "Accord-Attempt: " + std::to_string(m.attempt),
        "Idempotency-Key: " + m.sender + "/" + m.message_id}) {
    t.headers = curl_slist_append(t.headers, h.c_str());
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);

  t.mime = curl_mime_init(e);
  curl_mimepart* text = curl_mime_addpart(t.mime);
  const std::string body = body_text(m);
  curl_mime_data(text, body.data(), body.size());
  curl_mime_type(text, "text/plain; charset=us-ascii");
  curl_mime_encoder(text, "7bit");
  curl_mimepart* item = curl_mime_addpart(t.mime);
  // base64 keeps every byte as it is (a JSON item may hold CR, LF and UTF-8).
  curl_mime_data(item, m.document.data(), m.document.size());
  curl_mime_type(item, "application/json");
  curl_mime_filename(item, (std::to_string(m.delivery_id) + ".json").c_str());
  curl_mime_encoder(item, "base64");
  curl_easy_setopt(e, CURLOPT_MIMEPOST, t.mime);
  return {};
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
        if (auto problem = prepare(*shared_, *t); !problem.empty()) {
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
