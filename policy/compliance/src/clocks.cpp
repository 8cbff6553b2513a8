#include "accord/compliance/clocks.hpp"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "accord/core/time_format.hpp"

// The fold of docs/compliance.md §4. Memory grows with the clocks, not the records: a message
// is kept only when it started a clock, names (agencies, event types, case and subject pairs)
// are interned, and every index is a hash map keyed by small integers, so each record costs
// O(1) plus the clocks it touches.
namespace accord::compliance {

std::string_view to_string(ClockStatus status) {
  switch (status) {
    case ClockStatus::on_time:
      return "on_time";
    case ClockStatus::late:
      return "late";
    case ClockStatus::missing:
      return "missing";
    case ClockStatus::open:
      return "open";
  }
  return "open";
}

namespace {

constexpr std::string_view kDecisionAccepted = "decision.accepted";
constexpr std::string_view kDeliveryAcked = "delivery.acked";
constexpr std::int64_t kNotStopped = std::numeric_limits<std::int64_t>::min();

std::string_view kind_of(std::string_view agency) {
  return agency.substr(0, agency.find('.'));
}

std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) {
  return (static_cast<std::uint64_t>(a) << 32) | b;
}

enum class Basis : std::uint8_t { submitted, acknowledged, gateway_receipt, occurred };

std::string basis_name(Basis b) {
  switch (b) {
    case Basis::submitted:
      return "submitted";
    case Basis::acknowledged:
      return "acknowledged";
    case Basis::gateway_receipt:
      return "gateway_receipt";
    case Basis::occurred:
      return "occurred";
  }
  return "";
}

}  // namespace

struct ClockBook::State {
  struct Message {
    std::uint32_t sender = 0;
    std::uint32_t event_type = 0;
    std::uint32_t subject = 0;  // interned (case_urn, subject_ref)
    std::string message_id;
  };
  struct ClockState {
    const RuleSet* set = nullptr;
    const Duty* duty = nullptr;
    std::uint32_t message = 0;
    std::uint32_t informer = 0;
    Basis basis = Basis::submitted;
    bool valid = true;  // false: its start lies outside the calendar (a problem says so)
    std::int64_t start_ms = 0;
    std::int64_t deadline_standard_ms = 0;
    std::int64_t deadline_enhanced_ms = 0;
    std::int64_t stop_ms = kNotStopped;
    std::int64_t stop_seq = 0;
    std::uint32_t stopped_by = 0;  // interned "<sender>/<id>", or "ack"
  };
  struct Trigger {
    const RuleSet* set;
    const Duty* duty;
  };

  std::vector<std::string> names;
  std::unordered_map<std::string, std::uint32_t> name_ids;
  std::unordered_map<std::string, std::uint32_t> subject_ids;  // case \x1f subject
  std::vector<std::pair<std::string, std::string>> subjects;
  std::vector<Message> messages;
  std::unordered_map<std::string, std::uint32_t> message_ids;  // sender \x1f id
  std::vector<ClockState> clocks;

  // (message, agency) → clocks an ack of that agency's copy starts or stops.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_copy;
  // (message, informer) → clocks a victim.informed from the informer stops.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_informed;
  // (informer, subject, follow-up event type) → clocks such a submission stops.
  struct FollowUpKey {
    std::uint32_t informer, subject, event_type;
    bool operator==(const FollowUpKey&) const = default;
  };
  struct FollowUpHash {
    std::size_t operator()(const FollowUpKey& k) const {
      return std::hash<std::uint64_t>{}(pair_key(k.informer, k.subject) * 31 + k.event_type);
    }
  };
  std::unordered_map<FollowUpKey, std::vector<std::uint32_t>, FollowUpHash> by_follow_up;
  // subject → (seq, eligible) of every enhanced-rights fact, in seq order.
  std::unordered_map<std::uint32_t, std::vector<std::pair<std::int64_t, bool>>> enhanced;
  // Copies of the submission whose compliance.facts record comes next: (recipient, at).
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::int64_t>>> pending;
  // Event type → the duties it may start, across every rule set.
  std::unordered_map<std::string, std::vector<Trigger>> triggers;

