#include "accord/spool/sqlite_spool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "schema.hpp"
#include "sqlite_spool_impl.hpp"

namespace accord::spool {
namespace detail {
namespace {

Error shutting_down() {
  return make_error("shutting_down", "the spool is shutting down");
}

// Handlers must not throw; if one does, the writer must still finish the batch.
template <typename Handler, typename Value>
void deliver(Handler& handler, Value&& value) {
  try {
    handler(std::forward<Value>(value));
  } catch (const std::exception& e) {
    spdlog::error("spool: a completion handler threw: {}", e.what());
  } catch (...) {
    spdlog::error("spool: a completion handler threw a non-standard exception");
  }
}

}  // namespace

SqliteSpool::SqliteSpool(Store store, std::map<std::string, std::int64_t> queued,
                         const SqliteSpoolOptions& options)
    : max_batch_(std::max<std::size_t>(options.max_batch, 1)),
      max_pending_(options.max_pending),
      store_(std::move(store)),
      page_limit_(options.max_page_count),
      applied_page_limit_(options.max_page_count),
      queued_(std::move(queued)) {
  writer_ = std::thread([this] { run(); });
}

SqliteSpool::~SqliteSpool() {
  shutdown();
}

void SqliteSpool::append(Submission submission, AppendHandler done) {
  {
    std::unique_lock lock(queue_mu_);
    if (stopping_) {
      lock.unlock();
      deliver(done, Result<AppendResult>(shutting_down()));
      return;
    }
    // Refuse at once rather than grow without bound: the caller answers 503.
    if (queue_.size() >= max_pending_) {
      lock.unlock();
      deliver(done, Result<AppendResult>(
                        make_error("overloaded", "the spool has " + std::to_string(max_pending_) +
                                                     " operations waiting for the disk")));
      return;
    }
    queue_.push_back(AppendOp{std::move(submission), std::move(done)});
  }
  queue_cv_.notify_one();
}

void SqliteSpool::lease(LeaseRequest request, LeaseHandler done) {
  LeaseOp op{std::move(request), std::move(done)};
  std::unique_lock lock(queue_mu_);
  if (stopping_) {
    lock.unlock();
    deliver(op.done, Result<std::vector<Delivery>>(shutting_down()));
    return;
  }
  queue_.push_back(std::move(op));
  lock.unlock();
  queue_cv_.notify_one();
}

void SqliteSpool::ack(AckRequest request, AckHandler done) {
  AckOp op{std::move(request), std::move(done)};
  std::unique_lock lock(queue_mu_);
  if (stopping_) {
    lock.unlock();
    deliver(op.done, Result<AckOutcome>(shutting_down()));
    return;
  }
  queue_.push_back(std::move(op));
  lock.unlock();
  queue_cv_.notify_one();
}

SpoolStats SqliteSpool::stats() const {
  SpoolStats s;
  {
    std::lock_guard lock(queue_mu_);
    s.pending_operations = static_cast<std::int64_t>(queue_.size());
  }
  std::lock_guard lock(stats_mu_);
  s.queued_by_recipient = queued_;
  s.commits = commits_;
  s.appended = appended_;
  return s;
}

void SqliteSpool::shutdown() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  // Called from a handler (the writer itself): the writer stops after this batch; the
  // destructor, on another thread, joins it.
  if (std::this_thread::get_id() == writer_.get_id()) return;
  std::lock_guard lock(join_mu_);
  if (writer_.joinable()) writer_.join();
}

void SqliteSpool::run() {
  std::vector<Op> batch;
  batch.reserve(max_batch_);
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued before it is done
      const std::size_t n = std::min(max_batch_, queue_.size());
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
    batch.clear();
  }
}

