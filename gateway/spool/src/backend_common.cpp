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

AckPlan plan_ack(const std::optional<CopyRow>& row, const AckRequest& request) {
  // Another recipient's copy answers exactly like a missing one: ids leak nothing.
  if (!row || row->recipient != request.recipient) return AckPlan::not_found;
  const bool acked = row->state == "acked";
  if (request.source == AckSource::channel)
    return acked ? AckPlan::already_acked : AckPlan::deliver;
  if (!acked) return AckPlan::acknowledge;
  // The first acknowledgement (and its receipt) stands.
  return row->acknowledged ? AckPlan::already_acked : AckPlan::acknowledge_later;
}

std::vector<audit::Event> ack_events(const AckRequest& request, const CopyRow& row) {
  std::vector<audit::Event> out;
  auto acked = copy_event(audit::kind::kDeliveryAcked, request.now_ms, request.delivery_id,
                          request.recipient, row);
  if (request.source == AckSource::channel) {
    acked.details.emplace_back("by", "channel");
    if (!request.channel_ref.empty())
      acked.details.emplace_back("channel_ref", request.channel_ref);
    out.push_back(std::move(acked));
    return out;
  }
  acked.details.emplace_back("by", "recipient");
  if (request.receipt) acked.details.emplace_back("receipt_kid", request.receipt->kid);
  out.push_back(std::move(acked));
  if (request.receipt) {
    audit::Event receipt;
    receipt.kind = audit::kind::kDeliveryReceipt;
    receipt.at_ms = request.now_ms;
    receipt.message_id = row.message_id;
    receipt.sender = row.sender;
    receipt.recipient = request.recipient;
    receipt.delivery_id = request.delivery_id;
    receipt.details = {
        {"kid", request.receipt->kid}, {"copy_hash", row.copy_hash}, {"sig", request.receipt->sig}};
    out.push_back(std::move(receipt));
  }
  return out;
}

std::string encode_withheld(const std::vector<WithheldRecipient>& withheld) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& w : withheld) {
    list.push_back({{"recipient", w.recipient}, {"code", w.code}, {"reason", w.reason}});
  }
  return list.dump();
}

std::vector<WithheldRecipient> decode_withheld(const std::string& text) {
  std::vector<WithheldRecipient> out;
  const auto list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) return out;
  for (const auto& w : list) {
    if (!w.is_object()) continue;
    out.push_back({w.value("recipient", ""), w.value("code", ""), w.value("reason", "")});
  }
  return out;
}

std::string copy_status_state(const std::string& row_state, std::int64_t lease_expires_at_ms,
                              bool acknowledged, std::int64_t now_ms) {
  if (row_state == "acked") return acknowledged ? "acknowledged" : "delivered";
  if (row_state == "dead") return "dead_lettered";
  if (row_state == "purged") return "purged";
  // A lapsed lease holds nothing; a released copy waiting for its retry is queued too.
  return row_state == "leased" && lease_expires_at_ms > now_ms ? "leased" : "queued";
}

CopyStatus copy_status_from(const StatusColumns& row, std::int64_t now_ms) {
  CopyStatus c;
  c.delivery_id = row.number(0).value_or(0);
  c.recipient = row.text(1).value_or("");
  const std::string row_state = row.text(2).value_or("");
  c.attempts = static_cast<int>(row.number(3).value_or(0));
  const std::int64_t lease_expires = row.number(4).value_or(0);
  const auto acked_at = row.number(5);
  const auto acknowledged_at = row.number(6);
  c.state = copy_status_state(row_state, lease_expires, acknowledged_at.has_value(), now_ms);
  if (c.state == "leased") c.lease_expires_at_ms = lease_expires;
  // The channel's ack time; a recipient's ack of a copy never pushed sets only acknowledged.
  if (row_state == "acked" && row.number(10).value_or(0) != 0) c.delivered_at_ms = acked_at;
  c.acknowledged_at_ms = acknowledged_at;
  if (c.state == "dead_lettered") {
    c.dead_lettered_at_ms = row.number(7);
    c.dead_letter_code = row.text(8).value_or("");
    c.dead_letter_detail = row.text(9).value_or("");
  }
  c.channel_ref = row.text(11).value_or("");
  c.copy_hash = row.text(12).value_or("");
  c.receipt_required = row.number(13).value_or(0) != 0;
  if (auto kid = row.text(14); kid && !kid->empty()) {
    c.receipt = Receipt{*kid, row.text(15).value_or(""), row.number(16).value_or(0)};
  }
  return c;
}

audit::Event status_notice_event(const StatusNotice& notice, std::int64_t delivery_id,
                                 std::int64_t now_ms) {
  audit::Event event;
  event.kind = audit::kind::kDeliveryStatusNotice;
  event.at_ms = now_ms;
  event.sender = kStatusNoticeSender;
  event.recipient = notice.sender;
  event.message_id = notice.message_id;
  event.delivery_id = delivery_id;
  event.details = {{"outcome", notice.outcome},
                   {"notice_id", std::to_string(notice.notice_id)},
                   {"delivery_id", std::to_string(delivery_id)}};
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
