// Whether the spool can store right now, judged from the answers it gives (no probe of its
// own: a probe would be one more write for the standby to confirm). Readiness for /healthz:
// a storage_unavailable answer (no primary reachable, the standby not confirming, a full
// disk) makes the gateway not ready until the next successful spool operation, or until
// kHoldMs passes without another such answer — then it is offered traffic again, which
// tells. Thread-safe (answers arrive on the spool's completion thread).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "accord/core/result.hpp"
#include "accord/spool/forwarding_spool.hpp"

namespace accord::app {

class StorageHealth {
 public:
  // The Retry-After of storage_unavailable (docs/errors.md): a client told to come back then
  // finds the gateway ready again unless the storage still refuses.
  static constexpr std::int64_t kHoldMs = 5'000;

  // One spool answer: success (nullptr) or its error.
  void observe(const Error* error, std::int64_t now_ms);
  // The storage_unavailable error to answer with while not ready; nullopt when ready.
  std::optional<Error> unavailable(std::int64_t now_ms) const;
  // storage_unavailable answers seen so far (accord_storage_unavailable_total).
  std::int64_t unavailable_answers() const;

 private:
  mutable std::mutex mutex_;
  bool failing_ = false;
  std::int64_t last_failure_ms_ = 0;
  std::string reason_;
  std::int64_t count_ = 0;
};

// A spool that reports every answer of the one it wraps to a StorageHealth.
class HealthReportingSpool final : public spool::ForwardingSpool {
 public:
  using Clock = std::function<std::int64_t()>;
  HealthReportingSpool(spool::Spool& inner, StorageHealth& health, Clock clock)
      : ForwardingSpool(inner), health_(health), clock_(std::move(clock)) {}

  void append(spool::Submission submission, AppendHandler done) override;
  void lease(spool::LeaseRequest request, LeaseHandler done) override;
  void ack(spool::AckRequest request, AckHandler done) override;
  void release(spool::ReleaseRequest request, StatusHandler done) override;
  void dead_letter(spool::DeadLetterRequest request, StatusHandler done) override;
  void redrive(spool::RedriveRequest request, CountHandler done) override;
  void list_dead_letters(std::string recipient, std::size_t limit,
                         DeadLettersHandler done) override;
  void record(std::vector<audit::Event> events, StatusHandler done) override;
  void purge(spool::PurgeRequest request, PurgeHandler done) override;
  void checkpoint(std::int64_t now_ms, StatusHandler done) override;
  // A failed read of the subject-state ledger counts like any refused operation; a successful
  // read says nothing about whether the storage can store, so it does not make it ready.
  Result<std::vector<spool::SubjectStateRow>> subject_state(
      const std::string& subject_ref) const override;

 private:
  // Wraps a handler taking Result<T> or Status so that its answer is observed first.
  template <typename Handler>
  Handler observed(Handler done);

  StorageHealth& health_;
  Clock clock_;
};

}  // namespace accord::app
