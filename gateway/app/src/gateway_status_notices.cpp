// Status notices (docs/receipts.md, "Status notices"): every second, on the admin executor,
// the notifier turns the spool's pending notice rows into signed copies for the submissions'
// senders. The cadence is real time; what each notice says is judged at the Env clock's now.
#include <spdlog/spdlog.h>

#include <chrono>

#include "accord/app/gateway.hpp"
#include "status_notifier.hpp"

namespace accord::app {

namespace {
constexpr auto kNoticeEvery = std::chrono::seconds(1);
}  // namespace

Result<std::size_t> Gateway::emit_status_notices() {
  auto emitted = status_notifier_->run_once();
  if (!emitted.ok()) {
    // The rows stay: the next run retries them.
    spdlog::error("status notices: {}", emitted.error().message);
  } else if (emitted.value() > 0) {
    spdlog::info("status notices: {} emitted", emitted.value());
  }
  return emitted;
}

void Gateway::schedule_status_notices() {
  std::lock_guard lock(status_timer_mutex_);
  if (stopping_ || !status_timer_) return;
  status_timer_->expires_after(kNoticeEvery);
  status_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    if (!notifying_.exchange(true)) {
      offload([this] {
        if (!stopping_) (void)emit_status_notices();
        notifying_ = false;
      });
    }
    schedule_status_notices();
  });
}

}  // namespace accord::app
