// accord/client: the synchronous mTLS HTTPS client.
//
// The public API is synchronous, but every network step is an async Beast operation run to
// completion on a private io_context: tcp_stream's expires_after() deadline only applies to
// async operations, and that deadline is what gives every call its `timeout`.
#include "accord/client/https_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <cctype>
#include <exception>
#include <optional>
#include <utility>

namespace accord::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxResponseBody = 64 * 1024 * 1024;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// OpenSSL keeps the detailed reason ("certificate verify failed", "tlsv13 alert certificate
// required") in the error code's message; add the verify result when the chain was refused.
std::string ssl_reason(const beast::error_code& ec, SSL* ssl) {
  std::string reason = ec.message();
  if (ssl != nullptr) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      reason += " (";
      reason += X509_verify_cert_error_string(verify);
      reason += ")";
    }
  }
  return reason;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

class BeastHttpsClient final : public HttpsClient {
 public:
  BeastHttpsClient(ClientOptions options, ssl::context ctx)
      : options_(std::move(options)), ctx_(std::move(ctx)) {}

  ~BeastHttpsClient() override { close(); }

  Status connect() override {
    close();
    stream_.emplace(ioc_, ctx_);
    requests_on_connection_ = 0;
    SSL* native = stream_->native_handle();
    // SNI carries host names only (RFC 6066 §3); IP literals are verified but not sent.
    if (!is_ip_literal(options_.server_name) &&
        SSL_set_tlsext_host_name(native, options_.server_name.c_str()) != 1) {
      return make_error("invalid_options", "cannot set SNI name '" + options_.server_name + "'");
    }
    if (options_.verify_server) {
      stream_->set_verify_mode(ssl::verify_peer);
      stream_->set_verify_callback(ssl::host_name_verification(options_.server_name));
    } else {
      stream_->set_verify_mode(ssl::verify_none);
    }

    const std::string where = options_.host + ":" + std::to_string(options_.port);
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                            tcp::resolver::numeric_service, ec);
    if (ec) return fail("connect_failed", "cannot resolve " + options_.host + ": " + ec.message());

    auto& tcp_layer = beast::get_lowest_layer(*stream_);
    tcp_layer.expires_after(options_.timeout);
    ec = run([&](auto handler) { tcp_layer.async_connect(endpoints, std::move(handler)); });
    if (ec == beast::error::timeout)
      return fail("timeout", "connecting to " + where + " timed out");
    if (ec) return fail("connect_failed", "cannot connect to " + where + ": " + ec.message());

    tcp_layer.expires_after(options_.timeout);
    ec = run([&](auto handler) {
      stream_->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec == beast::error::timeout) {
      return fail("timeout", "TLS handshake with " + where + " timed out");
    }
    if (ec) {
      return fail("handshake_failed",
                  "TLS handshake with " + where + " failed: " + ssl_reason(ec, native));
    }
    tcp_layer.expires_never();
    return Status::Ok();
  }

  Result<HttpResult> request(http::verb method, const std::string& target, const std::string& body,
                             const std::string& content_type) override {
    // A kept-alive connection the server has since closed is replaced before anything is
    // written. If writing then fails with nothing written we may retry once; once a byte of
    // the request may have reached the server we never resend (the request might have been
    // acted on, e.g. a submission accepted).
    for (int attempt = 0;; ++attempt) {
      if (!stream_ || peer_closed()) {
        if (Status s = connect(); !s) return s.error();
      }
      const bool reused = requests_on_connection_ > 0;
      bool nothing_written = false;
      Result<HttpResult> result = exchange(method, target, body, content_type, nothing_written);
      if (result.ok() || !nothing_written || !reused || attempt > 0 ||
          result.error().code != "io") {
        return result;
      }
    }
  }

