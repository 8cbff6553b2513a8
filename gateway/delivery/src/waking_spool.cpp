#include "accord/delivery/waking_spool.hpp"

#include <set>

namespace accord::delivery {

void WakingSpool::append(spool::Submission submission, AppendHandler done) {
  std::set<std::string> recipients;
  for (const auto& copy : submission.copies) recipients.insert(copy.recipient);
  inner_.append(std::move(submission), [this, recipients = std::move(recipients),
                                        done = std::move(done)](Result<spool::AppendResult> r) {
    // Only a stored submission adds copies; a duplicate's were stored (and woken) before.
    const bool stored = r.ok() && r->outcome == spool::AppendOutcome::stored;
    done(std::move(r));
    if (stored) {
      for (const auto& recipient : recipients) manager_.notify(recipient);
    }
  });
}

void WakingSpool::redrive(spool::RedriveRequest request, CountHandler done) {
  std::string recipient = request.recipient;
  inner_.redrive(std::move(request), [this, recipient = std::move(recipient),
                                      done = std::move(done)](Result<std::int64_t> r) {
    const bool redriven = r.ok() && r.value() > 0;
    done(std::move(r));
    if (!redriven) return;
    if (recipient.empty()) {
      manager_.notify_all();
    } else {
      manager_.notify(recipient);
    }
  });
}

void WakingSpool::emit_status_notice(std::int64_t notice_id, spool::NoticeCopy copy,
                                     std::int64_t now_ms, StatusHandler done) {
  std::string recipient = copy.recipient;
  inner_.emit_status_notice(
      notice_id, std::move(copy), now_ms,
      [this, recipient = std::move(recipient), done = std::move(done)](Status s) {
        const bool queued = s.ok();
        done(std::move(s));
        // A notice already emitted queues nothing; a spurious wake only costs a lease call.
        if (queued) manager_.notify(recipient);
      });
}

}  // namespace accord::delivery
