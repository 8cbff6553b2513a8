// The spool as the gateway's submission paths and admin hooks see it: every call goes to the
// real spool, and once a change that makes copies leasable is durable (a stored submission,
// a redrive) the recipients' delivery workers are woken (Manager::notify). The HTTP API and
// the inbound adapters reach the spool through the same pipeline, so one seam covers both.
#pragma once

#include "accord/delivery/manager.hpp"
#include "accord/spool/spool.hpp"

namespace accord::delivery {

class WakingSpool final : public spool::Spool {
 public:
  // Both must outlive this object.
  WakingSpool(spool::Spool& inner, Manager& manager) : inner_(inner), manager_(manager) {}

  void append(spool::Submission submission, AppendHandler done) override;
  void redrive(spool::RedriveRequest request, CountHandler done) override;

  void lease(spool::LeaseRequest request, LeaseHandler done) override {
    inner_.lease(std::move(request), std::move(done));
  }
  void ack(spool::AckRequest request, AckHandler done) override {
    inner_.ack(std::move(request), std::move(done));
  }
  void release(spool::ReleaseRequest request, StatusHandler done) override {
    inner_.release(std::move(request), std::move(done));
  }
  void dead_letter(spool::DeadLetterRequest request, StatusHandler done) override {
    inner_.dead_letter(std::move(request), std::move(done));
  }
  void list_dead_letters(std::string recipient, std::size_t limit,
                         DeadLettersHandler done) override {
    inner_.list_dead_letters(std::move(recipient), limit, std::move(done));
  }
  void record(std::vector<audit::Event> events, StatusHandler done) override {
    inner_.record(std::move(events), std::move(done));
  }
  void checkpoint(std::int64_t now_ms, StatusHandler done) override {
    inner_.checkpoint(now_ms, std::move(done));
  }
  Result<std::optional<spool::PriorSubmission>> find_submission(
      const std::string& sender, const std::string& message_id) const override {
    return inner_.find_submission(sender, message_id);
  }
  spool::SpoolStats stats() const override { return inner_.stats(); }
  void shutdown() override { inner_.shutdown(); }

 private:
  spool::Spool& inner_;
  Manager& manager_;
};

}  // namespace accord::delivery
