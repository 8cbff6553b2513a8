// ZmqPort: the gateway's door for out-of-process adapters (docs/adapter-protocol.md).
//
// One ZeroMQ ROUTER socket, bound at options.endpoint with CURVE server security. A ZAP
// handler admits only the configured adapter public keys; each key is bound to one agency,
// and that binding — never anything the peer says — is the agency it submits as and
// receives for. Unknown keys fail the handshake (ZAP 400) and are counted.
//
//   inbound:  SUBMIT from a peer → Submitter::submit(peer's agency, envelope) → SUBMIT_REPLY.
//             At most max_submit_in_flight per connection; beyond that SUBMIT_REPLY refused
//             `overloaded` (retryable), so one flooding adapter cannot starve the others.
//   outbound: outbound_for(agency)->deliver() sends DELIVER to that agency's connected peer;
//             ACK → delivered, NACK permanent → permanent_failure, NACK retry / no peer /
//             peer gone / ack timeout / port stopped → retry_later. Never lost: a copy whose
//             outcome is unknown is retried by the delivery worker (at-least-once).
//
// Threading: one I/O thread owns the ZeroMQ context and sockets (libzmq sockets are not
// thread-safe); other threads hand it commands through a mutex-guarded queue and an eventfd
// it polls. Submitter::submit and every `done` callback are posted to the io_context, never
// run on the I/O thread. Public methods are thread-safe.
//
// Lifetime: the Submitter (may be null: SUBMIT is then refused `inbound_disabled`) and the
// io_context must outlive the port. Adapters from outbound_for() may outlive the port; once
// it is stopped they answer retry_later.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/adapters/registry.hpp"
#include "accord/adapters/zmq/options.hpp"
#include "accord/core/result.hpp"
#include "accord/env/env.hpp"

namespace accord::adapters {

// Counters since start (monotonic) and one gauge; read with ZmqPort::stats().
struct ZmqPortStats {
  std::uint64_t handshakes_refused = 0;  // ZAP 400: unknown key or not CURVE
  std::uint64_t hellos_refused = 0;      // REFUSE sent (agency mismatch, bad capabilities)
  std::uint64_t malformed = 0;           // ERROR sent for a frame the protocol does not allow
  std::uint64_t submits = 0;             // SUBMITs handed to the Submitter
  std::uint64_t submits_overloaded = 0;  // SUBMITs refused `overloaded`
  std::uint64_t delivers = 0;            // DELIVERs sent
  std::uint64_t acks = 0;
  std::uint64_t nacks = 0;
  std::uint64_t ack_timeouts = 0;
  std::uint64_t peers_expired = 0;    // heartbeat expiry
  std::uint64_t peers_replaced = 0;   // a newer connection said HELLO for the same agency
  std::uint64_t peers_connected = 0;  // gauge: welcomed peers now
};

class ZmqPort {
 public:
  using Clock = std::function<std::int64_t()>;  // ms; drives heartbeats and ack timeouts

  // Loads or creates the server secret key (see load_or_create_secret_key); sockets are not
  // opened until start(); `env` writes a new key file. Errors: io, insecure_key, invalid_key,
  // invalid_argument.
  static Result<std::unique_ptr<ZmqPort>> create(ZmqPortOptions options,
                                                 boost::asio::io_context& io, Submitter* submitter,
                                                 Clock now_ms, env::Env& env = env::system_env());
  ~ZmqPort();  // stop()
  ZmqPort(const ZmqPort&) = delete;
  ZmqPort& operator=(const ZmqPort&) = delete;

  // Binds the ZAP handler and the ROUTER socket and starts the I/O thread.
  // Errors: bind_failed (address in use, bad endpoint), invalid_state (started twice).
  Status start();
  // Says BYE to every peer, answers every pending delivery retry_later, joins the I/O
  // thread. Idempotent. Submissions already handed to the Submitter complete, but their
  // replies are no longer sent (the adapter resubmits and gets `duplicate`).
  void stop();

  // The gateway's CURVE public key (Z85), for adapters' configuration.
  const std::string& public_key() const;
  // The bound endpoint after start() (the real port when configured with ":*").
  std::string endpoint() const;
  // True when options.adapters binds a key to `agency`.
  bool serves(const std::string& agency) const;
  ZmqPortStats stats() const;

  // An OutboundAdapter of kind "zmq" delivering to `agency`'s connected peer. Its stop()
  // answers its own pending deliveries retry_later.
  std::unique_ptr<OutboundAdapter> outbound_for(const std::string& agency);

  class Core;  // the I/O thread's state (port.cpp)

 private:
  explicit ZmqPort(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

// Registers outbound type "zmq": settings `{type: zmq}` (no other keys) for an agency whose
// external adapter connects to `port`. Errors at creation: invalid_config ("line:col") for
// unknown keys or an agency with no key under zmq.adapters. `port` must outlive `registry`'s
// use. Returns the registry's error if "zmq" is registered twice.
Status register_zmq(Registry& registry, ZmqPort& port);

// What main() (and the in-process test harness) registers when the configuration has a
// `zmq:` section: port "zmq", which the gateway makes with its io_context and submitter. It
// parses `section` then (errors "<config>:line:col"), creates the port and registers
// outbound type "zmq" on it (register_zmq). Under --check with no secret key yet, it makes
// no port (that would create the key) and registers a "zmq" type that only checks settings.
Status register_zmq_port(Registry& registry, YAML::Node section);

// ZmqPortStats as /metrics values (accord_zmq_*; docs/operations.md).
std::vector<PortMetric> zmq_port_metrics(const ZmqPortStats& stats);

}  // namespace accord::adapters
