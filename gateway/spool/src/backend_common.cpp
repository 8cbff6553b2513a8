#include "backend_common.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "accord/core/time_format.hpp"

namespace accord::spool::detail {

PreparedAppend prepare_append(Submission submission, bool audit_enabled) {
  PreparedAppend out;
  out.submission = std::move(submission);
  out.ledger = ledger_facts(out.submission);
  if (!audit_enabled) return out;
  out.records.reserve(out.submission.records.size());
  for (const auto& r : out.submission.records) out.records.push_back(audit::make_template(r.event));
  return out;
}

std::vector<SubjectFact> ledger_facts(const Submission& submission) {
  std::vector<SubjectFact> out;
  if (submission.subject_ref.empty()) return out;
  std::map<std::pair<std::string, std::string>, std::size_t> at;  // (agency, name) → index
  for (const SubjectFact& f : submission.subject_facts) {
    auto [it, fresh] = at.try_emplace({f.agency, f.name}, out.size());
    if (fresh) {
      out.push_back(f);
    } else {
      out[it->second].value = f.value;
    }
  }
  return out;
}

std::string encode_recipients(const std::vector<Copy>& copies) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : copies) list.push_back(c.recipient);
  return list.dump();
}

std::vector<std::string> decode_recipients(const std::string& text) {
  std::vector<std::string> out;
  const auto list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) return out;
  for (const auto& r : list) {
    if (r.is_string()) out.push_back(r.get<std::string>());
  }
  return out;
}

audit::Event copy_event(std::string_view kind, std::int64_t at_ms, std::int64_t id,
                        const std::string& recipient, const CopyRow& facts) {
  audit::Event event;
  event.kind = kind;
  event.at_ms = at_ms;
  event.message_id = facts.message_id;
  event.sender = facts.sender;
  event.recipient = recipient;
  event.event_type = facts.event_type;
  event.case_urn = facts.case_urn;
  event.subject_ref = facts.subject_ref;
  event.delivery_id = id;
  event.attempt = facts.attempts;
  return event;
}

audit::Event lease_event(const Delivery& d, const std::string& recipient, std::int64_t now_ms) {
  audit::Event event;
  event.kind = d.attempts > 1 ? audit::kind::kDeliveryRedelivered : audit::kind::kDeliveryLeased;
  event.at_ms = now_ms;
  event.message_id = d.message_id;
  event.sender = d.sender;
  event.recipient = recipient;
  event.event_type = d.event_type;
  event.case_urn = d.case_urn;
  event.subject_ref = d.subject_ref;
  event.delivery_id = d.delivery_id;
  event.attempt = d.attempts;
  event.details = {{"lease_expires_at", format_time_ms(d.lease_expires_at_ms)}};
  return event;
}

audit::Event purge_event(const PurgeRequest& request, const PurgeBatch& batch, int batch_number) {
  audit::Event event;
  event.kind = audit::kind::kRetentionPurged;
  event.at_ms = request.now_ms;
  event.details.emplace_back("actor", request.actor.empty() ? "schedule" : request.actor);
  event.details.emplace_back("batch", std::to_string(batch_number));
  event.details.emplace_back("purged", std::to_string(batch.purged));
  for (const auto& [recipient, count] : batch.purged_by_recipient) {
    event.details.emplace_back("purged." + recipient, std::to_string(count));
  }
  return event;
}

std::string queue_health_sql(std::string_view now_param) {
  const std::string now(now_param);
  // A lease that has expired holds nothing: its copy is leasable again, so queued.
  const std::string live_lease = "state = 'leased' AND lease_expires_at_ms > " + now;
  return "SELECT recipient, SUM(CASE WHEN " + live_lease + " THEN 0 ELSE 1 END), SUM(CASE WHEN " +
         live_lease +
         " THEN 1 ELSE 0 END), 0, MIN(received_at_ms) FROM copies WHERE state IN ('queued', "
         "'leased') GROUP BY recipient UNION ALL SELECT recipient, 0, 0, COUNT(*), NULL FROM "
         "copies WHERE state = 'dead' GROUP BY recipient";
}

void add_queue_health_row(std::map<std::string, QueueHealth>& out, const std::string& recipient,
                          std::int64_t queued, std::int64_t leased, std::int64_t dead,
                          std::optional<std::int64_t> oldest_pending_ms) {
  QueueHealth& q = out[recipient];
  q.queued += queued;
  q.leased += leased;
  q.dead_letters += dead;
  if (oldest_pending_ms && (!q.oldest_pending_ms || *oldest_pending_ms < *q.oldest_pending_ms)) {
    q.oldest_pending_ms = oldest_pending_ms;
  }
}

}  // namespace accord::spool::detail
