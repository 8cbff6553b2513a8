#include "connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <exception>

#include "error_response.hpp"
#include "tls_context.hpp"

namespace accord::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;  // 431 above this
constexpr std::size_t kReadChunk = 4096;
constexpr std::chrono::milliseconds kLingerTime{2'000};
constexpr std::size_t kLingerBytes = 8 * 1024 * 1024;

std::string remote_of(const net::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// Shared by every copy of one request's Respond: answers at most once, and answers 500 if
// the handler lets the last copy go without answering (a handler bug must not leave the
// client waiting forever or hold a drain open).
struct ReplyState {
  explicit ReplyState(std::shared_ptr<Connection> c) : connection(std::move(c)) {}
  ReplyState(const ReplyState&) = delete;
  ReplyState& operator=(const ReplyState&) = delete;
  ~ReplyState() {
    if (!answered.exchange(true)) {
      spdlog::error("request handler dropped a request without answering; answering 500");
      connection->post_response(error_response("internal", "the request handler did not answer"));
    }
  }
  std::shared_ptr<Connection> connection;
  std::atomic<bool> answered{false};
};

}  // namespace

Connection::Connection(net::ip::tcp::socket socket, std::shared_ptr<ServerState> state)
    : state_(std::move(state)),
      remote_(remote_of(socket)),
      tls_(state_->tls_context()),
      stream_(std::move(socket), *tls_) {
  state_->metrics.connection_opened();
  // Observe only: the callback returns OpenSSL's own verdict. It sees the leaf certificate
  // (X509_STORE_CTX_get0_cert) whatever the chain's fate, which is what a refusal record
  // needs. The stream lives inside this Connection, so `this` outlives the callback.
  stream_.set_verify_callback([this](bool preverified, net::ssl::verify_context& context) {
    if (!presented_) {
      presented_ = describe_certificate(X509_STORE_CTX_get0_cert(context.native_handle()));
    }
    return preverified;
  });
}

Connection::~Connection() {
  state_->metrics.connection_closed();
  state_->release(this);
}

void Connection::start() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->state_->draining()) return;  // raced with drain(): just close
    beast::get_lowest_layer(self->stream_).expires_after(self->state_->options.handshake_timeout);
    self->stream_.async_handshake(
        net::ssl::stream_base::server,
        beast::bind_front_handler(&Connection::on_handshake, self->shared_from_this()));
  });
}

void Connection::on_drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->drain_requested_ = true;
    // A request in flight (request/handling/write) finishes; the rest close now.
    if (self->stage_ == Stage::handshake || self->stage_ == Stage::idle) self->close_now();
  });
}

void Connection::reclaim(std::string reason) {
  net::post(stream_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    if (self->stage_ != Stage::idle) return;
    spdlog::debug("{}: reclaimed idle connection of {} ({})", self->remote_, self->peer_.id,
                  reason);
    self->close_now();
  });
}

void Connection::on_handshake(beast::error_code ec) {
  if (ec) return fail(Phase::handshake, ec);
  auto identity = identity_from_certificate(SSL_get0_peer_certificate(stream_.native_handle()));
  if (!identity) {
    // Verified by our CA but names nobody we know: refuse like any other bad certificate.
    state_->metrics.handshake_failed("no_identity");
    spdlog::info("{}: TLS handshake refused (no_identity): {}", remote_, identity.error().message);
    report_certificate_refused("no_identity");
    return do_close();
  }
  peer_ = std::move(*identity);
  // The CRL may have been reloaded while this handshake ran on the old context.
  if (auto current = state_->tls_context(); current != tls_ && !still_valid(*current)) return;
  std::shared_ptr<Connection> reclaimed;
  const bool admitted =
      state_->admit_peer(this, std::string(role_name(peer_.role)) + ":" + peer_.id, reclaimed);
  if (reclaimed) reclaimed->reclaim("per_agency");
  if (!admitted) {
    // Counted by admit_peer; not logged per connection: a peer over its cap could flood it.
    spdlog::debug("{}: {} is at its connection cap; closing", remote_, peer_.id);
    return do_close();
  }
  spdlog::debug("{}: TLS peer {}:{} ({})", remote_, role_name(peer_.role), peer_.id, peer_.subject);
  do_idle();
}

void Connection::do_idle() {
  if (drain_requested_ || state_->draining()) return do_close();
  stage_ = Stage::idle;
  if (buffer_.size() > 0) return on_first_bytes({}, 0);  // next request already buffered
  state_->set_idle(this, true);
  beast::get_lowest_layer(stream_).expires_after(state_->options.idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      beast::bind_front_handler(&Connection::on_first_bytes, shared_from_this()));
}

