// One accepted TLS connection: handshake → identity → (idle → request → handler → write)*
// → close. Every operation runs on the connection's strand; the only entry points from
// other threads are start(), on_drain(), reclaim() and the Respond callback, which all post
// to it.
// Lifetime: owned by the shared_ptrs its pending operations (and any unanswered Respond)
// hold; the destructor frees its slot in ServerState.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "accord/server/error_class.hpp"
#include "server_state.hpp"

namespace accord::server {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Drain: an idle (or still handshaking) connection closes now; one with a request in
  // flight finishes it and answers with Connection: close.
  void on_drain();
  // Slots ran out (max_connections, or its peer's cap) and this connection was the longest
  // idle: it closes now if it is still idle; one that has started a request meanwhile
  // carries on.
  void reclaim(std::string reason);
  // From Respond, any thread: writes `response` on the strand.
  void post_response(HttpResponse response);
  // After a TLS reload, any thread: on the strand, verifies the peer certificate again
  // against `context`'s trust store; when it fails (revoked, expired, ...) the connection is
  // closed at once, whatever it is doing, and counted and reported like a refused handshake.
  // A connection still handshaking re-checks when its handshake ends (on_handshake).
  void revalidate(std::shared_ptr<boost::asio::ssl::context> context);

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  enum class Stage { handshake, idle, request, handling, write, closing };

  void on_handshake(boost::beast::error_code ec);
  void do_idle();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_request(boost::beast::error_code ec, std::size_t bytes);
  // A body over its limit (from Content-Length, or counted while a chunked body is read):
  // 413 with the limit's own code.
  void refuse_body_limit();
  void dispatch();
  void write(HttpResponse response);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void answer_error(std::string_view code, std::string_view message);
  void do_close();
  // After answering a request we did not read whole (413, 431, 400), read and discard what
  // the client is still sending before closing: closing with unread data makes the kernel
  // send a reset, and the client would lose the answer. Bounded in time and bytes.
  void do_linger();
  void on_linger(boost::beast::error_code ec, std::size_t bytes);
  void close_now();
  // The access record of the answer just written (ServerOptions::on_access).
  void report_access();
  void report_certificate_refused(std::string_view reason);
  // Verifies against `context`; false (and closed) when the certificate no longer passes.
  bool still_valid(boost::asio::ssl::context& context);
  // The one place that decides what a failed operation means (see error_class.hpp).
  void fail(Phase phase, boost::beast::error_code ec);

  std::shared_ptr<ServerState> state_;
  std::string remote_;  // "ip:port", for logs
  // The context this connection was accepted with; kept alive for stream_, and compared
  // with the server's current one after the handshake (a reload may have happened).
  std::shared_ptr<boost::asio::ssl::context> tls_;
  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<HttpResponse> response_;
  // The current request's body limit, chosen from its request line (ServerOptions::
  // large_body_routes), or null for max_body_bytes.
  const LargeBodyRoute* body_route_ = nullptr;
  PeerIdentity peer_;
  // The client certificate as presented, captured by the verify callback (OpenSSL keeps no
  // peer certificate for a handshake whose verification failed).
  std::optional<PresentedCertificate> presented_;
  Stage stage_ = Stage::handshake;
  bool drain_requested_ = false;
  bool request_keep_alive_ = true;
  bool linger_ = false;       // the current answer interrupts an unread request
  std::size_t lingered_ = 0;  // bytes discarded while lingering
  unsigned request_version_ = 11;
  // For the access record of the request in progress: when its first byte came, its method
  // and path (query cut off) once its header is read, the answer's status and body size.
  std::chrono::steady_clock::time_point request_started_{};
  std::string access_method_ = "-";
  std::string access_path_ = "-";
  unsigned access_status_ = 0;
  std::size_t access_bytes_ = 0;
};

}  // namespace accord::server
