#include "status_notice_output.hpp"

#include <nlohmann/json.hpp>

namespace accord::cli {

std::string describe_status_notice(const crypto::StatusNoticeItem& notice) {
  const auto status = nlohmann::json::parse(notice.status, nullptr, false);
  std::string message_id = "?";
  if (status.is_object() && status.contains("message_id") && status["message_id"].is_string()) {
    message_id = status["message_id"].get<std::string>();
  }
  std::string line = "status notice " + notice.delivery_id + ": " + message_id;
  if (notice.notice.outcome == crypto::kNoticeAcknowledged) {
    return line + " acknowledged by every recipient";
  }
  if (notice.notice.outcome == crypto::kNoticeDeadLettered) {
    return line + ": delivery " + std::to_string(notice.notice.delivery_id) + " to " +
           notice.notice.recipient + " dead-lettered";
  }
  return line + ": " + notice.notice.outcome;
}

std::string status_notice_lines(const std::vector<client::InboxMessage>& messages) {
  std::string out;
  for (const auto& m : messages) {
    if (m.type != crypto::kStatusNoticeType) continue;
    auto notice = crypto::parse_status_notice(m.json);
    out += notice
               ? describe_status_notice(*notice) + " (unverified; --decrypt verifies it)\n"
               : "status notice " + m.delivery_id + ": malformed: " + notice.error().message + "\n";
  }
  return out;
}

Result<std::string> verified_status_notice(const std::string& item_json,
                                           const crypto::GatewayPublicKey& gateway_key, bool json) {
  auto notice = crypto::parse_status_notice(item_json);
  if (!notice) return notice.error();
  if (auto verified = crypto::verify_status_notice(*notice, gateway_key); !verified.ok()) {
    return verified.error();
  }
  if (json) return item_json + "\n";
  return describe_status_notice(*notice) + " (signature verified):\n" + notice->status + "\n";
}

}  // namespace accord::cli
