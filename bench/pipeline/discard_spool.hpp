// A Spool that stores nothing: append() answers `stored` at once, on the caller's thread.
// It exists so the benchmark can run the real Pipeline::submit (decode, plan, sign, build the
// submission) and stop exactly where storage begins; it is never a stand-in for a spool in
// tests. Every other operation answers `unsupported`, since nothing here was stored.
// Thread-safe (stateless apart from an atomic count).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>

#include "accord/spool/spool.hpp"

namespace accord::bench {

class DiscardSpool : public spool::Spool {
 public:
  void append(spool::Submission submission, AppendHandler done) override;
  // Nothing was stored, so nothing is ever a duplicate.
  Result<std::optional<spool::PriorSubmission>> find_submission(
      const std::string& sender, const std::string& message_id) const override;
  // Nothing was stored, so no subject has a state.
  Result<std::vector<spool::SubjectStateRow>> subject_state(
      const std::string& subject_ref) const override;
  void lease(spool::LeaseRequest request, LeaseHandler done) override;
  void ack(spool::AckRequest request, AckHandler done) override;
  void release(spool::ReleaseRequest request, StatusHandler done) override;
  void dead_letter(spool::DeadLetterRequest request, StatusHandler done) override;
  void redrive(spool::RedriveRequest request, CountHandler done) override;
  void purge(spool::PurgeRequest request, PurgeHandler done) override;
  void list_dead_letters(std::string recipient, std::size_t limit,
                         DeadLettersHandler done) override;
  // Refusal records are discarded too (answered ok): the benchmark's bodies are all allowed.
  void record(std::vector<audit::Event> events, StatusHandler done) override;
  void checkpoint(std::int64_t now_ms, StatusHandler done) override;
  spool::SpoolStats stats() const override;
  // Nothing is queued.
  Result<std::map<std::string, spool::QueueHealth>> queue_health(std::int64_t) const override {
    return std::map<std::string, spool::QueueHealth>{};
  }
  Result<std::optional<spool::CopyFacts>> copy_facts(const std::string&,
                                                     std::int64_t) const override {
    return std::optional<spool::CopyFacts>();
  }
  Result<std::optional<spool::MessageStatus>> message_status(const std::string&, const std::string&,
                                                             std::int64_t) const override {
    return std::optional<spool::MessageStatus>();
  }
  Result<std::vector<spool::StatusNotice>> pending_status_notices(std::size_t) const override {
    return std::vector<spool::StatusNotice>();
  }
  void emit_status_notice(std::int64_t, spool::NoticeCopy, std::int64_t,
                          StatusHandler done) override {
    done(Status::Ok());
  }
  void shutdown() override {}

 private:
  std::atomic<std::int64_t> appended_{0};
};

}  // namespace accord::bench
