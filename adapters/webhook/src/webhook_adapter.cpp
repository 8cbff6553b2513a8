// One POST per deliver(), on a kept-alive connection when one is idle (keep_alive: true),
// else on a new one: resolve, connect, TLS handshake (mutual, peer and name verified). Then
// write, read one response; the connection goes back to the idle pool when the answer was
// complete and the receiver did not ask to close, else it is closed. A POST that fails on a
// reused connection before any byte of an answer arrived (the receiver closed it while idle)
// is sent once more on a new connection. Each POST is a Call on its connection's strand; the
// adapter keeps weak references to live Calls so stop() can cancel them. All error
// classification is in Call::fail().
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/version.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "accord/adapters/webhook.hpp"

namespace accord::adapters {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
// A request's deadline bounds real socket waits (Asio timers), so it stays on real time.
using Clock = std::chrono::steady_clock;

// A receiver's answer is read whole (a truncated answer is a retry); its body is only for
// the log, so a receiver cannot make the gateway buffer more than this.
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;

std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  std::string out = "unknown OpenSSL error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out = buf;
  }
  ERR_clear_error();
  return out;
}

Error tls_error(std::string_view what, const std::string& source, const std::string& why) {
  const bool inline_pem = source.starts_with("-----BEGIN");
  return make_error("tls_config",
                    "webhook " + std::string(what) +
                        (inline_pem ? " (inline PEM)" : " '" + source + "'") + ": " + why,
                    inline_pem ? std::string() : source);
}

Status readable(std::string_view what, const std::string& path) {
  if (path.empty()) return tls_error(what, path, "not configured");
  if (path.starts_with("-----BEGIN")) return Status::Ok();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return tls_error(what, path, std::strerror(errno));
  std::fclose(f);
  return Status::Ok();
}

// Client context: TLS 1.2+, our certificate for mutual TLS, only `ca` trusted (never the
// system store: a receiver is an agency in the scheme, not any site on the internet).
Result<std::shared_ptr<ssl::context>> make_client_context(const WebhookSettings& s,
                                                          const TlsMaterial& tls) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                   ssl::context::no_tlsv1_1);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return make_error("tls_config", "webhook TLS version setup: " + openssl_reason());
  }
  boost::system::error_code ec;
  auto load = [&](std::string_view what, const std::string& source, auto from_file,
                  auto from_text) -> Status {
    if (auto st = readable(what, source); !st.ok()) return st;
    if (source.starts_with("-----BEGIN")) {
      from_text(net::buffer(source), ec);
    } else {
      from_file(source, ec);
    }
    // Asio has already taken OpenSSL's reason off the error queue into `ec`.
    if (ec) return tls_error(what, source, ec.message());
    return Status::Ok();
  };
  if (auto st = load(
          "cert", tls.cert,
          [&](const std::string& f, auto& e) { ctx->use_certificate_chain_file(f, e); },
          [&](auto b, auto& e) { ctx->use_certificate_chain(b, e); });
      !st.ok()) {
    return st.error();
  }
  if (auto st = load(
          "key", tls.key,
          [&](const std::string& f, auto& e) {
            ctx->use_private_key_file(f, ssl::context::pem, e);
          },
          [&](auto b, auto& e) { ctx->use_private_key(b, ssl::context::pem, e); });
      !st.ok()) {
    return st.error();
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return tls_error("key", tls.key, "does not match the certificate: " + openssl_reason());
  }
  if (auto st = load(
          "ca", s.ca, [&](const std::string& f, auto& e) { ctx->load_verify_file(f, e); },
          [&](auto b, auto& e) { ctx->add_certificate_authority(b, e); });
      !st.ok()) {
    return st.error();
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

bool header_safe(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

using Strand = net::strand<net::io_context::executor_type>;

// One TLS connection to the receiver and the strand every operation on it runs on.
struct Connection {
  Connection(Strand on, ssl::context& tls) : strand(std::move(on)), stream(strand, tls) {}
  Strand strand;
  ssl::stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;  // bytes read past a response stay with the connection
  Clock::time_point idle_since;
};

// What every Call shares with the adapter: settings, the TLS context, the live-call table,
// the idle connections.
struct Shared {
  WebhookSettings settings;
  std::shared_ptr<ssl::context> tls;
  net::io_context* io = nullptr;

  std::mutex mutex;
  bool stopped = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::weak_ptr<class Call>> calls;
  std::deque<std::unique_ptr<Connection>> idle;  // most recently used at the back

  // An idle connection that the receiver has probably not closed yet, or null.
  std::unique_ptr<Connection> take_idle() {
    std::lock_guard lock(mutex);
    const auto fresh_after = Clock::now() - settings.keep_alive_idle;
    while (!idle.empty()) {
      auto connection = std::move(idle.back());
      idle.pop_back();
      if (connection->idle_since >= fresh_after) return connection;
      boost::system::error_code ignored;
      beast::get_lowest_layer(connection->stream).socket().close(ignored);
    }
    return nullptr;
  }

  void put_idle(std::unique_ptr<Connection> connection) {
    connection->idle_since = Clock::now();
    beast::get_lowest_layer(connection->stream).expires_never();
    std::lock_guard lock(mutex);
    if (stopped || idle.size() >= settings.max_in_flight) return;  // closed by its destructor
    idle.push_back(std::move(connection));
  }
};

enum class Phase { resolve, connect, handshake, write, read };

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::resolve:
      return "resolve";
    case Phase::connect:
      return "connect";
    case Phase::handshake:
      return "TLS handshake";
    case Phase::write:
      return "sending the request";
    case Phase::read:
      return "reading the response";
  }
  return "?";
}

