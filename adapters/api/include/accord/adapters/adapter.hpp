// The adapter interface: how an agency's own system meets the canonical envelope.
//
// Outbound adapters hand one stored copy to a recipient's system (webhook POST, a file in a
// directory, a ZeroMQ peer). The delivery worker (gateway/delivery) calls deliver() with a
// copy it has leased from the spool and acks, retries or dead-letters it on the outcome.
//
// Inbound adapters produce envelopes from an agency's system (CSV extracts, a ZeroMQ peer)
// and submit each through the same pipeline as the HTTP API, as the agency the adapter is
// configured for: the same decode, decision, transform and durable spool, and the same
// answers (accepted, duplicate, refused with a code).
//
// Threading: every adapter gets the gateway's io_context; deliver() and the Submitter's
// callback must not block it. Callbacks run exactly once, on any thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/env/env.hpp"

namespace accord::adapters {

// One copy leased for a recipient, ready to hand over.
struct OutboundMessage {
  std::int64_t delivery_id = 0;  // the spool's per-copy id
  std::string recipient;         // agency id
  std::string sender;            // agency id of the submitter
  std::string message_id;        // the envelope id: the recipient's dedup key (at-least-once)
  std::string event_type;
  std::string case_urn;
  std::int64_t received_at_ms = 0;
  int attempt = 1;  // 1 on the first try
  // The delivered item (JSON), the same self-contained document the mailbox hands out:
  // {"attempts","case_urn","delivery_id","lease_expires_at","message_id","received_at",
  //  "recipient","sender","type","envelope":{...},"signature":{...}}, so the recipient can
  // verify the gateway signature from it alone (docs/field-encryption.md §4). Adapters deliver
  // it byte for byte.
  std::string document;
};

enum class DeliveryStatus {
  delivered,          // the recipient has it: ack the copy
  retry_later,        // transient (timeout, 5xx, peer not connected): back off, try again
  permanent_failure,  // the recipient refused it for good (4xx): dead-letter at once
};

struct DeliveryOutcome {
  DeliveryStatus status = DeliveryStatus::retry_later;
  std::string detail;  // for logs, metrics and the dead-letter record; never field values
  // On `delivered`: the channel's own reference for the copy, if it gives one (an SMTP
  // Message-ID, a JetStream stream and sequence), kept with the copy and shown to the sender
  // in its delivery status (GET /v1/messages/{id}). Never field values.
  std::string channel_ref = {};
};

class OutboundAdapter {
 public:
  using Done = std::function<void(DeliveryOutcome)>;
  virtual ~OutboundAdapter() = default;

  // "webhook", "filedrop", "zmq", "mailbox".
  virtual std::string_view kind() const = 0;
  // false for the mailbox: copies wait in the spool until the recipient pulls them, and no
  // delivery worker runs for that recipient.
  virtual bool pushes() const { return true; }
  // How many deliver() calls the worker may have outstanding at once for this recipient
  // (copies of different cases; one case is always delivered in order, one at a time).
  virtual std::size_t max_in_flight() const { return 1; }
  // Starts handing `message` over; `done` runs exactly once. Must not block.
  virtual void deliver(OutboundMessage message, Done done) = 0;
  // Cancels outstanding work (each pending `done` then runs with retry_later). Idempotent.
  virtual void stop() {}
};

// What the pipeline answered for one inbound envelope.
struct SubmitReply {
  enum class Status { accepted, duplicate, refused };
  Status status = Status::refused;
  std::string code;     // refusal code (decode error code, not_permitted, id_conflict, ...)
  std::string message;  // human-readable; never field values
  std::string path;     // the offending field for decode errors, if any
  std::vector<std::string> recipients;
  // A refusal the sender can fix (bad envelope, not permitted) versus one where the same
  // envelope may succeed later (storage_unavailable, overloaded, shutting_down): the one
  // error table's `retryable` for `code` (accord/core/error_codes.hpp, is_retryable).
  bool retryable = false;
};

// Implemented by the gateway over its pipeline.
class Submitter {
 public:
  using Done = std::function<void(SubmitReply)>;
  virtual ~Submitter() = default;
  // `sender` is the agency id the adapter is configured for; `body` one envelope (JSON).
  virtual void submit(const std::string& sender, std::string body, Done done) = 0;
};

class InboundAdapter {
 public:
  virtual ~InboundAdapter() = default;
  virtual std::string_view kind() const = 0;
  virtual Status start() = 0;
  // What start() would refuse (a missing directory, ...), found without side effects
  // (accord-gateway --check). The default: nothing beyond the settings, checked at creation.
  virtual Status check() const { return Status::Ok(); }
  // Stops producing; returns once no submission of this adapter is in flight. Idempotent.
  virtual void stop() = 0;
  // Retention (docs/compliance.md §9): deletes what the adapter keeps on disk past its own
  // retention at `now_ms` (the file drop's done/ and failed/ extracts); the number of files
  // deleted. Called by the gateway's purge, on the admin executor. Default: keeps nothing.
  virtual Result<std::int64_t> purge(std::int64_t /*now_ms*/) { return std::int64_t{0}; }
};

// TLS material of the gateway, for adapters that connect out (webhook: mutual TLS with the
// gateway's own certificate).
struct TlsMaterial {
  std::string ca;    // PEM CA that signs peers' certificates
  std::string cert;  // the gateway's certificate
  std::string key;   // its private key
};

// Everything a factory may use. `settings` is the adapter's YAML mapping from the config
// (type key included); a factory must reject unknown keys and wrong types with an Error whose
// path is "line:col" (Error code invalid_config).
struct AdapterContext {
  std::string agency;    // the agency this adapter serves
  YAML::Node settings;   // this adapter's mapping
  std::string base_dir;  // relative paths in settings resolve against it
  boost::asio::io_context* io = nullptr;
  Submitter* submitter = nullptr;  // inbound only
  TlsMaterial tls;
  std::function<std::int64_t()> now_ms;  // the gateway clock (ms since the Unix epoch)
  env::Env* env = nullptr;               // the files adapters write; nullptr: system_env()
};

}  // namespace accord::adapters