void Connection::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  state_->set_idle(this, false);
  if (ec) return fail(Phase::idle, ec);
  buffer_.commit(bytes);
  // From the first byte on, the whole request must arrive within request_timeout: a
  // client trickling headers (slowloris) is cut however steadily it trickles.
  stage_ = Stage::request;
  request_started_ = std::chrono::steady_clock::now();
  access_method_ = access_path_ = "-";
  parser_.emplace();
  // The header is read under the largest limit of any route; on_header then applies the
  // request's own, before a byte of its body is read.
  std::size_t largest = state_->options.max_body_bytes;
  for (const auto& route : state_->options.large_body_routes) {
    largest = std::max(largest, route.max_bytes);
  }
  body_route_ = nullptr;
  parser_->body_limit(largest);
  parser_->header_limit(kHeaderLimit);
  beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Connection::on_header, shared_from_this()));
}

void Connection::on_header(beast::error_code ec, std::size_t) {
  // body_limit here: the Content-Length is over even the largest limit; the request line and
  // fields were read, so the refusal can still name the route's own limit.
  if (ec && ec != http::error::body_limit) return fail(Phase::request, ec);
  const auto& header = parser_->get();
  if (header.method() == http::verb::post) {
    const std::string_view target = header.target();
    const std::string_view path = target.substr(0, target.find('?'));
    for (const auto& route : state_->options.large_body_routes) {
      if (route.path == path) body_route_ = &route;
    }
  }
  const std::size_t limit =
      body_route_ != nullptr ? body_route_->max_bytes : state_->options.max_body_bytes;
  if (ec) return refuse_body_limit();
  if (const auto length = parser_->content_length(); length && *length > limit) {
    return refuse_body_limit();
  }
  parser_->body_limit(limit);  // a chunked body is counted against it as it comes
  if (parser_->is_done()) return on_request({}, 0);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Connection::on_request, shared_from_this()));
}

void Connection::refuse_body_limit() {
  if (body_route_ == nullptr) return fail(Phase::request, http::error::body_limit);
  spdlog::info("{}: 413 from {}: body over {}", remote_, peer_.id, body_route_->limit_name);
  answer_error(body_route_->code, "body over " + body_route_->limit_name + " (" +
                                      std::to_string(body_route_->max_bytes) + " bytes)");
}

void Connection::on_request(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit) return refuse_body_limit();
  if (ec) return fail(Phase::request, ec);
  request_keep_alive_ = parser_->keep_alive();
  request_version_ = parser_->get().version();
  dispatch();
}

void Connection::dispatch() {
  stage_ = Stage::handling;
  // No deadline while the handler works: it bounds its own work, and the socket has no
  // operation pending that a timer could cut.
  beast::get_lowest_layer(stream_).expires_never();
  access_method_ = std::string(parser_->get().method_string());
  access_path_ = loggable_path(parser_->get().target());
  Request request{parser_->release(), peer_};
  parser_.reset();
  auto reply = std::make_shared<ReplyState>(shared_from_this());
  Respond respond = [reply](HttpResponse response) {
    if (reply->answered.exchange(true)) {
      spdlog::error("request handler answered twice; the second answer is dropped");
      return;
    }
    reply->connection->post_response(std::move(response));
  };
  try {
    state_->handler.handle(std::move(request), respond);
  } catch (const std::exception& e) {
    // The boundary: a throwing handler is a bug, but the client still gets an answer.
    spdlog::error("request handler threw: {}", e.what());
    respond(error_response("internal", "internal error"));
  }
}

void Connection::post_response(HttpResponse response) {
  net::post(stream_.get_executor(),
            [self = shared_from_this(), response = std::move(response)]() mutable {
              if (self->stage_ != Stage::handling) return;  // closed meanwhile
              self->write(std::move(response));
            });
}

void Connection::write(HttpResponse response) {
  stage_ = Stage::write;
  bool keep_alive =
      request_keep_alive_ && response.keep_alive() && !drain_requested_ && !state_->draining();
  response.version(request_version_);
  response.keep_alive(keep_alive);  // HTTP/1.1 without keep-alive says Connection: close
  response.prepare_payload();
  state_->metrics.http_answered(response.result_int());
  access_status_ = response.result_int();
  access_bytes_ = response.body().size();
  response_.emplace(std::move(response));
  beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
  http::async_write(
      stream_, *response_,
      beast::bind_front_handler(&Connection::on_write, shared_from_this(), keep_alive));
}

void Connection::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  report_access();
  if (ec) return fail(Phase::write, ec);
  if (!keep_alive) return linger_ ? do_linger() : do_close();
  do_idle();
}

void Connection::do_linger() {
  stage_ = Stage::closing;
  linger_ = false;
  buffer_.clear();
  beast::get_lowest_layer(stream_).expires_after(kLingerTime);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Connection::on_linger, shared_from_this()));
}

