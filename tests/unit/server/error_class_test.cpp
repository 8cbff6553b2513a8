#include "accord/server/error_class.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

namespace accord::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

error_code ssl_reason(int reason) {
  return error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)),
                    net::error::get_ssl_category());
}

struct ClassRow {
  std::string name;
  Phase phase;
  error_code ec;
  long verify;
  Action action;
  std::string reason;
  unsigned status;
};

class Classify : public ::testing::TestWithParam<ClassRow> {};

TEST_P(Classify, Row) {
  const ClassRow& row = GetParam();
  Disposition d = classify(row.phase, row.ec, row.verify);
  EXPECT_EQ(d.action, row.action);
  EXPECT_EQ(d.reason, row.reason);
  EXPECT_EQ(d.status, row.status);
  EXPECT_FALSE(d.why.empty());
}

const error_code kTimeout = beast::error::timeout;
const error_code kAborted = net::error::operation_aborted;
const error_code kEof = net::error::eof;
const error_code kTruncated = net::ssl::error::stream_truncated;
const error_code kFailed = ssl_reason(SSL_R_CERTIFICATE_VERIFY_FAILED);

INSTANTIATE_TEST_SUITE_P(
    Table, Classify,
    ::testing::Values(
        // Handshake: every failure counted, reason from the verify result first.
        ClassRow{"hs_revoked", Phase::handshake, kFailed, X509_V_ERR_CERT_REVOKED,
                 Action::handshake_failed, "revoked", 0},
        ClassRow{"hs_expired", Phase::handshake, kFailed, X509_V_ERR_CERT_HAS_EXPIRED,
                 Action::handshake_failed, "expired", 0},
        ClassRow{"hs_not_yet_valid", Phase::handshake, kFailed, X509_V_ERR_CERT_NOT_YET_VALID,
                 Action::handshake_failed, "not_yet_valid", 0},
        ClassRow{"hs_unknown_ca", Phase::handshake, kFailed,
                 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, Action::handshake_failed,
                 "unknown_ca", 0},
        ClassRow{"hs_self_signed", Phase::handshake, kFailed,
                 X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, Action::handshake_failed, "unknown_ca", 0},
        ClassRow{"hs_bad_signature", Phase::handshake, kFailed, X509_V_ERR_CERT_SIGNATURE_FAILURE,
                 Action::handshake_failed, "bad_certificate", 0},
        ClassRow{"hs_purpose", Phase::handshake, kFailed, X509_V_ERR_INVALID_PURPOSE,
                 Action::handshake_failed, "bad_certificate", 0},
        ClassRow{"hs_no_crl", Phase::handshake, kFailed, X509_V_ERR_UNABLE_TO_GET_CRL,
                 Action::handshake_failed, "bad_certificate", 0},
        ClassRow{"hs_no_cert", Phase::handshake,
                 ssl_reason(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE), X509_V_OK,
                 Action::handshake_failed, "no_certificate", 0},
        ClassRow{"hs_old_tls", Phase::handshake, ssl_reason(SSL_R_UNSUPPORTED_PROTOCOL), X509_V_OK,
                 Action::handshake_failed, "protocol_version", 0},
        ClassRow{"hs_too_low", Phase::handshake, ssl_reason(SSL_R_VERSION_TOO_LOW), X509_V_OK,
                 Action::handshake_failed, "protocol_version", 0},
        ClassRow{"hs_timeout", Phase::handshake, kTimeout, X509_V_OK, Action::handshake_failed,
                 "timeout", 0},
        ClassRow{"hs_plain_http", Phase::handshake, ssl_reason(SSL_R_HTTP_REQUEST), X509_V_OK,
                 Action::handshake_failed, "other", 0},
        ClassRow{"hs_eof", Phase::handshake, kEof, X509_V_OK, Action::handshake_failed, "other", 0},
        ClassRow{"hs_aborted", Phase::handshake, kAborted, X509_V_OK, Action::ignore, "", 0},
        // Idle keep-alive.
        ClassRow{"idle_timeout", Phase::idle, kTimeout, X509_V_OK, Action::timed_out, "idle", 0},
        ClassRow{"idle_eof", Phase::idle, kEof, X509_V_OK, Action::ignore, "", 0},
        ClassRow{"idle_truncated", Phase::idle, kTruncated, X509_V_OK, Action::ignore, "", 0},
        ClassRow{"idle_aborted", Phase::idle, kAborted, X509_V_OK, Action::ignore, "", 0},
        ClassRow{"idle_other", Phase::idle, net::error::no_buffer_space, X509_V_OK, Action::close,
                 "", 0},
        // Reading a request.
        ClassRow{"req_timeout", Phase::request, kTimeout, X509_V_OK, Action::timed_out, "request",
                 0},
        ClassRow{"req_body_limit", Phase::request, http::error::body_limit, X509_V_OK,
                 Action::answer_and_close, "too_large", 413},
        ClassRow{"req_header_limit", Phase::request, http::error::header_limit, X509_V_OK,
                 Action::answer_and_close, "headers_too_large", 431},
        ClassRow{"req_bad_method", Phase::request, http::error::bad_method, X509_V_OK,
                 Action::answer_and_close, "bad_request", 400},
        ClassRow{"req_bad_version", Phase::request, http::error::bad_version, X509_V_OK,
                 Action::answer_and_close, "bad_request", 400},
        ClassRow{"req_bad_length", Phase::request, http::error::bad_content_length, X509_V_OK,
                 Action::answer_and_close, "bad_request", 400},
        ClassRow{"req_partial", Phase::request, http::error::partial_message, X509_V_OK,
                 Action::ignore, "", 0},
        ClassRow{"req_truncated", Phase::request, kTruncated, X509_V_OK, Action::ignore, "", 0},
        ClassRow{"req_aborted", Phase::request, kAborted, X509_V_OK, Action::ignore, "", 0},
        ClassRow{"req_reset", Phase::request, net::error::connection_reset, X509_V_OK,
                 Action::ignore, "", 0},
        // Writing the answer and closing.
        ClassRow{"write_timeout", Phase::write, kTimeout, X509_V_OK, Action::timed_out, "write", 0},
        ClassRow{"write_pipe", Phase::write, net::error::broken_pipe, X509_V_OK, Action::ignore, "",
                 0},
        ClassRow{"write_other", Phase::write, net::error::no_buffer_space, X509_V_OK, Action::close,
                 "", 0},
        ClassRow{"shutdown_truncated", Phase::shutdown, kTruncated, X509_V_OK, Action::ignore, "",
                 0},
        ClassRow{"shutdown_timeout", Phase::shutdown, kTimeout, X509_V_OK, Action::ignore, "", 0}),
    [](const auto& info) { return info.param.name; });

TEST(HandshakeReason, VerifyResultWinsOverTheTransportError) {
  // OpenSSL reports "certificate verify failed"; the verify result says which failure.
  EXPECT_EQ(handshake_reason(kFailed, X509_V_ERR_CERT_REVOKED), "revoked");
  EXPECT_EQ(handshake_reason(kFailed, X509_V_OK), "bad_certificate");
}

TEST(PhaseName, EveryPhase) {
  EXPECT_EQ(phase_name(Phase::handshake), "handshake");
  EXPECT_EQ(phase_name(Phase::idle), "idle");
  EXPECT_EQ(phase_name(Phase::request), "request");
  EXPECT_EQ(phase_name(Phase::write), "write");
  EXPECT_EQ(phase_name(Phase::shutdown), "shutdown");
}

}  // namespace
}  // namespace accord::server
