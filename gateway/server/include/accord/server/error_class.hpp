// The one place that decides what an error on a connection means (Beast's fail()).
// Connection code calls classify() for every failed operation and does exactly what the
// Disposition says; the table is pure so it is unit-tested row by row and documented in
// docs/architecture.md. Exposed in a public header for those tests only.
#pragma once

#include <boost/system/error_code.hpp>
#include <string_view>

namespace accord::server {

// Where in its life the connection was when the operation failed.
enum class Phase {
  handshake,  // TLS handshake (deadline handshake_timeout)
  idle,       // waiting for the first byte of the next request (idle_timeout)
  request,    // reading a request whose first byte came (request_timeout)
  write,      // writing the response (request_timeout)
  shutdown,   // TLS close_notify after the last response (handshake_timeout)
};
std::string_view phase_name(Phase phase);

enum class Action {
  ignore,            // an ordinary end of a connection: log `why` at debug, close
  handshake_failed,  // Metrics::handshake_failed(reason), close
  answer_and_close,  // write `status` {"error":{"code":reason}} with Connection: close
  timed_out,         // Metrics::connection_timed_out(phase_name), close
  close,             // unexpected I/O error: log at info, close
};

struct Disposition {
  Action action;
  std::string_view reason;  // metric label / error code; empty for ignore and close
  unsigned status = 0;      // HTTP status for answer_and_close: the error table's for `reason`
  std::string_view why;     // one line for the log: why this is handled this way
};

// `verify_result` is SSL_get_verify_result() of the connection (X509_V_OK when the peer
// sent no certificate or verification never ran); only the handshake phase looks at it.
Disposition classify(Phase phase, const boost::system::error_code& ec, long verify_result);

// The handshake failure reason alone (one of the labels listed in metrics.hpp).
std::string_view handshake_reason(const boost::system::error_code& ec, long verify_result);

}  // namespace accord::server
