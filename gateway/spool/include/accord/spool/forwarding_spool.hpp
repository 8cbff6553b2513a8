// A Spool that hands every call to another one: the base of wrappers that change one or two
// calls (delivery::WakingSpool wakes workers after append and redrive; tests hold a lease).
#pragma once

#include "accord/spool/spool.hpp"

namespace accord::spool {

class ForwardingSpool : public Spool {
 public:
  explicit ForwardingSpool(Spool& inner) : inner_(inner) {}

  void append(Submission submission, AppendHandler done) override {
    inner_.append(std::move(submission), std::move(done));
  }
  Result<std::optional<PriorSubmission>> find_submission(
      const std::string& sender, const std::string& message_id) const override {
    return inner_.find_submission(sender, message_id);
  }
  Result<std::vector<SubjectStateRow>> subject_state(
      const std::string& subject_ref) const override {
    return inner_.subject_state(subject_ref);
  }
  void lease(LeaseRequest request, LeaseHandler done) override {
    inner_.lease(std::move(request), std::move(done));
  }
  void ack(AckRequest request, AckHandler done) override {
    inner_.ack(std::move(request), std::move(done));
  }
  void release(ReleaseRequest request, StatusHandler done) override {
    inner_.release(std::move(request), std::move(done));
  }
  void dead_letter(DeadLetterRequest request, StatusHandler done) override {
    inner_.dead_letter(std::move(request), std::move(done));
  }
  void redrive(RedriveRequest request, CountHandler done) override {
    inner_.redrive(std::move(request), std::move(done));
  }
  void list_dead_letters(std::string recipient, std::size_t limit,
                         DeadLettersHandler done) override {
    inner_.list_dead_letters(std::move(recipient), limit, std::move(done));
  }
  void record(std::vector<audit::Event> events, StatusHandler done) override {
    inner_.record(std::move(events), std::move(done));
  }
  void purge(PurgeRequest request, PurgeHandler done) override {
    inner_.purge(std::move(request), std::move(done));
  }
  void checkpoint(std::int64_t now_ms, StatusHandler done) override {
    inner_.checkpoint(now_ms, std::move(done));
  }
  SpoolStats stats() const override { return inner_.stats(); }
  Result<std::map<std::string, QueueHealth>> queue_health(std::int64_t now_ms) const override {
    return inner_.queue_health(now_ms);
  }
  Result<std::optional<CopyFacts>> copy_facts(const std::string& recipient,
                                              std::int64_t delivery_id) const override {
    return inner_.copy_facts(recipient, delivery_id);
  }
  Result<std::optional<MessageStatus>> message_status(const std::string& sender,
                                                      const std::string& message_id,
                                                      std::int64_t now_ms) const override {
    return inner_.message_status(sender, message_id, now_ms);
  }
  Result<std::vector<StatusNotice>> pending_status_notices(std::size_t limit) const override {
    return inner_.pending_status_notices(limit);
  }
  void emit_status_notice(std::int64_t notice_id, NoticeCopy copy, std::int64_t now_ms,
                          StatusHandler done) override {
    inner_.emit_status_notice(notice_id, std::move(copy), now_ms, std::move(done));
  }
  void shutdown() override { inner_.shutdown(); }

 protected:
  Spool& inner_;
};

}  // namespace accord::spool
