// Retention (docs/compliance.md §9): the gateway purges what it holds past each recipient's
// retention — the payloads of copies not acked, then the inbound adapters' kept files — every
// retention.purge_every_seconds and on POST /v1/admin/retention/purge. Which copies are past
// retention comes from the agreements in force at the Env clock's now
// (agreements::RetentionTable); the spool writes one retention.purged record per batch,
// counts only.
#include <spdlog/spdlog.h>

#include <chrono>

#include "accord/agreements/retention_routes.hpp"
#include "accord/app/gateway.hpp"

namespace accord::app {

void Gateway::purge_retention(std::string actor,
                              std::function<void(Result<api::RetentionPurgeReport>)> done) {
  std::shared_ptr<const agreements::AgreementSet> set;
  {
    std::lock_guard lock(reload_mutex_);
    if (loaded_) set = loaded_->agreement_set;
  }
  const std::int64_t now = clock_();
  // The agreements in force now, read once: the spool asks about each copy not acked.
  static const std::vector<agreements::Agreement> kNone;
  auto table =
      std::make_shared<const agreements::RetentionTable>(set ? set->agreements() : kNone, now);
  spool::PurgeRequest request;
  request.now_ms = now;
  request.actor = std::move(actor);
  request.batch_size = static_cast<std::size_t>(config_.retention.batch_size);
  request.due = [table, now,
                 fallback = config_.retention.default_duration](const spool::PurgeCandidate& copy) {
    return table->past(copy.sender, copy.recipient, copy.event_type, copy.received_at_ms, now,
                       fallback);
  };
  const std::string who = request.actor;
  waking_spool_->purge(std::move(request), [this, now, who, done = std::move(done)](
                                               Result<spool::PurgeResult> result) mutable {
    // Files next, off the spool's completion thread.
    offload([this, now, who, done = std::move(done), result = std::move(result)]() mutable {
      if (!result.ok()) {
        spdlog::error("retention purge ({}) failed: {}", who, result.error().message);
        done(result.error());
        return;
      }
      api::RetentionPurgeReport report;
      report.purged = result->purged;
      report.purged_by_recipient = result->purged_by_recipient;
      report.batches = result->batches;
      for (auto& adapter : inbound_) {
        auto deleted = adapter->purge(now);
        if (!deleted.ok()) {
          spdlog::error("retention purge: {} adapter: {}", adapter->kind(),
                        deleted.error().message);
          continue;
        }
        report.extracts_deleted += deleted.value();
      }
      if (report.extracts_deleted > 0) {
        // Files are outside the spool's transactions: their own record, counts only.
        audit::Event files;
        files.kind = audit::kind::kRetentionPurged;
        files.at_ms = now;
        files.details = {{"actor", who},
                         {"extracts_deleted", std::to_string(report.extracts_deleted)}};
        record({std::move(files)});
      }
      retention_purged_total_ += report.purged;
      extracts_deleted_total_ += report.extracts_deleted;
      if (report.purged > 0 || report.extracts_deleted > 0) {
        spdlog::info("retention purge ({}): {} copies, {} extract files", who, report.purged,
                     report.extracts_deleted);
      }
      done(std::move(report));
    });
  });
}

void Gateway::schedule_purge() {
  const auto every = config_.retention.purge_every_seconds;
  std::lock_guard lock(purge_timer_mutex_);
  if (every <= 0 || stopping_ || !purge_timer_) return;
  purge_timer_->expires_after(std::chrono::seconds(every));
  purge_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // A run still going (a big backlog) is not overtaken by a second.
    if (!purging_.exchange(true)) {
      offload([this] {
        purge_retention("schedule",
                        [this](Result<api::RetentionPurgeReport>) { purging_ = false; });
      });
    }
    schedule_purge();
  });
}

}  // namespace accord::app
