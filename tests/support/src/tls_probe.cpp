#include "accord/testing/tls_probe.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace accord::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = net::ssl;

Error io_error(std::string_view what, const beast::error_code& ec) {
  std::string code = ec == beast::error::timeout ? "timeout" : "io";
  return make_error(code, std::string(what) + ": " + ec.message());
}

}  // namespace

TlsProbe::TlsProbe(ProbeOptions options)
    : options_(std::move(options)), ctx_(ssl::context::tls_client) {
  SSL_CTX* native = ctx_.native_handle();
  if (options_.security_level >= 0) SSL_CTX_set_security_level(native, options_.security_level);
  if (options_.min_version != 0) SSL_CTX_set_min_proto_version(native, options_.min_version);
  if (options_.max_version != 0) SSL_CTX_set_max_proto_version(native, options_.max_version);
  beast::error_code ignored;  // a missing file shows up as a failed handshake, with its reason
  if (!options_.ca.empty()) {
    ctx_.load_verify_file(options_.ca, ignored);
    ctx_.set_verify_mode(ssl::verify_peer);
  } else {
    ctx_.set_verify_mode(ssl::verify_none);
  }
  if (!options_.cert.empty()) {
    ctx_.use_certificate_chain_file(options_.cert, ignored);
    ctx_.use_private_key_file(options_.key, ssl::context::pem, ignored);
  }
}

TlsProbe::~TlsProbe() = default;

bool TlsProbe::run(const bool& finished) {
  io_.restart();
  io_.run();  // the stream's own deadline ends every operation
  return finished;
}

Status TlsProbe::connect(std::uint16_t port) {
  stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, ctx_);
  buffer_.clear();
  SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
  beast::error_code result;
  bool finished = false;
  auto& tcp = beast::get_lowest_layer(*stream_);
  tcp.expires_after(options_.timeout);
  tcp.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                    [&](beast::error_code ec) {
                      result = ec;
                      finished = true;
                    });
  run(finished);
  if (result) return make_error("connect_failed", result.message());
  return Status::Ok();
}

Status TlsProbe::handshake() {
  beast::error_code result;
  bool finished = false;
  beast::get_lowest_layer(*stream_).expires_after(options_.timeout);
  stream_->async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
    result = ec;
    finished = true;
  });
  run(finished);
  if (result == beast::error::timeout) return io_error("handshake", result);
  if (result) return make_error("handshake_failed", result.message());
  return Status::Ok();
}

Status TlsProbe::connect_and_handshake(std::uint16_t port) {
  if (auto st = connect(port); !st) return st;
  return handshake();
}

Status TlsProbe::write(std::string_view bytes) {
  beast::error_code result;
  bool finished = false;
  beast::get_lowest_layer(*stream_).expires_after(options_.timeout);
  net::async_write(*stream_, net::buffer(bytes.data(), bytes.size()),
                   [&](beast::error_code ec, std::size_t) {
                     result = ec;
                     finished = true;
                   });
  run(finished);
  if (result) return io_error("write", result);
  return Status::Ok();
}

Result<beast::http::response<beast::http::string_body>> TlsProbe::read_response() {
  beast::http::response<beast::http::string_body> response;
  beast::error_code result;
  bool finished = false;
  beast::get_lowest_layer(*stream_).expires_after(options_.timeout);
  beast::http::async_read(*stream_, buffer_, response, [&](beast::error_code ec, std::size_t) {
    result = ec;
    finished = true;
  });
  run(finished);
  if (result == beast::error::timeout) return io_error("read", result);
  if (result) return make_error("closed", "read: " + result.message());
  return response;
}

Status TlsProbe::wait_closed() {
  beast::get_lowest_layer(*stream_).expires_after(options_.timeout);
  char scratch[4096];
  for (;;) {
    beast::error_code result;
    bool finished = false;
    stream_->async_read_some(net::buffer(scratch), [&](beast::error_code ec, std::size_t) {
      result = ec;
      finished = true;
    });
    run(finished);
    if (result == beast::error::timeout) return io_error("wait for close", result);
    if (result) return Status::Ok();  // EOF, close_notify, truncation, alert: all "closed"
  }
}

}  // namespace accord::testing
