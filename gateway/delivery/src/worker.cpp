#include "accord/delivery/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cstring>

#include "accord/crypto/delivered_message.hpp"

namespace accord::delivery {
namespace asio = boost::asio;

namespace {
// After a failed lease (the disk, or the writer's queue full), not the idle poll's 30 s.
constexpr std::int64_t kLeaseRetryMs = 1'000;
}  // namespace

std::shared_ptr<DeliveryWorker> DeliveryWorker::create(asio::io_context& io, spool::Spool& spool,
                                                       std::string recipient,
                                                       adapters::OutboundAdapter& adapter,
                                                       WorkerOptions options, env::Env& env) {
  return std::shared_ptr<DeliveryWorker>(
      new DeliveryWorker(io, spool, std::move(recipient), adapter, std::move(options), env));
}

DeliveryWorker::DeliveryWorker(asio::io_context& io, spool::Spool& spool, std::string recipient,
                               adapters::OutboundAdapter& adapter, WorkerOptions options,
                               env::Env& env)
    : strand_(asio::make_strand(io)),
      spool_(spool),
      recipient_(std::move(recipient)),
      adapter_(adapter),
      options_(std::move(options)),
      env_(env),
      timer_(strand_) {}

void DeliveryWorker::start() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->poll(); });
}

void DeliveryWorker::notify() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->stopping_) return;
    if (self->leasing_) {
      // The lease in progress may have been read before the copy that woke us was stored.
      self->notified_ = true;
      return;
    }
    self->poll();  // an open circuit re-arms the timer for its end instead
  });
}

void DeliveryWorker::stop(std::function<void()> done) {
  asio::dispatch(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    self->stopping_ = true;
    self->cancel_timer();
    self->publish();
    if (self->in_flight_.empty() && !self->leasing_) {
      done();
      return;
    }
    self->on_stopped_ = std::move(done);
  });
}

WorkerStats DeliveryWorker::stats() const {
  std::lock_guard lock(stats_mu_);
  return published_;
}

void DeliveryWorker::publish() {
  stats_.in_flight = static_cast<std::int64_t>(in_flight_.size());
  stats_.circuit_open = env_.now_ms() < circuit_open_until_ms_;
  stats_.next_poll_at_ms = poll_scheduled_ ? poll_at_ms_ : 0;
  stats_.stopping = stopping_;
  std::lock_guard lock(stats_mu_);
  published_ = stats_;
}

double DeliveryWorker::unit_random() {
  std::array<unsigned char, 8> bytes{};
  env_.random_bytes(bytes);
  std::uint64_t bits = 0;
  std::memcpy(&bits, bytes.data(), sizeof bits);
  return static_cast<double>(bits >> 11) * 0x1.0p-53;  // 53 random bits: [0, 1)
}

void DeliveryWorker::cancel_timer() {
  ++timer_generation_;  // a wait already completed but not yet run must not poll either
  poll_scheduled_ = false;
  timer_.cancel();
}

void DeliveryWorker::schedule_idle() {
  schedule_poll(env_.now_ms() + options_.idle_poll.count());
}

void DeliveryWorker::schedule_poll(std::int64_t at_ms) {
  if (stopping_) return;
  const std::int64_t now = env_.now_ms();
  if (!due_ms_.empty()) at_ms = std::min(at_ms, *due_ms_.begin());
  if (circuit_open_until_ms_ > now) at_ms = std::max(at_ms, circuit_open_until_ms_);
  at_ms = std::min(at_ms, now + options_.idle_poll.count());
  if (poll_scheduled_ && poll_at_ms_ <= at_ms) return;  // already due sooner
  cancel_timer();
  poll_scheduled_ = true;
  poll_at_ms_ = at_ms;
  const std::uint64_t generation = timer_generation_;
  timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(0, at_ms - now)));
  timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
    if (ec || generation != self->timer_generation_) return;  // notify() or stop() took over
    self->poll_scheduled_ = false;
    self->poll();
  });
  publish();
}

