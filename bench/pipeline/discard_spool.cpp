#include "discard_spool.hpp"

#include <utility>

namespace accord::bench {

namespace {
Error unsupported(const char* what) {
  return make_error("unsupported", std::string("the discard spool stores nothing to ") + what);
}
}  // namespace

void DiscardSpool::append(spool::Submission submission, AppendHandler done) {
  spool::AppendResult result;
  result.outcome = spool::AppendOutcome::stored;
  result.received_at_ms = submission.received_at_ms;
  result.recipients.reserve(submission.copies.size());
  for (auto& copy : submission.copies) result.recipients.push_back(std::move(copy.recipient));
  appended_.fetch_add(1, std::memory_order_relaxed);
  done(std::move(result));
}

Result<std::optional<spool::PriorSubmission>> DiscardSpool::find_submission(
    const std::string&, const std::string&) const {
  return std::optional<spool::PriorSubmission>();
}

Result<std::vector<spool::SubjectStateRow>> DiscardSpool::subject_state(const std::string&) const {
  return std::vector<spool::SubjectStateRow>();
}

void DiscardSpool::lease(spool::LeaseRequest, LeaseHandler done) {
  done(unsupported("lease"));
}
void DiscardSpool::ack(spool::AckRequest, AckHandler done) {
  done(unsupported("ack"));
}
void DiscardSpool::release(spool::ReleaseRequest, StatusHandler done) {
  done(unsupported("release"));
}
void DiscardSpool::dead_letter(spool::DeadLetterRequest, StatusHandler done) {
  done(unsupported("dead-letter"));
}
void DiscardSpool::redrive(spool::RedriveRequest, CountHandler done) {
  done(unsupported("redrive"));
}
void DiscardSpool::purge(spool::PurgeRequest, PurgeHandler done) {
  done(unsupported("purge"));
}
void DiscardSpool::list_dead_letters(std::string, std::size_t, DeadLettersHandler done) {
  done(unsupported("list"));
}
void DiscardSpool::record(std::vector<audit::Event>, StatusHandler done) {
  done(Status::Ok());
}
void DiscardSpool::checkpoint(std::int64_t, StatusHandler done) {
  done(Status::Ok());
}

spool::SpoolStats DiscardSpool::stats() const {
  spool::SpoolStats stats;
  stats.appended = appended_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace accord::bench
