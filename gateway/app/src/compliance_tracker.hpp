// The gateway's compliance tracker (docs/compliance.md §6): folds the audit log into a
// ClockBook incrementally, keeps the figures /metrics shows, answers the admin API's report
// and sends the monthly oversight feed through the gateway's own pipeline.
//
// Threads: refresh_now(), report() and send_feed() block (they read the audit log through
// spool::AuditReader and wait for the pipeline's answer) and are serialised by one mutex: call
// them on the admin pool or a test's thread, never on an io thread or the spool's thread.
// metric_families() never blocks on a fold: it reads the figures of the last refresh.
#pragma once

#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/agreements/agency.hpp"
#include "accord/app/compliance_feed.hpp"
#include "accord/app/config.hpp"
#include "accord/compliance/clocks.hpp"
#include "accord/compliance/report.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::app {

// The rule sets and the calendar, loaded together: immutable, shared with the tracker.
struct ComplianceRules {
  compliance::RuleBook rules;
  compliance::WorkingCalendar calendar;
};

// Reads compliance.rules and compliance.calendar (errors name file:line:col); the rule sets'
// event types must be in the vocabulary.
Result<std::shared_ptr<const ComplianceRules>> load_compliance_rules(
    const ComplianceConfig& config, const envelope::Vocabulary& vocabulary);

// The oversight feed's agencies against the directory: the sender must be an agency of kind
// gateway, the recipient an agency. Errors: invalid_config naming the config file.
Status check_oversight_feed(const ComplianceConfig& config,
                            const agreements::AgencyDirectory& agencies,
                            const std::string& config_source);

// What sending a month's summary came to.
struct FeedResult {
  std::string month;          // "2026-11"
  std::string message_id;     // compliance-summary-2026-11
  bool already_sent = false;  // the pipeline answered duplicate (or id_conflict: sent before
                              // with other figures)
  std::vector<std::string> recipients;
};

class ComplianceTracker {
 public:
  ComplianceTracker(ComplianceConfig config, std::string audit_location,
                    std::shared_ptr<const ComplianceRules> rules,
                    std::function<std::int64_t()> now_ms, adapters::Submitter& submitter);

  // Folds the records written since the last refresh, recomputes the metrics' figures at the
  // clock's now, then (when the feed is configured) sends the previous London month's
  // summary unless this tracker has seen it sent.
  Status refresh_now();
  // A fresh fold, then the report judged at filter.as_of_ms from the records received by then
  // (docs/compliance.md §5.1, as `accord compliance report --db` computes it): an as-of
  // before the newest record folded is answered from a fold of its own up to that instant.
  Result<compliance::Report> report(const compliance::ReportFilter& filter);
  // Sends the summary of `month` now (the admin API); the month must have ended.
  Result<FeedResult> send_feed(const Month& month);
  // New rule sets or calendar (a reload): the next fold starts again from seq 0.
  void set_rules(std::shared_ptr<const ComplianceRules> rules);

  std::vector<prometheus::MetricFamily> metric_families() const;
  std::int64_t last_seq() const { return last_seq_.load(); }
  std::int64_t feed_failures() const { return feed_failures_.load(); }

 private:
  // Callers hold fold_mutex_.
  Status fold_locked();
  // Folds the records with seq > book's progress (and at <= up_to_ms) into `book`.
  Status fold_into(compliance::ClockBook& book, std::int64_t& folded_seq, std::int64_t up_to_ms,
                   std::vector<std::string>& problems);
  Result<FeedResult> send_feed_locked(const Month& month, std::int64_t now_ms);
  void update_figures_locked(std::int64_t now_ms);

  struct Figures {
    // (agency, right) → open clocks; → {late, missing} of the metrics' window.
    std::map<std::pair<std::string, int>, std::int64_t> open;
    std::map<std::pair<std::string, int>, std::pair<std::int64_t, std::int64_t>> breaches;
  };

  const ComplianceConfig config_;
  const std::string audit_location_;
  const std::function<std::int64_t()> now_ms_;
  adapters::Submitter& submitter_;

  std::mutex fold_mutex_;
  std::shared_ptr<const ComplianceRules> rules_;  // guarded by fold_mutex_
  std::unique_ptr<compliance::ClockBook> book_;   // guarded by fold_mutex_
  std::unique_ptr<spool::AuditReader> reader_;    // guarded by fold_mutex_; reopened on error
  std::vector<std::string> problems_;             // guarded by fold_mutex_
  std::int64_t newest_at_ms_ = 0;                 // guarded by fold_mutex_: max `at` folded
  std::optional<Month> feed_sent_;                // guarded by fold_mutex_

  mutable std::mutex figures_mutex_;
  Figures figures_;  // guarded by figures_mutex_
  std::atomic<std::int64_t> last_seq_{0};
  std::atomic<std::int64_t> feed_failures_{0};
};

}  // namespace accord::app