void DeliveryWorker::poll() {
  if (stopping_ || leasing_) return;
  const std::int64_t now = env_.now_ms();
  // Due times reached are this poll's business now; later ones stay for the next timer.
  due_ms_.erase(due_ms_.begin(), due_ms_.upper_bound(now));
  if (now < circuit_open_until_ms_) {
    ++stats_.polls;
    schedule_poll(circuit_open_until_ms_);
    publish();
    return;
  }
  std::size_t capacity = std::max<std::size_t>(adapter_.max_in_flight(), 1);
  if (half_open_) capacity = 1;               // one probe before trusting the recipient again
  if (in_flight_.size() >= capacity) return;  // a settled delivery polls again
  cancel_timer();
  spool::LeaseRequest request;
  request.recipient = recipient_;
  request.max_items = capacity - in_flight_.size();
  request.lease_ms = options_.lease_ms;
  request.now_ms = now;
  request.one_per_case = true;
  leasing_ = true;
  notified_ = false;
  publish();
  spool_.lease(std::move(request), [self = shared_from_this()](auto leased) {
    asio::post(self->strand_, [self, leased = std::move(leased)]() mutable {
      self->on_leased(std::move(leased));
    });
  });
}

void DeliveryWorker::on_leased(Result<std::vector<spool::Delivery>> leased) {
  leasing_ = false;
  ++stats_.polls;
  if (!leased.ok()) {
    spdlog::warn("delivery to {}: lease failed: {}", recipient_, leased.error().message);
    if (stopping_ && in_flight_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
    // The disk or the writer's queue, not the recipient: try again soon, not at the idle poll.
    schedule_poll(env_.now_ms() + kLeaseRetryMs);
    publish();
    return;
  }
  if (stopping_) {
    // Leased just as we stopped: hand them back unused, leasable at the next start at once.
    for (const auto& delivery : leased.value()) {
      if (!in_flight_.contains(delivery.delivery_id)) return_lease(delivery.delivery_id);
    }
    publish();
    if (in_flight_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
    return;
  }
  for (auto& delivery : leased.value()) {
    // Still in flight from an earlier lease that expired under a slow adapter: skip it, the
    // outstanding attempt decides.
    if (in_flight_.contains(delivery.delivery_id)) continue;
    hand_over(std::move(delivery));
  }
  publish();
  if (leased->empty() && !std::exchange(notified_, false)) {
    schedule_idle();
    return;
  }
  poll();  // room left (some were dead-lettered or skipped), or woken meanwhile: lease more
}

void DeliveryWorker::hand_over(spool::Delivery delivery) {
  const auto verdict =
      before_attempt(options_.retry, delivery.attempts, delivery.received_at_ms, env_.now_ms());
  if (verdict == Verdict::expired) {
    return dead_letter(delivery, "expired",
                       "older than the maximum age before it could be delivered");
  }
  if (verdict == Verdict::max_attempts) {
    return dead_letter(
        delivery, "max_attempts",
        "not delivered after " + std::to_string(delivery.attempts - 1) + " attempts");
  }
  in_flight_.insert(delivery.delivery_id);
  adapters::OutboundMessage message;
  message.delivery_id = delivery.delivery_id;
  message.recipient = recipient_;
  message.sender = delivery.sender;
  message.message_id = delivery.message_id;
  message.event_type = delivery.event_type;
  message.case_urn = delivery.case_urn;
  message.received_at_ms = delivery.received_at_ms;
  message.attempt = delivery.attempts;
  // The same self-contained item the mailbox hands out (sender, recipient and received_at
  // as signed), so a push recipient verifies the copy from what it received alone.
  message.document = crypto::delivered_item(
      {delivery.delivery_id, delivery.sender, recipient_, delivery.message_id, delivery.event_type,
       delivery.case_urn, delivery.received_at_ms, delivery.attempts, delivery.lease_expires_at_ms},
      delivery.payload);
  auto self = shared_from_this();
  adapter_.deliver(std::move(message), [self, delivery = std::move(delivery)](
                                           adapters::DeliveryOutcome outcome) mutable {
    asio::post(self->strand_,
               [self, delivery = std::move(delivery), outcome = std::move(outcome)]() mutable {
                 self->on_outcome(std::move(delivery), std::move(outcome));
               });
  });
}

void DeliveryWorker::on_outcome(spool::Delivery delivery, adapters::DeliveryOutcome outcome) {
  const std::int64_t now = env_.now_ms();
  const std::int64_t id = delivery.delivery_id;
  const std::int64_t lapses_at = delivery.lease_expires_at_ms;
  auto self = shared_from_this();
  // Not written (the disk refused): the copy stays under lease until it lapses, so that is
  // when it is due again.
  auto settle = [self, id, lapses_at](const Status& s) {
    const std::int64_t due = s.ok() ? 0 : lapses_at;
    asio::post(self->strand_, [self, id, due] { self->settled(id, due); });
  };
  switch (outcome.status) {
    case adapters::DeliveryStatus::delivered: {
      consecutive_failures_ = 0;
      half_open_ = false;
      ++stats_.delivered;
      // A channel ack: delivered, not yet acknowledged by the recipient (docs/storage.md).
      spool::AckRequest ack{recipient_, id, now};
      ack.source = spool::AckSource::channel;
      ack.channel_ref = std::move(outcome.channel_ref);
      spool_.ack(std::move(ack), [self, id, lapses_at](Result<spool::AckOutcome> r) {
        if (!r.ok()) {
          // The lease expires and the copy is delivered again: at-least-once.
          spdlog::warn("delivery to {}: ack of {} failed: {}", self->recipient_, id,
                       r.error().message);
        }
        const std::int64_t due = r.ok() ? 0 : lapses_at;
        asio::post(self->strand_, [self, id, due] { self->settled(id, due); });
      });
      return;
    }
    case adapters::DeliveryStatus::retry_later: {
      if (stopping_) {
        // The gateway is stopping and the adapter gave the hand-over back (stop() cancels
        // what is in flight): not a failure of the recipient, so no attempt is burned, no
        // retry is scheduled and the circuit breaker does not count it.
        return_lease(id);
        return;
      }
      ++stats_.retried;
      ++consecutive_failures_;
      if (half_open_ || consecutive_failures_ >= options_.circuit_failures) {
        if (circuit_open_until_ms_ <= now) {
          spdlog::warn("delivery to {}: circuit open for {} ms after {} failures in a row ({})",
                       recipient_, options_.circuit_open.count(), consecutive_failures_,
                       outcome.detail);
        }
        circuit_open_until_ms_ = now + options_.circuit_open.count();
        half_open_ = true;
      }
      const std::int64_t retry_at =
          std::max(now + backoff_delay_ms(options_.retry, delivery.attempts, unit_random()),
                   circuit_open_until_ms_);
      spool_.release({recipient_, id, retry_at, outcome.detail, now},
                     [self, id, retry_at, lapses_at](Status s) {
                       const std::int64_t due = s.ok() ? retry_at : lapses_at;
                       asio::post(self->strand_, [self, id, due] { self->settled(id, due); });
                     });
      return;
    }
    case adapters::DeliveryStatus::permanent_failure:
      consecutive_failures_ = 0;  // the recipient answered: it is up, just refusing this one
      half_open_ = false;
      spool_.dead_letter({recipient_, id, "permanent_failure", outcome.detail, now}, settle);
      ++stats_.dead_lettered;
      spdlog::warn("delivery to {}: {} dead-lettered: {}", recipient_, delivery.message_id,
                   outcome.detail);
      return;
  }
}

void DeliveryWorker::dead_letter(const spool::Delivery& delivery, std::string code,
                                 std::string detail) {
  ++stats_.dead_lettered;
  spdlog::warn("delivery to {}: {} dead-lettered ({}): {}", recipient_, delivery.message_id, code,
               detail);
  in_flight_.insert(delivery.delivery_id);
  const std::int64_t id = delivery.delivery_id;
  const std::int64_t lapses_at = delivery.lease_expires_at_ms;
  auto self = shared_from_this();
  spool_.dead_letter({recipient_, id, std::move(code), std::move(detail), env_.now_ms()},
                     [self, id, lapses_at](Status s) {
                       const std::int64_t due = s.ok() ? 0 : lapses_at;
                       asio::post(self->strand_, [self, id, due] { self->settled(id, due); });
                     });
}

void DeliveryWorker::return_lease(std::int64_t delivery_id) {
  in_flight_.insert(delivery_id);
  auto self = shared_from_this();
  spool::ReleaseRequest request{recipient_, delivery_id, 0, "the gateway is stopping",
                                env_.now_ms()};
  request.returned = true;
  spool_.release(std::move(request), [self, delivery_id](Status s) {
    // Not returned (the disk refused): the lease expires and the copy is delivered later.
    if (!s.ok()) {
      spdlog::warn("delivery to {}: lease of {} not returned: {}", self->recipient_, delivery_id,
                   s.error().message);
    }
    asio::post(self->strand_, [self, delivery_id] { self->settled(delivery_id, 0); });
  });
}

void DeliveryWorker::settled(std::int64_t delivery_id, std::int64_t due_at_ms) {
  in_flight_.erase(delivery_id);
  if (due_at_ms > 0) due_ms_.insert(due_at_ms);
  publish();
  if (stopping_) {
    if (in_flight_.empty() && !leasing_ && on_stopped_) std::exchange(on_stopped_, nullptr)();
    return;
  }
  poll();
}

}  // namespace accord::delivery
