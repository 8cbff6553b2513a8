#include "accord/server/health_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "accord/core/error_codes.hpp"

namespace accord::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using nlohmann::json;

// A probe is one short request line and a few headers; anything bigger is not a probe.
constexpr std::size_t kMaxRequestBytes = 1024;
constexpr std::size_t kMaxLingerBytes = 64 * 1024;

HttpResponse json_answer(unsigned status, const json& body) {
  HttpResponse response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

json error_body(const Error& error) {
  return json{{"error", {{"code", error.code}, {"message", error.message}, {"path", error.path}}}};
}

HttpResponse refusal(const Error& error) {
  auto response = json_answer(http_status_for(error.code), error_body(error));
  if (const int seconds = error_code_info(error.code).retry_after_seconds; seconds > 0) {
    response.set(http::field::retry_after, std::to_string(seconds));
  }
  return response;
}

class HealthConnection;

// Shared by the acceptor and every connection, so a connection that outlives the server
// object never dangles. Every mutable field is under `mu`.
struct HealthState {
  HealthState(net::io_context& io, HealthOptions options) : io(io), options(std::move(options)) {}
  net::io_context& io;
  const HealthOptions options;
  std::mutex mu;
  std::unordered_map<HealthConnection*, std::weak_ptr<HealthConnection>> live;
  bool stopped = false;
};

class HealthConnection : public std::enable_shared_from_this<HealthConnection> {
 public:
  HealthConnection(tcp::socket socket, std::shared_ptr<HealthState> state)
      : state_(std::move(state)), stream_(std::move(socket)) {
    parser_.header_limit(kMaxRequestBytes);
    parser_.body_limit(kMaxRequestBytes);
  }
  ~HealthConnection() {
    std::lock_guard lock(state_->mu);
    state_->live.erase(this);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->started_ = std::chrono::steady_clock::now();
      // One deadline for the whole exchange: reading the request and writing the answer.
      self->stream_.expires_after(self->state_->options.timeout);
      http::async_read(self->stream_, self->buffer_, self->parser_,
                       beast::bind_front_handler(&HealthConnection::on_read, self));
    });
  }

  void close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->stream_.close();
    });
  }

 private:
  void on_read(beast::error_code ec, std::size_t) {
    // Whatever of the request line was parsed, also when the header is refused after it.
    if (const auto method = parser_.get().method_string(); !method.empty()) {
      method_ = std::string(method);
    }
    path_ = loggable_path(parser_.get().target());
    if (!ec) return answer(health_answer(parser_.get(), state_->options));
    if (ec == http::error::header_limit) {
      return answer(refusal(make_error(
          "headers_too_large",
          "a health probe's request is at most " + std::to_string(kMaxRequestBytes) + " bytes")));
    }
    if (ec == http::error::body_limit) {
      return answer(refusal(make_error("too_large", "a health probe has no body")));
    }
    // A request that does not parse gets an answer; a client that timed out, closed or reset
    // gets none (there is nobody to read it).
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return answer(refusal(make_error("bad_request", "not an HTTP/1.1 request: " + ec.message())));
    }
    spdlog::debug("health listener: connection ended without a request: {}", ec.message());
    stream_.close();
  }

  void answer(HttpResponse response) {
    response.keep_alive(false);
    response.prepare_payload();
    status_ = response.result_int();
    bytes_ = response.body().size();
    response_ = std::move(response);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&HealthConnection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code, std::size_t) {
    if (const auto& hook = state_->options.on_access) {
      AccessRecord record;
      record.peer = "-";
      record.method = method_;
      record.path = path_;
      record.status = status_;
      record.bytes = bytes_;
      record.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started_)
                               .count();
      hook(record);
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    // Read what the client may still send (a refused request's unread rest) until it closes,
    // within the exchange's deadline: closing with unread data would reset the connection and
    // the client could lose the answer.
    linger({}, 0);
  }

  void linger(beast::error_code ec, std::size_t bytes) {
    lingered_ += bytes;
    if (ec || lingered_ > kMaxLingerBytes) return stream_.close();
    stream_.async_read_some(
        net::buffer(discard_),
        beast::bind_front_handler(&HealthConnection::linger, shared_from_this()));
  }

  std::shared_ptr<HealthState> state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kMaxRequestBytes};
  http::request_parser<http::string_body> parser_;
  HttpResponse response_;
  std::chrono::steady_clock::time_point started_{};
  std::string method_ = "-";
  std::string path_ = "-";
  unsigned status_ = 0;
  std::size_t bytes_ = 0;
  std::array<char, 1024> discard_{};
  std::size_t lingered_ = 0;
};

