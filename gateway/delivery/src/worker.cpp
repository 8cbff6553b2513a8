#include "accord/delivery/worker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "accord/crypto/delivered_message.hpp"

namespace accord::delivery {
namespace asio = boost::asio;

std::shared_ptr<DeliveryWorker> DeliveryWorker::create(asio::io_context& io, spool::Spool& spool,
                                                       std::string recipient,
                                                       adapters::OutboundAdapter& adapter,
                                                       WorkerOptions options, Clock now_ms) {
  return std::shared_ptr<DeliveryWorker>(new DeliveryWorker(
      io, spool, std::move(recipient), adapter, std::move(options), std::move(now_ms)));
}

DeliveryWorker::DeliveryWorker(asio::io_context& io, spool::Spool& spool, std::string recipient,
                               adapters::OutboundAdapter& adapter, WorkerOptions options,
                               Clock now_ms)
    : strand_(asio::make_strand(io)),
      spool_(spool),
      recipient_(std::move(recipient)),
      adapter_(adapter),
      options_(std::move(options)),
      now_ms_(std::move(now_ms)),
      timer_(strand_),
      random_(std::random_device{}()) {}

void DeliveryWorker::start() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->poll(); });
}

void DeliveryWorker::notify() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->stopping_ || self->leasing_) return;
    if (self->now_ms_() < self->circuit_open_until_ms_) return;  // the breaker decides
    self->timer_.cancel();
    self->poll_scheduled_ = false;
    self->poll();
  });
}

void DeliveryWorker::stop(std::function<void()> done) {
  asio::dispatch(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    self->stopping_ = true;
    self->timer_.cancel();
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

void DeliveryWorker::schedule_poll(std::chrono::milliseconds delay) {
  if (stopping_ || poll_scheduled_) return;
  poll_scheduled_ = true;
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;  // cancelled: notify() or stop() took over
    self->poll_scheduled_ = false;
    self->poll();
  });
}

void DeliveryWorker::poll() {
  if (stopping_ || leasing_) return;
  const std::int64_t now = now_ms_();
  if (now < circuit_open_until_ms_) {
    schedule_poll(std::chrono::milliseconds(circuit_open_until_ms_ - now));
    return;
  }
  std::size_t capacity = std::max<std::size_t>(adapter_.max_in_flight(), 1);
  if (half_open_) capacity = 1;               // one probe before trusting the recipient again
  if (in_flight_.size() >= capacity) return;  // a settled delivery polls again
  spool::LeaseRequest request;
  request.recipient = recipient_;
  request.max_items = capacity - in_flight_.size();
  request.lease_ms = options_.lease_ms;
  request.now_ms = now;
  request.one_per_case = true;
  leasing_ = true;
  spool_.lease(std::move(request), [self = shared_from_this()](auto leased) {
    asio::post(self->strand_, [self, leased = std::move(leased)]() mutable {
      self->on_leased(std::move(leased));
    });
  });
}

void DeliveryWorker::on_leased(Result<std::vector<spool::Delivery>> leased) {
  leasing_ = false;
  if (!leased.ok()) {
    spdlog::warn("delivery to {}: lease failed: {}", recipient_, leased.error().message);
    if (stopping_ && in_flight_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
    schedule_poll(options_.idle_poll);
    return;
  }
  if (stopping_) {
    // Leased just as we stopped: hand them back unused, leasable at the next start at once.
    for (const auto& delivery : leased.value()) {
      if (!in_flight_.contains(delivery.delivery_id)) return_lease(delivery.delivery_id);
    }
    if (in_flight_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
    return;
  }
  if (leased->empty()) {
    schedule_poll(options_.idle_poll);
    return;
  }
  for (auto& delivery : leased.value()) {
    // Still in flight from an earlier lease that expired under a slow adapter: skip it, the
    // outstanding attempt decides.
    if (in_flight_.contains(delivery.delivery_id)) continue;
    hand_over(std::move(delivery));
  }
  poll();  // room left (some were dead-lettered or skipped)? lease more
}

void DeliveryWorker::hand_over(spool::Delivery delivery) {
  const auto verdict =
      before_attempt(options_.retry, delivery.attempts, delivery.received_at_ms, now_ms_());
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
  const std::int64_t now = now_ms_();
  const std::int64_t id = delivery.delivery_id;
  auto self = shared_from_this();
  auto settle = [self, id](auto) { asio::post(self->strand_, [self, id] { self->settled(id); }); };
  switch (outcome.status) {
    case adapters::DeliveryStatus::delivered: {
      consecutive_failures_ = 0;
      half_open_ = false;
      ++stats_.delivered;
      spool_.ack({recipient_, id, now}, [self, id](Result<spool::AckOutcome> r) {
        if (!r.ok()) {
          // The lease expires and the copy is delivered again: at-least-once.
          spdlog::warn("delivery to {}: ack of {} failed: {}", self->recipient_, id,
                       r.error().message);
        }
        asio::post(self->strand_, [self, id] { self->settled(id); });
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
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      const std::int64_t retry_at =
          std::max(now + backoff_delay_ms(options_.retry, delivery.attempts, unit(random_)),
                   circuit_open_until_ms_);
      spool_.release({recipient_, id, retry_at, outcome.detail, now}, settle);
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
  auto self = shared_from_this();
  spool_.dead_letter(
      {recipient_, id, std::move(code), std::move(detail), now_ms_()},
      [self, id](Status) { asio::post(self->strand_, [self, id] { self->settled(id); }); });
}

void DeliveryWorker::return_lease(std::int64_t delivery_id) {
  in_flight_.insert(delivery_id);
  auto self = shared_from_this();
  spool::ReleaseRequest request{recipient_, delivery_id, 0, "the gateway is stopping", now_ms_()};
  request.returned = true;
  spool_.release(std::move(request), [self, delivery_id](Status s) {
    // Not returned (the disk refused): the lease expires and the copy is delivered later.
    if (!s.ok()) {
      spdlog::warn("delivery to {}: lease of {} not returned: {}", self->recipient_, delivery_id,
                   s.error().message);
    }
    asio::post(self->strand_, [self, delivery_id] { self->settled(delivery_id); });
  });
}

void DeliveryWorker::settled(std::int64_t delivery_id) {
  in_flight_.erase(delivery_id);
  stats_.in_flight = static_cast<std::int64_t>(in_flight_.size());
  stats_.circuit_open = now_ms_() < circuit_open_until_ms_;
  {
    std::lock_guard lock(stats_mu_);
    published_ = stats_;
  }
  if (stopping_) {
    if (in_flight_.empty() && !leasing_ && on_stopped_) std::exchange(on_stopped_, nullptr)();
    return;
  }
  poll();
}

}  // namespace accord::delivery
