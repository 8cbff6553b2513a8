// Compliance clocks, folded from the audit log (docs/compliance.md §4). Pure: the caller
// reads the records (AuditReader) and hands them over in seq order.
//
// A clock is one duty of one informer for one message: it starts when the informer received
// the information (or when the event occurred, for a hop) and stops when the informer reports
// that the victim was told, sends the follow-up, or acknowledges its copy. Its deadline is
// counted in working days from the start, standard or enhanced from the subject's latest
// enhanced-rights fact about the case received before the clock stopped (or before the as-of
// time while it runs).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accord/compliance/calendar.hpp"
#include "accord/compliance/facts.hpp"
#include "accord/compliance/rules.hpp"

namespace accord::compliance {

// One audit record, as much of it as the fold reads: decision.accepted, delivery.acked and
// compliance.facts records (others are ignored).
struct FlowRecord {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string kind;
  std::string message_id;
  std::string sender;
  std::string recipient;
  std::string event_type;
  std::string case_urn;
  std::string subject_ref;
  std::int64_t delivery_id = 0;
  ComplianceFacts facts;  // compliance.facts only
};

enum class ClockStatus { on_time, late, missing, open };
std::string_view to_string(ClockStatus status);  // "on_time" | "late" | "missing" | "open"

struct Clock {
  std::string rule_set;  // id of the rule set in force on the start's London date
  std::string duty;      // duty id
  int right = 0;
  std::string informer;  // agency id responsible
  std::string sender;    // of the message that started it
  std::string message_id;
  std::string event_type;
  std::string case_urn;
  std::string subject_ref;
  std::int64_t started_at_ms = 0;
  // What started_at_ms is: "submitted" (the gateway's receipt from an informer that is the
  // sender), "acknowledged" (the informer's ack of its copy), "gateway_receipt" (the copy is
  // not acknowledged yet: provisional, judged from the gateway's receipt) or "occurred".
  std::string start_basis;
  std::optional<std::int64_t> stopped_at_ms;  // never before started_at_ms
  std::string stopped_by;  // "<sender>/<message id>" of the stopping message, or "ack"
  bool enhanced = false;
  int deadline_working_days = 0;
  std::int64_t deadline_ms = 0;
  ClockStatus status = ClockStatus::open;
};

// The incremental fold. Not thread-safe: one owner.
class ClockBook {
 public:
  ClockBook(const RuleBook& rules, const WorkingCalendar& calendar);
  // Records must come in ascending seq; a record already seen (seq <= last) is ignored.
  void observe(const FlowRecord& record);
  std::int64_t last_seq() const { return last_seq_; }
  // Every clock with its status judged at `as_of_ms`: stopped by the deadline → on_time,
  // stopped after it → late, running past it → missing, running before it → open.
  std::vector<Clock> clocks(std::int64_t as_of_ms) const;
  // Problems met while folding (a start outside the calendar's years, ...), for the report.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  const RuleBook& rules_;
  const WorkingCalendar& calendar_;
  std::int64_t last_seq_ = 0;
  std::vector<std::string> problems_;
  // Implementation state (the helper that writes clocks.cpp owns it).
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace accord::compliance
