// The durable spool: per-recipient queues, dedup by (sender, message id), leases.
//
// Contract (every backend):
// - append() completes successfully only after every copy of the submission, and the
//   dedup row, are durable (fsync'd): that is what lets the gateway answer 202. A crash
//   at any moment leaves either all of a submission or none of it.
// - The same (sender, message_id) appended again stores nothing: the handler gets
//   `duplicate` with the first submission's facts, or `conflict` when the content hash
//   differs (the sender reused an id for other content).
// - lease() hands out up to N copies of one recipient in append order, each hidden from
//   other leases until its lease expires; an expired lease makes the copy leasable again
//   (at-least-once). ack() marks a copy delivered, durably; acking twice is not an error.
// - Handlers run on the spool's own thread once the change is durable, or with an Error:
//     storage_unavailable  the disk refused (full, I/O error)        → HTTP 503
//     overloaded           more pending work than max_pending        → HTTP 503
//     shutting_down        shutdown() was called                     → HTTP 503
//     not_found            ack of a copy that is not this recipient's → HTTP 404
//   They must not block: post to your own executor. Refusals that need no disk
//   (overloaded, shutting_down) run the handler on the caller's thread before the call
//   returns. Do not destroy the spool from inside a handler.
// - No clock inside: callers pass times (milliseconds since the Unix epoch).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::spool {

struct Copy {
  std::string recipient;  // agency id
  std::string payload;    // the bytes delivered to that recipient (transformed envelope)
};

struct Submission {
  std::string sender;        // agency id from the client certificate
  std::string message_id;    // the envelope id chosen by the sender
  std::string content_hash;  // hex SHA-256 of the submitted body
  std::string event_type;
  std::string case_urn;  // per-case ordering key for delivery
  std::int64_t received_at_ms = 0;
  std::vector<Copy> copies;  // may be empty: accepted, nobody entitled
};

enum class AppendOutcome { stored, duplicate, conflict };

struct AppendResult {
  AppendOutcome outcome = AppendOutcome::stored;
  std::int64_t received_at_ms = 0;      // of the first submission with this key
  std::vector<std::string> recipients;  // of the first submission with this key
};

struct LeaseRequest {
  std::string recipient;
  std::size_t max_items = 100;
  std::int64_t lease_ms = 30'000;
  std::int64_t now_ms = 0;
};

struct Delivery {
  std::int64_t delivery_id = 0;  // per-copy id, what the recipient acks
  std::string sender;
  std::string message_id;
  std::string event_type;
  std::string case_urn;
  std::int64_t received_at_ms = 0;
  int attempts = 0;  // leases of this copy so far, this one included
  std::int64_t lease_expires_at_ms = 0;
  std::string payload;
};

struct AckRequest {
  std::string recipient;
  std::int64_t delivery_id = 0;
  std::int64_t now_ms = 0;
};

enum class AckOutcome { acked, already_acked };

struct SpoolStats {
  std::map<std::string, std::int64_t> queued_by_recipient;  // not yet acked
  std::int64_t pending_operations = 0;                      // waiting for the writer
  std::int64_t commits = 0;                                 // transactions so far
  std::int64_t appended = 0;                                // submissions stored
};

class Spool {
 public:
  using AppendHandler = std::function<void(Result<AppendResult>)>;
  using LeaseHandler = std::function<void(Result<std::vector<Delivery>>)>;
  using AckHandler = std::function<void(Result<AckOutcome>)>;

  virtual ~Spool() = default;
  virtual void append(Submission submission, AppendHandler done) = 0;
  virtual void lease(LeaseRequest request, LeaseHandler done) = 0;
  virtual void ack(AckRequest request, AckHandler done) = 0;
  virtual SpoolStats stats() const = 0;
  // Finishes the work already queued, then refuses new work with `shutting_down`.
  // Blocks until the writer has stopped. Idempotent.
  virtual void shutdown() = 0;
};

}  // namespace accord::spool