class Call : public std::enable_shared_from_this<Call> {
 public:
  // `reused`: an idle connection to send on, or null for a new one.
  Call(std::shared_ptr<Shared> shared, std::unique_ptr<Connection> reused, OutboundMessage message,
       OutboundAdapter::Done done)
      : shared_(std::move(shared)),
        strand_(reused ? reused->strand : net::make_strand(*shared_->io)),
        resolver_(strand_),
        timer_(strand_),
        connection_(std::move(reused)),
        message_(std::move(message)),
        done_(std::move(done)) {}

  void start(std::uint64_t id) {
    id_ = id;
    deadline_ = Clock::now() + shared_->settings.timeout;
    net::post(strand_, [self = shared_from_this()] {
      if (!self->checked_headers()) return;
      if (self->connection_) {
        self->reused_ = true;
        self->write();
      } else {
        self->resolve();
      }
    });
  }

  // From stop(): runs on the strand so it cannot race a completion handler.
  void cancel() {
    net::post(strand_, [self = shared_from_this()] {
      self->finish({DeliveryStatus::retry_later, "adapter stopped"});
    });
  }

 private:
  std::chrono::milliseconds remaining() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(1);
  }

  bool checked_headers() {
    if (finished_) return false;
    if (!header_safe(message_.sender) || !header_safe(message_.message_id)) {
      // Cannot happen for copies the pipeline stored (both are validated); refusing keeps a
      // corrupt row from becoming header injection.
      finish({DeliveryStatus::permanent_failure, "sender or message id not valid in a header"});
      return false;
    }
    return true;
  }

  ssl::stream<beast::tcp_stream>& stream() { return connection_->stream; }

  void resolve() {
    if (finished_) return;
    const auto& s = shared_->settings;
    reused_ = false;
    connection_ = std::make_unique<Connection>(strand_, *shared_->tls);
    // The resolver has no deadline of its own: the timer cancels it.
    timer_.expires_after(remaining());
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->resolver_.cancel();
    });
    resolver_.async_resolve(
        s.host, s.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->timer_.cancel();
          if (self->finished_) return;
          if (ec == net::error::operation_aborted) ec = beast::error::timeout;
          if (ec) return self->fail(Phase::resolve, ec);
          self->connect(results);
        });
  }

  void connect(const tcp::resolver::results_type& results) {
    beast::get_lowest_layer(stream()).expires_after(remaining());
    beast::get_lowest_layer(stream()).async_connect(
        results, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (self->finished_) return;
          if (ec) return self->fail(Phase::connect, ec);
          self->handshake();
        });
  }

  void handshake() {
    SSL* ssl = stream().native_handle();
    const std::string& name = shared_->settings.server_name;
    boost::system::error_code not_ip;
    net::ip::make_address(name, not_ip);
    // Verify the receiver's certificate against `server_name`: an IP SAN for an address, a DNS
    // SAN otherwise. SNI only for names (RFC 6066 forbids literal addresses).
    const bool set = not_ip ? (SSL_set1_host(ssl, name.c_str()) == 1 &&
                               SSL_set_tlsext_host_name(ssl, name.c_str()) == 1)
                            : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
    if (!set) {
      finish({DeliveryStatus::retry_later, "TLS setup for '" + name + "': " + openssl_reason()});
      return;
    }
    beast::get_lowest_layer(stream()).expires_after(remaining());
    stream().async_handshake(ssl::stream_base::client,
                             [self = shared_from_this()](beast::error_code ec) {
                               if (self->finished_) return;
                               if (ec) return self->fail(Phase::handshake, ec);
                               self->write();
                             });
  }

  void write() {
    const auto& s = shared_->settings;
    request_ = {};
    request_.method(http::verb::post);
    request_.target(s.target);
    request_.version(11);
    request_.set(http::field::host, s.host_header);
    request_.set(http::field::user_agent, "accord-gateway");
    request_.set(http::field::content_type, "application/json");
    // Kept alive for the next POST, unless configured not to (then the receiver closes).
    request_.set(http::field::connection, s.keep_alive ? "keep-alive" : "close");
    request_.set("Accord-Message-Id", message_.message_id);
    request_.set("Accord-Delivery-Id", std::to_string(message_.delivery_id));
    request_.set("Accord-Sender", message_.sender);
    request_.set("Accord-Attempt", std::to_string(message_.attempt));
    request_.set("Idempotency-Key", message_.sender + "/" + message_.message_id);
    for (const auto& [name, value] : s.headers) request_.insert(name, value);
    request_.body() = message_.document;  // kept: a reused connection may need a resend
    request_.prepare_payload();
    beast::get_lowest_layer(stream()).expires_after(remaining());
    http::async_write(stream(), request_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (self->finished_) return;
                        if (ec) return self->fail(Phase::write, ec);
                        self->read();
                      });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxResponseBody);
    beast::get_lowest_layer(stream()).expires_after(remaining());
    http::async_read(stream(), connection_->buffer, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (self->finished_) return;
                       if (ec) return self->fail(Phase::read, ec);
                       self->answered(self->parser_->get().result_int());
                     });
  }

  void answered(unsigned status) {
    // A complete answer: the connection can carry the next POST unless either side said close.
    reusable_ = shared_->settings.keep_alive && parser_->get().keep_alive();
    const std::string detail = "HTTP " + std::to_string(status);
    if (status >= 200 && status < 300) return finish({DeliveryStatus::delivered, detail});
    if (status >= 400 && status < 500 && status != 408 && status != 429) {
      return finish({DeliveryStatus::permanent_failure, detail});
    }
    if (status >= 300 && status < 400) {
      return finish({DeliveryStatus::retry_later, detail + " (redirects are not followed)"});
    }
    finish({DeliveryStatus::retry_later, detail});
  }

  // The one place that turns a transport error into an outcome. Every one is retry_later:
  // none of them says the receiver judged the copy, so it may succeed on another attempt.
  void fail(Phase phase, beast::error_code ec) {
    if (reused_ && !resent_ && ec != beast::error::timeout &&
        (phase == Phase::write || (phase == Phase::read && !parser_->got_some()))) {
      // The receiver closed the kept-alive connection while it was idle (or as we reused it):
      // not an answer about this copy. Send it once more on a new connection.
      resent_ = true;
      boost::system::error_code ignored;
      beast::get_lowest_layer(stream()).socket().close(ignored);
      net::post(strand_, [self = shared_from_this()] { self->resolve(); });
      return;
    }
    std::string why;
    if (ec == beast::error::timeout) {
      why = "timed out after " + std::to_string(shared_->settings.timeout.count()) + " ms";
    } else if (phase == Phase::read &&
               (ec == http::error::end_of_stream || ec == http::error::partial_message ||
                ec == ssl::error::stream_truncated || ec == net::error::eof ||
                ec == net::error::connection_reset)) {
      // A TCP close without TLS close_notify is stream_truncated whether or not bytes came.
      why = parser_->got_some() ? "the receiver closed the connection mid-response"
                                : "the receiver closed the connection without answering";
    } else if (phase == Phase::read && ec == http::error::body_limit) {
      why = "response body larger than " + std::to_string(kMaxResponseBody) + " bytes";
    } else if (phase == Phase::read &&
               ec.category() == http::make_error_code(http::error::bad_version).category()) {
      why = "the answer is not HTTP (" + ec.message() + ")";
    } else if (phase == Phase::handshake) {
      const long verify = SSL_get_verify_result(stream().native_handle());
      why = ec.message();
      if (verify != X509_V_OK)
        why += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    } else {
      why = ec.message();
    }
    finish({DeliveryStatus::retry_later, std::string(phase_name(phase)) + ": " + why});
  }

  // Runs `done` exactly once; later completions see finished_ and return.
  void finish(DeliveryOutcome outcome) {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    if (connection_) {
      if (reusable_) {
        shared_->put_idle(std::move(connection_));
      } else {
        beast::get_lowest_layer(stream()).socket().close(ignored);  // cancels pending operations
      }
    }
    {
      std::lock_guard lock(shared_->mutex);
      shared_->calls.erase(id_);
    }
    auto done = std::move(done_);
    done(std::move(outcome));
  }

  std::shared_ptr<Shared> shared_;
  Strand strand_;
  tcp::resolver resolver_;
  net::steady_timer timer_;
  std::unique_ptr<Connection> connection_;
  OutboundMessage message_;
  OutboundAdapter::Done done_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;  // one per response
  Clock::time_point deadline_;
  std::uint64_t id_ = 0;
  bool reused_ = false;    // sending on a connection an earlier POST used
  bool resent_ = false;    // already sent again on a new connection after a reused one failed
  bool reusable_ = false;  // a complete answer that leaves the connection open
  bool finished_ = false;
};

