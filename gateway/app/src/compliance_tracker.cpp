#include "compliance_tracker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "accord/audit/event.hpp"
#include "accord/compliance/facts.hpp"
#include "accord/compliance/flow_record.hpp"

namespace accord::app {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  return {std::move(name), std::move(help), type, {}};
}

prometheus::ClientMetric gauge(std::map<std::string, std::string> labels, double value) {
  prometheus::ClientMetric m;
  for (auto& [name, label] : labels) m.label.push_back({name, label});
  m.gauge.value = value;
  return m;
}

Error config_error(const std::string& source, const std::string& message) {
  return make_error("invalid_config", message, source);
}

}  // namespace

Result<std::shared_ptr<const ComplianceRules>> load_compliance_rules(
    const ComplianceConfig& config, const envelope::Vocabulary& vocabulary) {
  auto rules = std::make_shared<ComplianceRules>();
  // The loaders name "file:line:col" themselves.
  auto calendar_text = read_file(config.calendar_path);
  if (!calendar_text.ok()) return calendar_text.error();
  auto calendar = compliance::WorkingCalendar::load(calendar_text.value(), config.calendar_path);
  if (!calendar.ok()) return calendar.error();
  rules->calendar = std::move(calendar.value());
  std::vector<std::string> known_events;
  for (const auto& [name, type] : vocabulary.all()) known_events.push_back(name);
  auto rules_text = read_file(config.rules_path);
  if (!rules_text.ok()) return rules_text.error();
  auto book = compliance::RuleBook::load(rules_text.value(), config.rules_path, known_events);
  if (!book.ok()) return book.error();
  rules->rules = std::move(book.value());
  return std::shared_ptr<const ComplianceRules>(std::move(rules));
}

Status check_oversight_feed(const ComplianceConfig& config,
                            const agreements::AgencyDirectory& agencies,
                            const std::string& config_source) {
  const auto& feed = config.oversight_feed;
  if (!config.enabled || !feed.enabled) return Status::Ok();
  const auto* sender = agencies.find(feed.sender);
  if (sender == nullptr) {
    return config_error(config_source, "compliance.oversight_feed.sender '" + feed.sender +
                                           "' is not in the agency directory");
  }
  if (sender->kind != "gateway") {
    return config_error(config_source, "compliance.oversight_feed.sender '" + feed.sender +
                                           "' must be an agency of kind gateway, not " +
                                           sender->kind);
  }
  if (!agencies.contains(feed.recipient)) {
    return config_error(config_source, "compliance.oversight_feed.recipient '" + feed.recipient +
                                           "' is not in the agency directory");
  }
  return Status::Ok();
}

ComplianceTracker::ComplianceTracker(ComplianceConfig config, std::string audit_location,
                                     std::shared_ptr<const ComplianceRules> rules,
                                     std::function<std::int64_t()> now_ms,
                                     adapters::Submitter& submitter)
    : config_(std::move(config)),
      audit_location_(std::move(audit_location)),
      now_ms_(std::move(now_ms)),
      submitter_(submitter),
      rules_(std::move(rules)),
      book_(std::make_unique<compliance::ClockBook>(rules_->rules, rules_->calendar)) {}

void ComplianceTracker::set_rules(std::shared_ptr<const ComplianceRules> rules) {
  std::lock_guard lock(fold_mutex_);
  // The book refers to the rules it was built on: both are replaced, and the log refolded.
  book_ = std::make_unique<compliance::ClockBook>(rules->rules, rules->calendar);
  rules_ = std::move(rules);
  problems_.clear();
  newest_at_ms_ = 0;
  last_seq_ = 0;
}

