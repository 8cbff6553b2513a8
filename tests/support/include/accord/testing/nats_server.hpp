// A real nats-server (Debian's nats-server) with JetStream, for the NATS adapter's tests:
// its own TempDir (config, store, log), a loopback port picked at construction, TLS with the
// dev PKI's server certificate and client certificates required (verify: true). start() and
// stop() may be called repeatedly; the port and the store survive a restart, so a client that
// reconnects finds the same server and streams. Plus a small JetStream client (libnats) to
// create streams and read back what a stream holds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accord/testing/temp_dir.hpp"

namespace accord::testing {

struct StoredNatsMessage {
  std::string subject;
  std::string data;
  std::map<std::string, std::string> headers;  // first value of each header
  std::uint64_t stream_sequence = 0;
};

class NatsServer {
 public:
  // Picks the port and writes the config (plus `extra_config`, nats-server config lines such
  // as "max_payload: 512"); does not start.
  explicit NatsServer(const std::string& extra_config = "");
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts the server and waits until it accepts connections. "" or what went wrong (with
  // the server's log tail).
  std::string start();
  void stop();  // SIGTERM and wait; idempotent

  std::uint16_t port() const { return port_; }
  // tls://127.0.0.1:<port>; the certificate names "localhost" (set server_name: localhost).
  std::string url() const;
  std::string log_tail() const;

  // JetStream, through a fresh client connection (mutual TLS with the dev PKI server cert).
  // "" or the error.
  // `max_msg_size` > 0 limits the stream's message size (JetStream refuses larger ones).
  std::string add_stream(const std::string& name, const std::vector<std::string>& subjects,
                         std::int32_t max_msg_size = -1);
  // Every message the stream holds, in order, read by an ephemeral JetStream consumer.
  std::vector<StoredNatsMessage> read_stream(const std::string& name, std::string& error);

 private:
  TempDir dir_;
  std::uint16_t port_ = 0;
  int pid_ = -1;
};

}  // namespace accord::testing