class HealthServerImpl final : public HealthServer {
 public:
  HealthServerImpl(net::io_context& io, HealthOptions options)
      : state_(std::make_shared<HealthState>(io, std::move(options))),
        acceptor_(std::make_shared<tcp::acceptor>(net::make_strand(io))) {}
  ~HealthServerImpl() override { stop(); }

  Status start() override {
    const auto& o = state_->options;
    boost::system::error_code ec;
    const auto address = net::ip::make_address(o.address, ec);
    const std::string where = o.address + ":" + std::to_string(o.port);
    if (ec) return make_error("bind", "invalid health listen address '" + o.address + "'", where);
    const tcp::endpoint endpoint{address, o.port};
    auto failed = [&](const char* what) {
      return make_error("bind", std::string(what) + " " + where + ": " + ec.message(), where);
    };
    if (acceptor_->open(endpoint.protocol(), ec); ec) return failed("open");
    if (acceptor_->set_option(net::socket_base::reuse_address(true), ec); ec)
      return failed("set option on");
    if (acceptor_->bind(endpoint, ec); ec) return failed("bind");
    if (acceptor_->listen(net::socket_base::max_listen_connections, ec); ec)
      return failed("listen on");
    port_ = acceptor_->local_endpoint(ec).port();
    net::dispatch(acceptor_->get_executor(),
                  [state = state_, acceptor = acceptor_] { do_accept(state, acceptor); });
    spdlog::info("health listener (plain HTTP: /livez, /readyz) on {}:{}", o.address, port_);
    return Status::Ok();
  }

  std::uint16_t port() const override { return port_; }

  void stop() override {
    std::vector<std::shared_ptr<HealthConnection>> open;
    {
      std::lock_guard lock(state_->mu);
      if (state_->stopped) return;
      state_->stopped = true;
      for (auto& [key, weak] : state_->live) {
        if (auto connection = weak.lock()) open.push_back(std::move(connection));
      }
    }
    net::post(acceptor_->get_executor(), [acceptor = acceptor_] {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    });
    for (auto& connection : open) connection->close();
  }

 private:
  static void do_accept(std::shared_ptr<HealthState> state,
                        std::shared_ptr<tcp::acceptor> acceptor) {
    acceptor->async_accept(
        net::make_strand(state->io),
        [state, acceptor](boost::system::error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
          if (ec) {
            // Out of descriptors or the like: the agency listener logs and backs off; a
            // probe can wait for the next accept.
            spdlog::debug("health listener: accept failed: {}", ec.message());
          } else {
            std::shared_ptr<HealthConnection> connection;
            {
              std::lock_guard lock(state->mu);
              if (!state->stopped && state->live.size() < state->options.max_connections) {
                connection = std::make_shared<HealthConnection>(std::move(socket), state);
                state->live.emplace(connection.get(), connection);
              }
            }
            if (connection) {
              connection->start();
            } else {
              boost::system::error_code ignored;
              socket.close(ignored);  // over the cap: not counted per socket, a flood would flood
            }
          }
          do_accept(state, acceptor);
        });
  }

  std::shared_ptr<HealthState> state_;
  std::shared_ptr<tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace

HttpResponse health_answer(const HttpRequest& request, const HealthOptions& options) {
  const std::string path = loggable_path(request.target());
  const bool live = path == "/livez";
  const bool ready = path == "/readyz";
  if (!live && !ready) {
    return refusal(
        make_error("not_found",
                   "no such endpoint: " + path + " (the health listener serves /livez and /readyz)",
                   "target"));
  }
  if (request.method() != http::verb::get) {
    auto response = refusal(
        make_error("method_not_allowed",
                   std::string(request.method_string()) + " is not allowed on " + path, "method"));
    response.set(http::field::allow, "GET");
    return response;
  }
  if (live) return json_answer(200, json{{"status", "alive"}});
  if (options.unavailable) {
    if (auto error = options.unavailable()) {
      json body = error_body(*error);
      body["status"] = "unavailable";
      body["code"] = error->code;
      auto response = refusal(*error);
      response.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
      return response;
    }
  }
  return json_answer(200, json{{"status", "ready"}});
}

std::unique_ptr<HealthServer> make_health_server(net::io_context& io, HealthOptions options) {
  return std::make_unique<HealthServerImpl>(io, std::move(options));
}

}  // namespace accord::server
