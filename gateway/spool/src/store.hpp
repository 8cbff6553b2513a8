// The spool's SQL: every statement prepared once and reused by the writer thread. Each
// operation runs inside the transaction the writer opened with begin(); an Error from an
// operation means the storage failed and the whole transaction must be rolled back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool::detail {

// What a transaction changes in the in-memory counters; applied only after COMMIT.
struct BatchDelta {
  std::map<std::string, std::int64_t> queued_by_recipient;
  std::int64_t appended = 0;
};

enum class AckState { acked, already_acked, not_found };

// Not thread-safe: owned and used by one thread at a time (the writer).
class Store {
 public:
  static Result<Store> prepare(Connection db);

  Status begin();
  Status commit();
  void rollback();  // safe when SQLite already rolled back by itself (SQLITE_FULL, IOERR)
  Status set_max_page_count(std::int64_t pages);

  // Dedup by (sender, message_id), which also covers the same key twice in one batch.
  Result<AppendResult> append(const Submission& submission, BatchDelta& delta);
  Result<std::vector<Delivery>> lease(const LeaseRequest& request);
  Result<AckState> ack(const AckRequest& request, BatchDelta& delta);
  // Unacked copies per recipient: one GROUP BY over the copies_unacked index.
  Result<std::map<std::string, std::int64_t>> count_queued();

 private:
  Connection db_;  // declared first: destroyed after the statements that use it
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement find_submission_;
  Statement insert_submission_;
  Statement insert_copy_;
  Statement select_leasable_;
  Statement mark_leased_;
  Statement find_copy_;
  Statement mark_acked_;
};

}  // namespace accord::spool::detail
