#include "status_notifier.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "accord/core/time_format.hpp"
#include "accord/crypto/status_notice.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::app {

StatusNotifier::StatusNotifier(spool::Spool& spool, const crypto::GatewaySigner& signer,
                               std::function<std::int64_t()> now_ms, RenderStatus render)
    : spool_(spool), signer_(signer), now_ms_(std::move(now_ms)), render_(std::move(render)) {}

Result<std::size_t> StatusNotifier::run_once(std::size_t limit) {
  std::lock_guard lock(pass_mutex_);
  auto pending = spool_.pending_status_notices(limit);
  if (!pending.ok()) return pending.error();
  std::size_t emitted = 0;
  for (const auto& notice : pending.value()) {
    if (auto s = emit(notice); !s.ok()) return s.error();
    ++emitted;
  }
  return emitted;
}

Status StatusNotifier::emit(const spool::StatusNotice& notice) {
  const std::int64_t now = now_ms_();
  auto status = spool_.message_status(notice.sender, notice.message_id, now);
  if (!status.ok()) return status.error();
  if (!status.value()) {
    // The row names a submission the spool must hold: a storage defect, not the sender's.
    return make_error("storage_unavailable", "status notice " + std::to_string(notice.notice_id) +
                                                 ": submission " + notice.sender + "/" +
                                                 notice.message_id + " not found");
  }
  spool::NoticeCopy copy;
  copy.recipient = notice.sender;
  copy.message_id = crypto::status_notice_message_id(notice.notice_id);
  copy.event_type = std::string(crypto::kStatusNoticeType);
  copy.case_urn = status.value()->case_urn;
  copy.received_at_ms = now;
  const std::string text = render_(*status.value());
  const crypto::DeliveryInfo info{std::string(crypto::kStatusNoticeSender), copy.recipient,
                                  copy.message_id, format_time_ms(copy.received_at_ms)};
  copy.payload =
      crypto::status_notice_document(text, {notice.outcome, notice.recipient, notice.delivery_id},
                                     signer_.sign_status_notice(info, text));
  std::promise<Status> done;
  auto written = done.get_future();
  spool_.emit_status_notice(notice.notice_id, std::move(copy), now,
                            [&done](Status s) { done.set_value(std::move(s)); });
  return written.get();
}

Status check_status_callbacks(const GatewayConfig& config,
                              const agreements::AgencyDirectory& agencies) {
  if (!config.status_callbacks.empty() && agencies.contains(crypto::kStatusNoticeSender)) {
    // Its copies would read as the gateway's notices in a recipient's inbox.
    return make_error("invalid_config",
                      "the agency directory names an agency " +
                          std::string(crypto::kStatusNoticeSender) +
                          ", the sender the gateway reserves for status notices; rename it or "
                          "turn status_callbacks off",
                      config.source);
  }
  for (const auto& agency : config.status_callbacks) {
    if (agencies.contains(agency)) continue;
    Error e = yaml::error_at(config.adapters[agency]["status_callbacks"],
                             "adapters." + agency +
                                 ".status_callbacks: no agency of that id in the agency "
                                 "directory, so no notice could be delivered to it");
    e.code = "invalid_config";
    e.path = config.source + ":" + e.path;
    return e;
  }
  return Status::Ok();
}

}  // namespace accord::app