void SqliteSpool::commit_batch(std::vector<Op>& batch) {
  // Results are held back until COMMIT has returned: a handler never sees a change that
  // is not yet fsync'd, nor one that will be rolled back.
  using AnyResult =
      std::variant<Result<AppendResult>, Result<std::vector<Delivery>>, Result<AckOutcome>>;
  std::vector<std::optional<AnyResult>> results(batch.size());
  BatchDelta delta;
  std::optional<Error> failure;

  if (const auto limit = page_limit_.load(); limit != applied_page_limit_) {
    if (auto s = store_.set_max_page_count(limit); s.ok()) applied_page_limit_ = limit;
  }
  if (auto s = store_.begin(); !s.ok()) failure = s.error();
  for (std::size_t i = 0; i < batch.size() && !failure; ++i) {
    std::visit(
        [&](auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, AppendOp>) {
            auto r = store_.append(op.submission, delta);
            if (!r.ok()) failure = r.error();
            results[i].emplace(std::move(r));
          } else if constexpr (std::is_same_v<T, LeaseOp>) {
            auto r = store_.lease(op.request);
            if (!r.ok()) failure = r.error();
            results[i].emplace(std::move(r));
          } else {
            auto r = store_.ack(op.request, delta);
            if (!r.ok()) {
              failure = r.error();
              results[i].emplace(Result<AckOutcome>(r.error()));
            } else if (*r == AckState::not_found) {
              results[i].emplace(Result<AckOutcome>(
                  make_error("not_found", "no delivery " + std::to_string(op.request.delivery_id) +
                                              " for " + op.request.recipient)));
            } else {
              results[i].emplace(Result<AckOutcome>(
                  *r == AckState::acked ? AckOutcome::acked : AckOutcome::already_acked));
            }
          }
        },
        batch[i]);
  }
  if (!failure) {
    if (auto s = store_.commit(); !s.ok()) failure = s.error();
  }

  if (failure) {
    store_.rollback();
    // Storage failures are storage_unavailable whatever SQLite called them: the caller's
    // answer (503, retry later) is the same.
    Error e = make_error("storage_unavailable", failure->message);
    spdlog::warn("spool: transaction of {} operations rolled back: {}", batch.size(), e.message);
    for (auto& op : batch) {
      std::visit(
          [&](auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, AppendOp>) {
              deliver(o.done, Result<AppendResult>(e));
            } else if constexpr (std::is_same_v<T, LeaseOp>) {
              deliver(o.done, Result<std::vector<Delivery>>(e));
            } else {
              deliver(o.done, Result<AckOutcome>(e));
            }
          },
          op);
    }
    return;
  }

  {
    std::lock_guard lock(stats_mu_);
    ++commits_;
    appended_ += delta.appended;
    for (const auto& [recipient, change] : delta.queued_by_recipient) {
      auto& count = queued_[recipient];
      count += change;
      if (count == 0) queued_.erase(recipient);
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    std::visit(
        [&](auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, AppendOp>) {
            deliver(op.done, std::get<Result<AppendResult>>(std::move(*results[i])));
          } else if constexpr (std::is_same_v<T, LeaseOp>) {
            deliver(op.done, std::get<Result<std::vector<Delivery>>>(std::move(*results[i])));
          } else {
            deliver(op.done, std::get<Result<AckOutcome>>(std::move(*results[i])));
          }
        },
        batch[i]);
  }
}

}  // namespace detail

Result<std::unique_ptr<Spool>> open_sqlite_spool(const SqliteSpoolOptions& options) {
  auto db = detail::open_database(options);
  if (!db.ok()) return db.error();
  auto store = detail::Store::prepare(std::move(db).value());
  if (!store.ok()) return store.error();
  auto queued = store->count_queued();
  if (!queued.ok()) return queued.error();
  return std::unique_ptr<Spool>(std::make_unique<detail::SqliteSpool>(
      std::move(store).value(), std::move(queued).value(), options));
}

Status set_max_page_count(Spool& spool, std::int64_t pages) {
  auto* embedded = dynamic_cast<detail::SqliteSpool*>(&spool);
  if (embedded == nullptr) {
    return make_error("invalid_argument", "set_max_page_count: not an embedded (SQLite) spool");
  }
  if (pages < 1) return make_error("invalid_argument", "set_max_page_count: pages must be >= 1");
  embedded->set_max_page_count(pages);
  return Status::Ok();
}

}  // namespace accord::spool