Status ComplianceTracker::fold_into(compliance::ClockBook& book, std::int64_t& folded_seq,
                                    std::int64_t up_to_ms, std::vector<std::string>& problems) {
  if (!reader_) {
    auto opened = spool::AuditReader::open(audit_location_);
    if (!opened.ok()) return opened.error();
    reader_ = std::move(opened.value());
  }
  spool::AuditFilter filter;
  if (up_to_ms != std::numeric_limits<std::int64_t>::max()) filter.to_ms = up_to_ms + 1;
  for (;;) {
    auto page = reader_->query(filter, folded_seq, spool::kMaxAuditPage);
    if (!page.ok()) {
      reader_.reset();  // a fresh connection next time (a failover, a replaced file)
      return page.error();
    }
    for (const auto& row : page->rows) {
      auto flow = compliance::flow_record_from_audit(row.record);
      if (!flow.ok()) {
        // Counted in no clock, and said in every report until the rules change.
        problems.push_back("audit record " + std::to_string(row.seq) + ": " + flow.error().message);
        spdlog::error("compliance: audit record {}: {}", row.seq, flow.error().message);
      } else if (flow->has_value()) {
        book.observe(**flow);
      }
      folded_seq = row.seq;
      newest_at_ms_ = std::max(newest_at_ms_, row.at_ms);
    }
    if (!page->more) return Status::Ok();
  }
}

Status ComplianceTracker::fold_locked() {
  std::int64_t folded = last_seq_.load();
  auto status = fold_into(*book_, folded, std::numeric_limits<std::int64_t>::max(), problems_);
  last_seq_ = folded;
  return status;
}

void ComplianceTracker::update_figures_locked(std::int64_t now_ms) {
  // Breaches of the clocks started in the current and the previous London month.
  const std::int64_t window_start = month_start_ms(previous_month(month_of(now_ms)));
  Figures figures;
  for (const auto& clock : book_->clocks(now_ms)) {
    const std::pair<std::string, int> key{clock.informer, clock.right};
    const bool in_window = clock.started_at_ms >= window_start;
    if (clock.status == compliance::ClockStatus::open) {
      ++figures.open[key];
    } else if (in_window) {
      figures.open.try_emplace(key, 0);
    }
    if (!in_window) continue;
    auto& breach = figures.breaches[key];
    if (clock.status == compliance::ClockStatus::late) ++breach.first;
    if (clock.status == compliance::ClockStatus::missing) ++breach.second;
  }
  std::lock_guard lock(figures_mutex_);
  figures_ = std::move(figures);
}

Status ComplianceTracker::refresh_now() {
  std::lock_guard lock(fold_mutex_);
  if (auto s = fold_locked(); !s.ok()) {
    spdlog::error("compliance tracker: reading the audit log failed ({}): {}", s.error().code,
                  s.error().message);
    return s;
  }
  const std::int64_t now = now_ms_();
  update_figures_locked(now);
  if (!config_.oversight_feed.enabled) return Status::Ok();
  const Month due = previous_month(month_of(now));
  if (feed_sent_ && !(*feed_sent_ < due)) return Status::Ok();
  auto sent = send_feed_locked(due, now);
  if (!sent.ok()) {
    ++feed_failures_;
    spdlog::warn("compliance feed for {} not sent, retried at the next refresh ({}): {}",
                 month_name(due), sent.error().code, sent.error().message);
    return Status::Ok();
  }
  feed_sent_ = due;
  return Status::Ok();
}

Result<compliance::Report> ComplianceTracker::report(const compliance::ReportFilter& filter) {
  std::lock_guard lock(fold_mutex_);
  if (auto s = fold_locked(); !s.ok()) return s.error();
  if (filter.as_of_ms >= newest_at_ms_) {
    auto report = compliance::build_report(book_->clocks(filter.as_of_ms), filter);
    report.problems = book_->problems();
    report.problems.insert(report.problems.end(), problems_.begin(), problems_.end());
    return report;
  }
  // What was known at as_of: the records received by then, folded apart.
  compliance::ClockBook past(rules_->rules, rules_->calendar);
  std::int64_t folded = 0;
  std::vector<std::string> problems;
  const std::int64_t newest = newest_at_ms_;
  auto status = fold_into(past, folded, filter.as_of_ms, problems);
  newest_at_ms_ = newest;
  if (!status.ok()) return status.error();
  auto report = compliance::build_report(past.clocks(filter.as_of_ms), filter);
  report.problems = past.problems();
  report.problems.insert(report.problems.end(), problems.begin(), problems.end());
  return report;
}

Result<FeedResult> ComplianceTracker::send_feed(const Month& month) {
  std::lock_guard lock(fold_mutex_);
  if (auto s = fold_locked(); !s.ok()) return s.error();
  const std::int64_t now = now_ms_();
  auto sent = send_feed_locked(month, now);
  if (sent.ok() && month == previous_month(month_of(now))) feed_sent_ = month;
  return sent;
}