  std::uint32_t intern(std::string_view name) {
    auto [it, inserted] = name_ids.try_emplace(std::string(name), names.size());
    if (inserted) names.emplace_back(name);
    return it->second;
  }
  std::uint32_t subject_of(const std::string& case_urn, const std::string& subject_ref) {
    auto [it, inserted] = subject_ids.try_emplace(case_urn + '\x1f' + subject_ref, subjects.size());
    if (inserted) subjects.emplace_back(case_urn, subject_ref);
    return it->second;
  }
  std::optional<std::uint32_t> find_message(const std::string& sender,
                                            const std::string& message_id) const {
    auto it = message_ids.find(sender + '\x1f' + message_id);
    if (it == message_ids.end()) return std::nullopt;
    return it->second;
  }
  // Sets a clock's start and both its deadlines; false (and a problem, the clock not
  // counted) when the calendar does not cover the days they span.
  bool set_start(std::uint32_t index, std::int64_t start_ms, const WorkingCalendar& calendar,
                 std::vector<std::string>& problems) {
    auto& c = clocks[index];
    c.start_ms = start_ms;
    auto standard = calendar.deadline_ms(start_ms, c.duty->deadline_standard);
    auto enhanced = calendar.deadline_ms(start_ms, c.duty->deadline_enhanced);
    if (!standard.ok() || !enhanced.ok()) {
      const auto& m = messages[c.message];
      problems.push_back(
          "clock " + c.set->id + "/" + c.duty->id + " of " + names[m.sender] + "/" + m.message_id +
          " for " + names[c.informer] + " starting " + format_time_ms(start_ms) +
          " is not counted: " + (standard.ok() ? enhanced : standard).error().message);
      c.valid = false;
      return false;
    }
    c.valid = true;
    c.deadline_standard_ms = *standard;
    c.deadline_enhanced_ms = *enhanced;
    return true;
  }
  // The latest enhanced-rights fact of `subject` before `before_seq` (0: any); standard
  // when there is none.
  bool enhanced_before(std::uint32_t subject, std::int64_t before_seq) const {
    auto it = enhanced.find(subject);
    if (it == enhanced.end()) return false;
    const auto& facts = it->second;
    if (before_seq == 0) return facts.back().second;
    auto after = std::lower_bound(
        facts.begin(), facts.end(), before_seq,
        [](const std::pair<std::int64_t, bool>& f, std::int64_t seq) { return f.first < seq; });
    if (after == facts.begin()) return false;
    return std::prev(after)->second;
  }
};

ClockBook::ClockBook(const RuleBook& rules, const WorkingCalendar& calendar)
    : rules_(rules), calendar_(calendar), state_(std::make_shared<State>()) {
  state_->intern("ack");
  for (const auto& set : rules_.rule_sets()) {
    for (const auto& duty : set.duties) {
      for (const auto& type : duty.events) state_->triggers[type].push_back({&set, &duty});
    }
  }
}

