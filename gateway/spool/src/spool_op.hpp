// The queued operation shared by both backends' writers (sqlite_spool.cpp, pg_spool.cpp):
// each public Spool call becomes an Op whose execute() runs inside the writer's transaction
// and whose finish() hands the answer to the caller's handler after COMMIT (or the failure
// after a rollback). The translation of a store's answer into the caller's (not_found,
// already_acked, ...) lives here once, so the two backends answer alike.
#pragma once

#include <spdlog/spdlog.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"
#include "backend_common.hpp"

namespace accord::spool::detail {

// One queued operation, type-erased, over a backend's Store. execute() returns a storage
// failure (the whole batch rolls back) or nothing; finish() runs after COMMIT (failure empty)
// or after the rollback (failure set) and calls the handler.
template <typename StoreT>
struct BasicOp {
  std::function<std::optional<Error>(StoreT&, BatchDelta&)> execute;
  std::function<void(const std::optional<Error>& failure)> finish;
};

inline Error shutting_down_error() {
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

// Builds an Op from a handler taking Result<T> and a body returning Result<Result<T>>: the
// outer Error is a storage failure (rolls the batch back), the inner one the caller's answer
// (not_found, ...). Results are held back until COMMIT has returned: a handler never sees a
// change that is not yet durable, nor one that will be rolled back. A batch retried after a
// deadlock runs execute() again: the answer is replaced.
template <typename StoreT, typename T, typename Body>
BasicOp<StoreT> make_op(std::function<void(Result<T>)> done, Body body) {
  struct State {
    std::function<void(Result<T>)> done;
    std::optional<Result<T>> answer;
  };
  auto state = std::make_shared<State>(State{std::move(done), std::nullopt});
  BasicOp<StoreT> op;
  op.execute = [state, body = std::move(body)](StoreT& store,
                                               BatchDelta& delta) mutable -> std::optional<Error> {
    Result<Result<T>> r = body(store, delta);
    if (!r.ok()) return r.error();
    state->answer.emplace(std::move(r).value());
    return std::nullopt;
  };
  op.finish = [state](const std::optional<Error>& failure) {
    if (failure) {
      deliver(state->done, Result<T>(*failure));
    } else {
      deliver(state->done, std::move(*state->answer));
    }
  };
  return op;
}

// Status handlers ride on Result<bool>.
inline std::function<void(Result<bool>)> status_adapter(Spool::StatusHandler done) {
  return [done = std::move(done)](Result<bool> r) mutable {
    if (!r.ok()) {
      deliver(done, Status(r.error()));
    } else {
      deliver(done, Status::Ok());
    }
  };
}

inline Error no_pending_delivery(const std::string& recipient, std::int64_t id) {
  return make_error("not_found", "no pending delivery " + std::to_string(id) + " for " + recipient);
}

// The operations every Store offers with the same signature (store.hpp, pg_store.hpp).

// Shared: the PostgreSQL writer also reads it before the batch's operations run.
template <typename StoreT>
BasicOp<StoreT> append_op(std::shared_ptr<const PreparedAppend> prepared,
                          Spool::AppendHandler done) {
  return make_op<StoreT, AppendResult>(
      std::move(done),
      [prepared = std::move(prepared)](StoreT& store,
                                       BatchDelta& delta) -> Result<Result<AppendResult>> {
        auto r = store.append(*prepared, delta);
        if (!r.ok()) return r.error();
        return Result<AppendResult>(std::move(r).value());
      });
}

template <typename StoreT>
BasicOp<StoreT> lease_op(LeaseRequest request, Spool::LeaseHandler done) {
  return make_op<StoreT, std::vector<Delivery>>(
      std::move(done),
      [request = std::move(request)](StoreT& store,
                                     BatchDelta&) -> Result<Result<std::vector<Delivery>>> {
        auto r = store.lease(request);
        if (!r.ok()) return r.error();
        return Result<std::vector<Delivery>>(std::move(r).value());
      });
}

template <typename StoreT>
BasicOp<StoreT> ack_op(AckRequest request, Spool::AckHandler done) {
  return make_op<StoreT, AckOutcome>(
      std::move(done),
      [request = std::move(request)](StoreT& store,
                                     BatchDelta& delta) -> Result<Result<AckOutcome>> {
        auto r = store.ack(request, delta);
        if (!r.ok()) return r.error();
        if (*r == AckState::not_found) {
          return Result<AckOutcome>(make_error(
              "not_found",
              "no delivery " + std::to_string(request.delivery_id) + " for " + request.recipient));
        }
        return Result<AckOutcome>(*r == AckState::acked ? AckOutcome::acked
                                                        : AckOutcome::already_acked);
      });
}

template <typename StoreT>
BasicOp<StoreT> release_op(ReleaseRequest request, Spool::StatusHandler done) {
  return make_op<StoreT, bool>(
      status_adapter(std::move(done)),
      [request = std::move(request)](StoreT& store, BatchDelta&) -> Result<Result<bool>> {
        auto r = store.release(request);
        if (!r.ok()) return r.error();
        if (!*r) return Result<bool>(no_pending_delivery(request.recipient, request.delivery_id));
        return Result<bool>(true);
      });
}

template <typename StoreT>
BasicOp<StoreT> dead_letter_op(DeadLetterRequest request, Spool::StatusHandler done) {
  return make_op<StoreT, bool>(
      status_adapter(std::move(done)),
      [request = std::move(request)](StoreT& store, BatchDelta& delta) -> Result<Result<bool>> {
        auto r = store.dead_letter(request, delta);
        if (!r.ok()) return r.error();
        if (!*r) return Result<bool>(no_pending_delivery(request.recipient, request.delivery_id));
        return Result<bool>(true);
      });
}

template <typename StoreT>
BasicOp<StoreT> redrive_op(RedriveRequest request, Spool::CountHandler done) {
  return make_op<StoreT, std::int64_t>(
      std::move(done),
      [request = std::move(request)](StoreT& store,
                                     BatchDelta& delta) -> Result<Result<std::int64_t>> {
        auto r = store.redrive(request, delta);
        if (!r.ok()) return r.error();
        return Result<std::int64_t>(*r);
      });
}

template <typename StoreT>
BasicOp<StoreT> list_dead_letters_op(std::string recipient, std::size_t limit,
                                     Spool::DeadLettersHandler done) {
  return make_op<StoreT, std::vector<DeadLetter>>(
      std::move(done),
      [recipient = std::move(recipient), limit](
          StoreT& store, BatchDelta&) -> Result<Result<std::vector<DeadLetter>>> {
        auto r = store.dead_letters(recipient, limit);
        if (!r.ok()) return r.error();
        return Result<std::vector<DeadLetter>>(std::move(r).value());
      });
}

template <typename StoreT>
BasicOp<StoreT> record_op(std::vector<audit::Event> events, Spool::StatusHandler done) {
  return make_op<StoreT, bool>(
      status_adapter(std::move(done)),
      [events = std::move(events)](StoreT& store, BatchDelta&) -> Result<Result<bool>> {
        for (const auto& event : events) {
          if (auto s = store.record(event); !s.ok()) return s.error();
        }
        return Result<bool>(true);
      });
}

template <typename StoreT>
BasicOp<StoreT> emit_status_notice_op(std::int64_t notice_id, NoticeCopy copy, std::int64_t now_ms,
                                      Spool::StatusHandler done) {
  return make_op<StoreT, bool>(status_adapter(std::move(done)),
                               [notice_id, copy = std::move(copy), now_ms](
                                   StoreT& store, BatchDelta& delta) -> Result<Result<bool>> {
                                 // Already emitted (the row is gone): Ok, nothing queued twice.
                                 auto r = store.emit_status_notice(notice_id, copy, now_ms, delta);
                                 if (!r.ok()) return r.error();
                                 return Result<bool>(true);
                               });
}

// A purge run (Spool::purge): one op per batch, each its own transaction; the next batch is
// queued behind whatever arrived meanwhile, so appends and acks interleave with a long purge.
struct PurgeRun {
  PurgeRequest request;
  Spool::PurgeHandler done;
  PurgeResult total;
  std::int64_t after_id = 0;  // the highest copy id examined so far
};

template <typename StoreT>
BasicOp<StoreT> purge_op(std::shared_ptr<PurgeRun> run,
                         std::function<void(BasicOp<StoreT>)> enqueue) {
  auto batch = std::make_shared<std::optional<PurgeBatch>>();
  BasicOp<StoreT> op;
  op.execute = [run, batch](StoreT& store, BatchDelta& delta) -> std::optional<Error> {
    // A batch retried after a deadlock runs again: its answer is replaced.
    auto r = store.purge_batch(run->request, run->after_id, run->total.batches + 1,
                               run->total.purged, delta);
    if (!r.ok()) return r.error();
    batch->emplace(std::move(r).value());
    return std::nullopt;
  };
  op.finish = [run, batch, enqueue](const std::optional<Error>& failure) {
    if (failure) {
      deliver(run->done, Result<PurgeResult>(*failure));
      return;
    }
    const PurgeBatch& b = **batch;
    ++run->total.batches;
    run->total.purged += b.purged;
    for (const auto& [recipient, n] : b.purged_by_recipient) {
      run->total.purged_by_recipient[recipient] += n;
    }
    run->after_id = b.last_id;
    if (b.more) {
      enqueue(purge_op<StoreT>(run, enqueue));
    } else {
      deliver(run->done, Result<PurgeResult>(run->total));
    }
  };
  return op;
}

}  // namespace accord::spool::detail
