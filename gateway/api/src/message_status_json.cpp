#include "accord/api/message_status_json.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <variant>
#include <vector>

#include "accord/core/time_format.hpp"

namespace accord::api {
namespace {

// Members in the documented order: people read these answers too.
using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kAcknowledged = "acknowledged";

ordered_json copy_json(const spool::CopyStatus& copy) {
  ordered_json out = {{"recipient", copy.recipient},
                      {"state", copy.state},
                      {"delivery_id", std::to_string(copy.delivery_id)},
                      {"attempts", copy.attempts}};
  // A lapsed lease's expiry is history, not a fact about the copy now.
  if (copy.state == "leased" && copy.lease_expires_at_ms) {
    out["lease_expires_at"] = format_time_ms(*copy.lease_expires_at_ms);
  }
  if (copy.delivered_at_ms) out["delivered_at"] = format_time_ms(*copy.delivered_at_ms);
  if (copy.acknowledged_at_ms) out["acknowledged_at"] = format_time_ms(*copy.acknowledged_at_ms);
  // A redriven copy is pending again: its old dead letter no longer describes it.
  if (copy.state == "dead_lettered") {
    if (copy.dead_lettered_at_ms) {
      out["dead_lettered_at"] = format_time_ms(*copy.dead_lettered_at_ms);
    }
    out["dead_letter"] = {{"code", copy.dead_letter_code}, {"detail", copy.dead_letter_detail}};
  }
  if (!copy.channel_ref.empty()) out["channel_ref"] = copy.channel_ref;
  if (copy.receipt_required) out["receipt_required"] = true;
  if (!copy.copy_hash.empty()) out["copy_hash"] = copy.copy_hash;
  if (copy.receipt) {
    out["receipt"] = {{"alg", "ed25519"},
                      {"kid", copy.receipt->kid},
                      {"copy_hash", copy.copy_hash},
                      {"sig", copy.receipt->sig},
                      {"accepted_at", format_time_ms(copy.receipt->at_ms)}};
  }
  return out;
}

ordered_json withheld_json(const spool::WithheldRecipient& withheld) {
  return {{"recipient", withheld.recipient},
          {"state", "withheld"},
          {"code", withheld.code},
          {"reason", withheld.reason}};
}

// One row of `recipients` before rendering: a copy or a withheld recipient.
using Entry = std::variant<const spool::CopyStatus*, const spool::WithheldRecipient*>;

const std::string& recipient_of(const Entry& entry) {
  return std::visit([](const auto* e) -> const std::string& { return e->recipient; }, entry);
}

// Copies before the withheld entry of the same recipient; copies by delivery id.
bool entry_less(const Entry& a, const Entry& b) {
  if (const int c = recipient_of(a).compare(recipient_of(b)); c != 0) return c < 0;
  if (a.index() != b.index()) return a.index() < b.index();
  if (a.index() == 1) return false;
  return std::get<0>(a)->delivery_id < std::get<0>(b)->delivery_id;
}

}  // namespace

std::string message_status_json(const spool::MessageStatus& status) {
  std::vector<Entry> entries;
  entries.reserve(status.copies.size() + status.withheld.size());
  for (const auto& copy : status.copies) entries.emplace_back(&copy);
  for (const auto& withheld : status.withheld) entries.emplace_back(&withheld);
  std::stable_sort(entries.begin(), entries.end(), entry_less);

  const bool complete =
      !status.copies.empty() &&
      std::all_of(status.copies.begin(), status.copies.end(),
                  [](const spool::CopyStatus& copy) { return copy.state == kAcknowledged; });

  ordered_json recipients = ordered_json::array();
  for (const auto& entry : entries) {
    recipients.push_back(entry.index() == 0 ? copy_json(*std::get<0>(entry))
                                            : withheld_json(*std::get<1>(entry)));
  }
  const ordered_json body = {{"message_id", status.message_id},
                             {"sender", status.sender},
                             {"type", status.event_type},
                             {"case_urn", status.case_urn},
                             {"received_at", format_time_ms(status.received_at_ms)},
                             {"complete", complete},
                             {"recipients", std::move(recipients)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace accord::api
