#include "accord/app/storage_health.hpp"

namespace accord::app {

void StorageHealth::observe(const Error* error, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (error == nullptr) {
    failing_ = false;
    return;
  }
  // Other refusals (overloaded, not_found, conflict, shutting_down...) say nothing about
  // whether the storage can store.
  if (error->code != "storage_unavailable") return;
  failing_ = true;
  last_failure_ms_ = now_ms;
  reason_ = error->message;
  ++count_;
}

std::optional<Error> StorageHealth::unavailable(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  if (!failing_ || now_ms - last_failure_ms_ >= kHoldMs) return std::nullopt;
  return make_error("storage_unavailable", "the spool cannot store: " + reason_, "storage");
}

std::int64_t StorageHealth::unavailable_answers() const {
  std::lock_guard lock(mutex_);
  return count_;
}

template <typename Handler>
Handler HealthReportingSpool::observed(Handler done) {
  return [this, done = std::move(done)](auto result) mutable {
    health_.observe(result.ok() ? nullptr : &result.error(), clock_());
    done(std::move(result));
  };
}

void HealthReportingSpool::append(spool::Submission submission, AppendHandler done) {
  inner_.append(std::move(submission), observed(std::move(done)));
}
void HealthReportingSpool::lease(spool::LeaseRequest request, LeaseHandler done) {
  inner_.lease(std::move(request), observed(std::move(done)));
}
void HealthReportingSpool::ack(spool::AckRequest request, AckHandler done) {
  inner_.ack(std::move(request), observed(std::move(done)));
}
void HealthReportingSpool::release(spool::ReleaseRequest request, StatusHandler done) {
  inner_.release(std::move(request), observed(std::move(done)));
}
void HealthReportingSpool::dead_letter(spool::DeadLetterRequest request, StatusHandler done) {
  inner_.dead_letter(std::move(request), observed(std::move(done)));
}
void HealthReportingSpool::redrive(spool::RedriveRequest request, CountHandler done) {
  inner_.redrive(std::move(request), observed(std::move(done)));
}
void HealthReportingSpool::list_dead_letters(std::string recipient, std::size_t limit,
                                             DeadLettersHandler done) {
  inner_.list_dead_letters(std::move(recipient), limit, observed(std::move(done)));
}
void HealthReportingSpool::record(std::vector<audit::Event> events, StatusHandler done) {
  inner_.record(std::move(events), observed(std::move(done)));
}
void HealthReportingSpool::purge(spool::PurgeRequest request, PurgeHandler done) {
  inner_.purge(std::move(request), observed(std::move(done)));
}
void HealthReportingSpool::checkpoint(std::int64_t now_ms, StatusHandler done) {
  inner_.checkpoint(now_ms, observed(std::move(done)));
}

Result<std::vector<spool::SubjectStateRow>> HealthReportingSpool::subject_state(
    const std::string& subject_ref) const {
  auto rows = inner_.subject_state(subject_ref);
  if (!rows.ok()) health_.observe(&rows.error(), clock_());
  return rows;
}

}  // namespace accord::app