Result<FeedResult> ComplianceTracker::send_feed_locked(const Month& month, std::int64_t now_ms) {
  const auto& feed = config_.oversight_feed;
  if (!feed.enabled) {
    return make_error("compliance_unconfigured",
                      "no compliance.oversight_feed in the gateway's configuration");
  }
  const std::int64_t end = month_start_ms(next_month(month));
  if (end > now_ms) {
    return make_error("invalid_query", "month " + month_name(month) + " has not ended yet",
                      "month");
  }
  compliance::ReportFilter filter;
  filter.from_ms = month_start_ms(month);
  filter.to_ms = end;
  filter.as_of_ms = now_ms;
  const auto report = compliance::build_report(book_->clocks(now_ms), filter);
  std::set<std::string> rule_sets;
  for (const auto& clock : report.clocks) rule_sets.insert(clock.rule_set);
  if (rule_sets.empty()) {
    if (const auto* set = rules_->rules.in_force(month)) rule_sets.insert(set->id);
  }
  FeedResult result;
  result.month = month_name(month);
  result.message_id = summary_id(month);
  auto body =
      summary_envelope(month, feed.sender, {rule_sets.begin(), rule_sets.end()}, feed_rows(report));
  std::promise<adapters::SubmitReply> answered;
  auto reply_future = answered.get_future();
  submitter_.submit(feed.sender, std::move(body),
                    [&answered](adapters::SubmitReply reply) { answered.set_value(reply); });
  auto reply = reply_future.get();
  using Reply = adapters::SubmitReply::Status;
  if (reply.status == Reply::refused && reply.code == "id_conflict") {
    // Sent before (after a restart, or by another gateway of the deployment) with the figures
    // of that moment: the first summary stands.
    result.already_sent = true;
    spdlog::info("compliance feed for {} was sent before (with other figures)", result.month);
    return result;
  }
  if (reply.status == Reply::refused) return make_error(reply.code, reply.message, reply.path);
  result.already_sent = reply.status == Reply::duplicate;
  result.recipients = std::move(reply.recipients);
  spdlog::info("compliance feed for {} {} ({})", result.month,
               result.already_sent ? "was sent before" : "sent", result.message_id);
  return result;
}

std::vector<prometheus::MetricFamily> ComplianceTracker::metric_families() const {
  auto open = family("accord_compliance_open_clocks",
                     "Compliance clocks running and not yet past their deadline, per informer "
                     "agency and Victims' Code right, at the tracker's last refresh",
                     prometheus::MetricType::Gauge);
  auto breaches = family("accord_compliance_breaches",
                         "Clocks started in the current or previous London month that were "
                         "stopped late or are missing (past their deadline, not stopped), at "
                         "the tracker's last refresh",
                         prometheus::MetricType::Gauge);
  {
    std::lock_guard lock(figures_mutex_);
    for (const auto& [key, count] : figures_.open) {
      open.metric.push_back(gauge({{"agency", key.first}, {"right", std::to_string(key.second)}},
                                  static_cast<double>(count)));
    }
    for (const auto& [key, counts] : figures_.breaches) {
      const std::string right = std::to_string(key.second);
      breaches.metric.push_back(gauge({{"agency", key.first}, {"right", right}, {"status", "late"}},
                                      static_cast<double>(counts.first)));
      breaches.metric.push_back(
          gauge({{"agency", key.first}, {"right", right}, {"status", "missing"}},
                static_cast<double>(counts.second)));
    }
  }
  auto last = family("accord_compliance_last_seq",
                     "The last audit record the compliance tracker has folded",
                     prometheus::MetricType::Gauge);
  last.metric.push_back(gauge({}, static_cast<double>(last_seq_.load())));
  auto failures = family("accord_compliance_feed_failures_total",
                         "Oversight feed submissions the pipeline refused or could not store "
                         "(retried at the next refresh)",
                         prometheus::MetricType::Counter);
  prometheus::ClientMetric f;
  f.counter.value = static_cast<double>(feed_failures_.load());
  failures.metric.push_back(std::move(f));
  return {std::move(open), std::move(breaches), std::move(last), std::move(failures)};
}

}  // namespace accord::app