  void close() override {
    if (!stream_) return;
    // No close_notify exchange: it would cost a round trip and the server treats a plain
    // close of an idle connection as normal.
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*stream_).close();
    stream_.reset();
    buffer_.clear();
  }

 private:
  // Runs one async operation to completion on the private io_context.
  template <typename Initiate>
  beast::error_code run(Initiate&& initiate) {
    beast::error_code result;
    initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  // True when the peer has shut down or reset the idle connection. An HTTP/1.1 server sends
  // nothing unasked, so hang-up/error on an idle socket means it is gone; POLLIN alone is not
  // enough (a TLS 1.3 session ticket may still be unread).
  bool peer_closed() {
    if (requests_on_connection_ == 0) return false;
    pollfd pfd{};
    pfd.fd = beast::get_lowest_layer(*stream_).socket().native_handle();
    pfd.events = POLLIN | POLLRDHUP;
    if (::poll(&pfd, 1, 0) <= 0) return false;
    return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  Error fail(std::string code, std::string message) {
    close();
    return make_error(std::move(code), std::move(message));
  }

  Result<HttpResult> exchange(http::verb method, const std::string& target, const std::string& body,
                              const std::string& content_type, bool& nothing_written) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, options_.server_name);
    req.set(http::field::user_agent, "accord-client/0.1");
    req.keep_alive(true);
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
    }
    req.prepare_payload();

    auto& tcp_layer = beast::get_lowest_layer(*stream_);
    SSL* native = stream_->native_handle();
    const bool first_on_connection = requests_on_connection_ == 0;
    ++requests_on_connection_;

    std::size_t written = 0;
    tcp_layer.expires_after(options_.timeout);
    beast::error_code ec;
    {
      beast::error_code result;
      http::async_write(*stream_, req, [&](beast::error_code e, std::size_t n) {
        result = e;
        written = n;
      });
      ioc_.restart();
      ioc_.run();
      ec = result;
    }
    if (ec) {
      // `written` counts request bytes handed to TLS that were sent in full records; a
      // partial record cannot be decrypted by the server, so 0 means nothing was received.
      nothing_written = written == 0;
      if (ec == beast::error::timeout) return fail("timeout", "sending the request timed out");
      return fail("io", "sending the request failed: " + ec.message());
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    ec =
        run([&](auto handler) { http::async_read(*stream_, buffer_, parser, std::move(handler)); });
    if (ec == beast::error::timeout) {
      return fail("timeout",
                  "no answer within " + std::to_string(options_.timeout.count()) + " ms");
    }
    if (ec) {
      // TLS 1.3 finishes the client's side of the handshake before the server has judged the
      // client certificate; its refusal arrives as an alert on the first read.
      if (first_on_connection && ec.category() == asio::error::get_ssl_category()) {
        return fail("handshake_failed", "TLS refused by the server: " + ssl_reason(ec, native));
      }
      return fail("io", "reading the response failed: " + ec.message());
    }
    tcp_layer.expires_never();

    auto res = parser.release();
    HttpResult out;
    out.status = res.result_int();
    for (const auto& field : res) {
      out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }

  ClientOptions options_;
  ssl::context ctx_;
  asio::io_context ioc_{1};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  int requests_on_connection_ = 0;
};

Error file_error(const std::string& what, const std::string& path, const beast::error_code& ec) {
  return make_error("invalid_options", "cannot load " + what + " '" + path + "': " + ec.message(),
                    path);
}

}  // namespace

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(const ClientOptions& options) {
  if (options.port == 0) return make_error("invalid_options", "no server port given");
  if (options.cert.empty() != options.key.empty()) {
    return make_error("invalid_options", "a client certificate needs both cert and key");
  }
  try {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    SSL_CTX* native = ctx.native_handle();
    if ((options.min_tls_version != 0 &&
         SSL_CTX_set_min_proto_version(native, options.min_tls_version) != 1) ||
        (options.max_tls_version != 0 &&
         SSL_CTX_set_max_proto_version(native, options.max_tls_version) != 1)) {
      return make_error("invalid_options", "unsupported TLS version bounds");
    }
    beast::error_code ec;
    if (!options.ca.empty()) {
      ctx.load_verify_file(options.ca, ec);
      if (ec) return file_error("CA file", options.ca, ec);
    } else {
      ctx.set_default_verify_paths(ec);
      if (ec) return make_error("invalid_options", "cannot load the system CA store");
    }
    if (!options.cert.empty()) {
      ctx.use_certificate_chain_file(options.cert, ec);
      if (ec) return file_error("client certificate", options.cert, ec);
      // Loaded after the certificate, so OpenSSL also checks that the two belong together.
      ctx.use_private_key_file(options.key, ssl::context::pem, ec);
      if (ec) return file_error("client key", options.key, ec);
    }
    return std::unique_ptr<HttpsClient>(
        std::make_unique<BeastHttpsClient>(options, std::move(ctx)));
  } catch (const std::exception& e) {
    return make_error("invalid_options", std::string("cannot set up TLS: ") + e.what());
  }
}

}  // namespace accord::client
