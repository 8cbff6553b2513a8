#include "accord/server/error_class.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "accord/core/error_codes.hpp"

namespace accord::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

bool is_openssl_error(const boost::system::error_code& ec) {
  return ec.category() == net::error::get_ssl_category();
}

// The peer left: TCP FIN/RST or a TLS stream cut without close_notify.
bool peer_went_away(const boost::system::error_code& ec) {
  return ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

std::string_view verify_reason(long verify_result) {
  switch (verify_result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return "unknown_ca";
    case X509_V_ERR_CERT_REVOKED:
      return "revoked";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not_yet_valid";
    default:
      // Bad signature, wrong purpose, missing or expired CRL, chain too long, ...: the
      // certificate is not acceptable and the operator reads the log line for which way.
      return "bad_certificate";
  }
}

}  // namespace

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::handshake:
      return "handshake";
    case Phase::idle:
      return "idle";
    case Phase::request:
      return "request";
    case Phase::write:
      return "write";
    case Phase::shutdown:
      return "shutdown";
  }
  return "unknown";
}

std::string_view handshake_reason(const boost::system::error_code& ec, long verify_result) {
  if (ec == beast::error::timeout) return "timeout";
  if (verify_result != X509_V_OK) return verify_reason(verify_result);
  if (is_openssl_error(ec)) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return "no_certificate";
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_VERSION_TOO_LOW:
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return "protocol_version";
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return "bad_certificate";
      default:
        break;
    }
  }
  return "other";
}

Disposition classify(Phase phase, const boost::system::error_code& ec, long verify_result) {
  if (ec == net::error::operation_aborted) {
    return {Action::ignore, {}, 0, "the server closed the socket itself (drain or shutdown)"};
  }
  switch (phase) {
    case Phase::handshake:
      // Every unfinished handshake counts, including a peer that leaves early: a mutual-TLS
      // front door has no legitimate reason to see many of those.
      return {Action::handshake_failed, handshake_reason(ec, verify_result), 0,
              "TLS handshake refused or failed"};
    case Phase::idle:
      if (ec == beast::error::timeout) {
        return {Action::timed_out, phase_name(phase), 0, "no request within idle_timeout"};
      }
      if (peer_went_away(ec) || ec == http::error::end_of_stream) {
        return {Action::ignore, {}, 0, "the client closed an idle keep-alive connection"};
      }
      return {Action::close, {}, 0, "read failed between requests"};
    case Phase::request:
      if (ec == beast::error::timeout) {
        return {Action::timed_out, phase_name(phase), 0,
                "request not complete within request_timeout (slowloris)"};
      }
      if (ec == http::error::body_limit) {
        return {Action::answer_and_close, "too_large", http_status_for("too_large"),
                "body over max_body_bytes"};
      }
      if (ec == http::error::header_limit) {
        return {Action::answer_and_close, "headers_too_large", http_status_for("headers_too_large"),
                "header over 16 KiB"};
      }
      if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
          peer_went_away(ec)) {
        return {Action::ignore, {}, 0, "the client left mid-request; nobody to answer"};
      }
      if (is_http_error(ec)) {
        return {Action::answer_and_close, "bad_request", http_status_for("bad_request"),
                "malformed HTTP request"};
      }
      return {Action::close, {}, 0, "read failed mid-request"};
    case Phase::write:
      if (ec == beast::error::timeout) {
        return {Action::timed_out, phase_name(phase), 0,
                "client did not read the response within request_timeout"};
      }
      if (peer_went_away(ec)) {
        return {Action::ignore, {}, 0, "the client left before reading its answer"};
      }
      return {Action::close, {}, 0, "write failed"};
    case Phase::shutdown:
      // The last response is written; how the peer acknowledges close_notify (or whether
      // it does at all: stream_truncated, eof, timeout) changes nothing.
      return {Action::ignore, {}, 0, "TLS close after the last response"};
  }
  return {Action::close, {}, 0, "unknown phase"};
}

}  // namespace accord::server
