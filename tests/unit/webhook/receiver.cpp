#include "receiver.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>

#include "accord/testing/dev_pki.hpp"

namespace accord::testing {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

}  // namespace

// One connection, callback style; the session keeps itself alive through its handlers.
struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket socket, ssl::context& ctx) : stream(std::move(socket), ctx) {}
  ssl::stream<tcp::socket> stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  std::string raw;
  std::unique_ptr<net::steady_timer> hang;
};

Receiver::Receiver(Mode mode, unsigned status)
    : mode_(mode),
      status_(status),
      ctx_(ssl::context::tls_server),
      acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
      threads_(io_, 1) {
  const auto& pki = dev_pki();
  ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_tlsv1 |
                   ssl::context::no_tlsv1_1);
  ctx_.use_certificate_chain_file(pki.server_cert());
  ctx_.use_private_key_file(pki.server_key(), ssl::context::pem);
  ctx_.load_verify_file(pki.ca());
  // Mutual TLS: no client certificate, no request.
  ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  port_ = acceptor_.local_endpoint().port();
  net::post(io_, [this] { accept(); });
}

Receiver::~Receiver() {
  threads_.stop();
}

std::vector<ReceivedRequest> Receiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

int Receiver::handshakes() const {
  std::lock_guard lock(mutex_);
  return handshakes_;
}

void Receiver::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    serve(std::move(socket));
    accept();
  });
}

void Receiver::serve(tcp::socket socket) {
  auto s = std::make_shared<Session>(std::move(socket), ctx_);
  s->stream.async_handshake(ssl::stream_base::server, [this, s](boost::system::error_code ec) {
    if (ec) return;
    ReceivedRequest seen;
    if (X509* cert = SSL_get1_peer_certificate(s->stream.native_handle())) {
      unsigned char* der = nullptr;
      const int len = i2d_X509(cert, &der);
      if (len > 0)
        seen.client_cert_der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
      OPENSSL_free(der);
      X509_free(cert);
    }
    {
      std::lock_guard lock(mutex_);
      ++handshakes_;
    }
    read_next(s, std::move(seen.client_cert_der));
  });
}

void Receiver::read_next(std::shared_ptr<Session> s, std::string client_cert_der) {
  s->request = {};
  http::async_read(
      s->stream, s->buffer, s->request,
      [this, s, client_cert_der](boost::system::error_code ec, std::size_t) mutable {
        if (ec) return;
        ReceivedRequest seen;
        seen.client_cert_der = client_cert_der;
        seen.method = std::string(s->request.method_string());
        seen.target = std::string(s->request.target());
        for (const auto& field : s->request) {
          seen.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        seen.body = s->request.body();
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(std::move(seen));
        }
        auto close = [s](boost::system::error_code, std::size_t) {
          boost::system::error_code ignored;
          s->stream.next_layer().close(ignored);
        };
        switch (mode_) {
          case Mode::answer:
          case Mode::keep_alive:
          case Mode::close_after_answer:
            s->response = {};
            s->response.result(status_);
            s->response.version(11);
            if (status_ != 204) s->response.body() = "{\"ok\":true}";
            s->response.keep_alive(mode_ != Mode::answer);
            s->response.prepare_payload();
            if (mode_ == Mode::keep_alive) {
              http::async_write(
                  s->stream, s->response,
                  [this, s, client_cert_der](boost::system::error_code ec, std::size_t) {
                    if (!ec) read_next(s, client_cert_der);
                  });
            } else {
              http::async_write(s->stream, s->response, close);
            }
            break;
          case Mode::hang:
            s->hang = std::make_unique<net::steady_timer>(io_, std::chrono::hours(1));
            s->hang->async_wait([s](boost::system::error_code) {});
            break;
          case Mode::close_mid_response:
            s->raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part";
            net::async_write(s->stream, net::buffer(s->raw), close);
            break;
          case Mode::close_without_answer:
            close({}, 0);
            break;
          case Mode::garbage:
            s->raw = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\r\n";
            net::async_write(s->stream, net::buffer(s->raw), close);
            break;
        }
      });
}

}  // namespace accord::testing