class WebhookAdapter final : public OutboundAdapter {
 public:
  explicit WebhookAdapter(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  ~WebhookAdapter() override { stop(); }

  std::string_view kind() const override { return "webhook"; }
  std::size_t max_in_flight() const override { return shared_->settings.max_in_flight; }

  void deliver(OutboundMessage message, Done done) override {
    auto call = std::make_shared<Call>(
        shared_, shared_->settings.keep_alive ? shared_->take_idle() : nullptr, std::move(message),
        done);
    std::uint64_t id = 0;
    {
      std::lock_guard lock(shared_->mutex);
      if (!shared_->stopped) {
        id = ++shared_->next_id;
        shared_->calls.emplace(id, call);
      }
    }
    if (id == 0) {
      // Posted, never called here: the worker may call deliver() while holding its own lock.
      net::post(*shared_->io, [done = std::move(done)] {
        done({DeliveryStatus::retry_later, "adapter stopped"});
      });
      return;
    }
    call->start(id);
  }

  void stop() override {
    std::vector<std::shared_ptr<Call>> live;
    std::deque<std::unique_ptr<Connection>> idle;
    {
      std::lock_guard lock(shared_->mutex);
      shared_->stopped = true;
      idle.swap(shared_->idle);
      for (auto& [id, weak] : shared_->calls) {
        if (auto call = weak.lock()) live.push_back(std::move(call));
      }
    }
    for (auto& call : live) call->cancel();
  }

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace

Result<std::unique_ptr<OutboundAdapter>> make_webhook_adapter(const AdapterContext& context) {
  if (context.io == nullptr) {
    return make_error("invalid_argument",
                      "webhook adapter for " + context.agency + ": no io_context");
  }
  auto settings = parse_webhook_settings(context.settings, context.base_dir, context.tls);
  if (!settings.ok()) return settings.error();
  auto tls = make_client_context(*settings, context.tls);
  if (!tls.ok()) return tls.error();
  auto shared = std::make_shared<Shared>();
  shared->settings = std::move(*settings);
  shared->tls = std::move(*tls);
  shared->io = context.io;
  return std::unique_ptr<OutboundAdapter>(std::make_unique<WebhookAdapter>(std::move(shared)));
}

Status register_webhook(Registry& registry) {
  return registry.add_outbound("webhook", make_webhook_adapter);
}

}  // namespace accord::adapters