void Connection::on_linger(beast::error_code ec, std::size_t bytes) {
  lingered_ += bytes;
  // The client finished (EOF, close_notify), went quiet past the deadline, or sent more than
  // we are willing to read: close either way; the answer has been written already.
  if (ec || lingered_ > kLingerBytes) {
    if (ec == beast::error::timeout || lingered_ > kLingerBytes) return close_now();
    return do_close();
  }
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Connection::on_linger, shared_from_this()));
}

void Connection::answer_error(std::string_view code, std::string_view message) {
  request_keep_alive_ = false;  // the stream is no longer in step with the client
  linger_ = true;
  request_version_ = 11;
  // Whatever of the request line was parsed (a refusal in the header, e.g. a Content-Length
  // over the limit, comes after it).
  if (parser_) {
    const auto method = parser_->get().method_string();
    if (!method.empty()) access_method_ = std::string(method);
    access_path_ = loggable_path(parser_->get().target());
  }
  parser_.reset();
  stage_ = Stage::handling;
  write(error_response(code, message));
}

void Connection::do_close() {
  stage_ = Stage::closing;
  beast::get_lowest_layer(stream_).expires_after(state_->options.handshake_timeout);
  stream_.async_shutdown([self = shared_from_this()](beast::error_code ec) {
    if (ec) self->fail(Phase::shutdown, ec);
    // Returning drops the last reference: the socket closes in the destructor.
  });
}

void Connection::report_access() {
  const auto& hook = state_->options.on_access;
  if (!hook) return;
  AccessRecord record;
  record.peer = peer_.id.empty() ? "-" : peer_.id;
  record.method = access_method_;
  record.path = access_path_;
  record.status = access_status_;
  record.bytes = access_bytes_;
  record.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - request_started_)
                           .count();
  hook(record);
}

void Connection::report_certificate_refused(std::string_view reason) {
  static constexpr std::string_view kCertificateReasons[] = {
      "unknown_ca",      "revoked",        "expired",    "not_yet_valid",
      "bad_certificate", "no_certificate", "no_identity"};
  const auto& hook = state_->options.on_certificate_refused;
  if (!hook || std::find(std::begin(kCertificateReasons), std::end(kCertificateReasons), reason) ==
                   std::end(kCertificateReasons)) {
    return;
  }
  PresentedCertificate presented;
  if (presented_) {
    presented = *presented_;
  } else if (X509* cert = SSL_get0_peer_certificate(stream_.native_handle())) {
    presented = describe_certificate(cert);
  }
  hook(reason, remote_, presented);
}

void Connection::revalidate(std::shared_ptr<net::ssl::context> context) {
  net::post(stream_.get_executor(), [self = shared_from_this(), context = std::move(context)] {
    // Handshaking: on_handshake compares contexts. Closing: nothing left to cut.
    if (self->stage_ == Stage::handshake || self->stage_ == Stage::closing) return;
    (void)self->still_valid(*context);
  });
}

bool Connection::still_valid(net::ssl::context& context) {
  const long verify = reverify_peer(stream_.native_handle(), context.native_handle());
  if (verify == X509_V_OK) return true;
  const auto reason = handshake_reason(net::error::access_denied, verify);
  state_->metrics.revalidation_closed(std::string(reason));
  report_certificate_refused(reason);
  spdlog::warn("{}: closing {}:{} after a TLS reload ({}): {}", remote_, role_name(peer_.role),
               peer_.id, reason, X509_verify_cert_error_string(verify));
  close_now();
  return false;
}

void Connection::close_now() {
  stage_ = Stage::closing;
  beast::get_lowest_layer(stream_).close();  // pending operations end with operation_aborted
}

void Connection::fail(Phase phase, beast::error_code ec) {
  long verify = X509_V_OK;
  if (phase == Phase::handshake) verify = SSL_get_verify_result(stream_.native_handle());
  const Disposition d = classify(phase, ec, verify);
  switch (d.action) {
    case Action::ignore:
      spdlog::debug("{}: {} ended: {} ({})", remote_, phase_name(phase), ec.message(), d.why);
      return;
    case Action::handshake_failed:
      state_->metrics.handshake_failed(std::string(d.reason));
      report_certificate_refused(d.reason);
      spdlog::info(
          "{}: TLS handshake refused ({}): {}{}", remote_, d.reason, ec.message(),
          verify == X509_V_OK ? "" : std::string("; ") + X509_verify_cert_error_string(verify));
      return;
    case Action::answer_and_close:
      spdlog::info("{}: {} from {}: {} ({})", remote_, d.status, peer_.id, d.why, ec.message());
      return answer_error(d.reason, d.why);
    case Action::timed_out:
      state_->metrics.connection_timed_out(std::string(phase_name(phase)));
      spdlog::info("{}: cut {}: {}", remote_, peer_.id, d.why);
      return;
    case Action::close:
      spdlog::info("{}: closing {} after {} error: {} ({})", remote_, peer_.id, phase_name(phase),
                   ec.message(), d.why);
      return;
  }
}

}  // namespace accord::server