void ClockBook::observe(const FlowRecord& r) {
  if (r.seq <= last_seq_) return;
  last_seq_ = r.seq;
  State& s = *state_;

  if (r.kind == kDecisionAccepted) {
    // Only copies of a type some duty starts on can make a recipient an informer.
    if (!r.recipient.empty() && s.triggers.contains(r.event_type)) {
      s.pending[r.sender + '\x1f' + r.message_id].emplace_back(r.recipient, r.at_ms);
    }
    return;
  }

  if (r.kind == kDeliveryAcked) {
    const auto message = s.find_message(r.sender, r.message_id);
    if (!message) return;
    auto recipient = s.name_ids.find(r.recipient);
    if (recipient == s.name_ids.end()) return;
    auto it = s.by_copy.find(pair_key(*message, recipient->second));
    if (it == s.by_copy.end()) return;
    for (const auto index : it->second) {
      auto& c = s.clocks[index];
      if (c.basis == Basis::gateway_receipt) {
        c.basis = Basis::acknowledged;
        s.set_start(index, r.at_ms, calendar_, problems_);
      }
      if (c.duty->stop == StopKind::received && c.stop_ms == kNotStopped) {
        c.stop_ms = r.at_ms;
        c.stop_seq = r.seq;
        c.stopped_by = 0;  // "ack"
      }
    }
    s.by_copy.erase(it);  // a copy is acknowledged once
    return;
  }

  if (r.kind != kFactsRecordKind) return;

  const std::uint32_t sender = s.intern(r.sender);
  const std::uint32_t type = s.intern(r.event_type);
  const std::uint32_t subject = s.subject_of(r.case_urn, r.subject_ref);
  const ComplianceFacts& facts = r.facts;

  if (facts.enhanced) s.enhanced[subject].emplace_back(r.seq, *facts.enhanced);

  // Stops first: a message never stops a clock it starts itself.
  std::uint32_t stopper = 0;
  auto stopper_id = [&] {
    if (stopper == 0) stopper = s.intern(r.sender + "/" + r.message_id);
    return stopper;
  };
  if (r.event_type == event::kVictimInformed && facts.informed) {
    const auto& informed = *facts.informed;
    const std::string& about_sender = informed.sender.empty() ? r.sender : informed.sender;
    if (const auto about = s.find_message(about_sender, informed.message_id)) {
      auto it = s.by_informed.find(pair_key(*about, sender));
      if (it != s.by_informed.end()) {
        for (const auto index : it->second) {
          auto& c = s.clocks[index];
          if (c.stop_ms != kNotStopped) continue;
          c.stop_ms = informed.informed_at_ms;
          c.stop_seq = r.seq;
          c.stopped_by = stopper_id();
        }
        s.by_informed.erase(it);
      }
    }
  }
  if (auto it = s.by_follow_up.find({sender, subject, type}); it != s.by_follow_up.end()) {
    auto& waiting = it->second;
    std::erase_if(waiting, [&](std::uint32_t index) {
      auto& c = s.clocks[index];
      if (c.stop_ms != kNotStopped) return true;
      if (r.at_ms < c.start_ms) return false;  // before the clock started: not its follow-up
      c.stop_ms = r.at_ms;
      c.stop_seq = r.seq;
      c.stopped_by = stopper_id();
      return true;
    });
    if (waiting.empty()) s.by_follow_up.erase(it);
  }

  // Starts.
  std::vector<std::pair<std::string, std::int64_t>> copies;
  if (auto p = s.pending.find(r.sender + '\x1f' + r.message_id); p != s.pending.end()) {
    copies = std::move(p->second);
  }
  s.pending.clear();  // the decisions of a submission come right before its facts record
  auto trig = s.triggers.find(r.event_type);
  if (trig == s.triggers.end()) return;
  const std::string_view sender_kind = kind_of(r.sender);
  std::optional<std::uint32_t> message;
  for (const auto& [set, duty] : trig->second) {
    if (!duty->from_kinds.empty() && std::find(duty->from_kinds.begin(), duty->from_kinds.end(),
                                               sender_kind) == duty->from_kinds.end()) {
      continue;
    }
    const bool occurred = duty->start == StartBasis::occurred;
    if (occurred && facts.occurred_at_ms == 0) continue;  // no occurred_at: nothing to count
    // The rule set in force on the start's London date (for an informer that has not
    // acknowledged yet: the gateway's receipt, which fixes the rule set for good).
    const std::int64_t first_start = occurred ? facts.occurred_at_ms : r.at_ms;
    if (rules_.in_force(london_date(first_start)) != set) continue;

    struct Start {
      std::uint32_t informer;
      Basis basis;
      std::int64_t at;
    };
    std::vector<Start> starts;
    if (duty->informer == "sender" || duty->informer == sender_kind) {
      starts.push_back({sender, occurred ? Basis::occurred : Basis::submitted, first_start});
    } else {
      for (const auto& [recipient, at] : copies) {
        if (kind_of(recipient) != duty->informer) continue;
        starts.push_back({s.intern(recipient), occurred ? Basis::occurred : Basis::gateway_receipt,
                          occurred ? facts.occurred_at_ms : at});
      }
    }
    if (starts.empty()) continue;
    if (!message) {
      message = static_cast<std::uint32_t>(s.messages.size());
      s.messages.push_back({sender, type, subject, r.message_id});
      s.message_ids.emplace(r.sender + '\x1f' + r.message_id, *message);
    }
    for (const auto& start : starts) {
      const auto index = static_cast<std::uint32_t>(s.clocks.size());
      State::ClockState c;
      c.set = set;
      c.duty = duty;
      c.message = *message;
      c.informer = start.informer;
      c.basis = start.basis;
      s.clocks.push_back(c);
      s.set_start(index, start.at, calendar_, problems_);
      const bool waits_for_ack =
          start.basis == Basis::gateway_receipt || duty->stop == StopKind::received;
      if (waits_for_ack && start.informer != sender) {
        s.by_copy[pair_key(*message, start.informer)].push_back(index);
      }
      if (duty->stop == StopKind::informed) {
        s.by_informed[pair_key(*message, start.informer)].push_back(index);
      } else if (duty->stop == StopKind::follow_up) {
        for (const auto& follow : duty->follow_up_events) {
          s.by_follow_up[{start.informer, subject, s.intern(follow)}].push_back(index);
        }
      }
    }
  }
}

std::vector<Clock> ClockBook::clocks(std::int64_t as_of_ms) const {
  const State& s = *state_;
  std::vector<Clock> out;
  out.reserve(s.clocks.size());
  for (const auto& c : s.clocks) {
    if (!c.valid) continue;
    const auto& m = s.messages[c.message];
    Clock clock;
    clock.rule_set = c.set->id;
    clock.duty = c.duty->id;
    clock.right = c.duty->right;
    clock.informer = s.names[c.informer];
    clock.sender = s.names[m.sender];
    clock.message_id = m.message_id;
    clock.event_type = s.names[m.event_type];
    clock.case_urn = s.subjects[m.subject].first;
    clock.subject_ref = s.subjects[m.subject].second;
    clock.started_at_ms = c.start_ms;
    clock.start_basis = basis_name(c.basis);
    const bool stopped = c.stop_ms != kNotStopped;
    clock.enhanced = s.enhanced_before(m.subject, stopped ? c.stop_seq : 0);
    clock.deadline_working_days =
        clock.enhanced ? c.duty->deadline_enhanced : c.duty->deadline_standard;
    clock.deadline_ms = clock.enhanced ? c.deadline_enhanced_ms : c.deadline_standard_ms;
    if (stopped) {
      clock.stopped_at_ms = std::max(c.stop_ms, c.start_ms);
      clock.stopped_by = s.names[c.stopped_by];
      // deadline_ms is the first instant after the last day allowed.
      clock.status =
          *clock.stopped_at_ms < clock.deadline_ms ? ClockStatus::on_time : ClockStatus::late;
    } else {
      clock.status = as_of_ms >= clock.deadline_ms ? ClockStatus::missing : ClockStatus::open;
    }
    out.push_back(std::move(clock));
  }
  return out;
}

}  // namespace accord::compliance
