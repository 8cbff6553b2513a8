// The PostgreSQL spool: a queue of operations in front of ONE writer thread that owns the
// connection and group-commits, as the SQLite spool does (sqlite_spool_impl.hpp). What it
// adds: the connection may go away (reconnect, fail fast in between), COMMIT has a deadline,
// a deadlock with another gateway reruns the batch, and the per-recipient counts are the
// deployment's, refreshed from SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "accord/spool/pg_spool.hpp"
#include "pg_store.hpp"
#include "spool_op.hpp"
#include "writer_queue.hpp"

namespace accord::spool::detail {

// An operation and the rows it will wait for: the writer takes those locks first, in one
// global order, so two gateways' batches cannot deadlock on them (pg_store.hpp, lock_in_order).
struct PgOp {
  BasicOp<PgStore> op;
  PgLockKeys keys;
};

class PgSpool final : public Spool {
 public:
  PgSpool(PgStore store, const PgSpoolOptions& options);
  ~PgSpool() override;

  void append(Submission submission, AppendHandler done) override;
  // Always nullopt (pg_spool.hpp): dedup is decided inside append()'s transaction.
  Result<std::optional<PriorSubmission>> find_submission(
      const std::string& sender, const std::string& message_id) const override;
  // On its own connection (opened on first need, dropped after a failure), under a mutex.
  Result<std::vector<SubjectStateRow>> subject_state(const std::string& subject_ref) const override;
  Result<std::map<std::string, QueueHealth>> queue_health(std::int64_t now_ms) const override;
  Result<std::optional<CopyFacts>> copy_facts(const std::string& recipient,
                                              std::int64_t delivery_id) const override;
  Result<std::optional<MessageStatus>> message_status(const std::string& sender,
                                                      const std::string& message_id,
                                                      std::int64_t now_ms) const override;
  Result<std::vector<StatusNotice>> pending_status_notices(std::size_t limit) const override;
  void emit_status_notice(std::int64_t notice_id, NoticeCopy copy, std::int64_t now_ms,
                          StatusHandler done) override;
  void lease(LeaseRequest request, LeaseHandler done) override;
  void ack(AckRequest request, AckHandler done) override;
  void release(ReleaseRequest request, StatusHandler done) override;
  void dead_letter(DeadLetterRequest request, StatusHandler done) override;
  void redrive(RedriveRequest request, CountHandler done) override;
  void purge(PurgeRequest request, PurgeHandler done) override;
  void list_dead_letters(std::string recipient, std::size_t limit,
                         DeadLettersHandler done) override;
  void record(std::vector<audit::Event> events, StatusHandler done) override;
  void checkpoint(std::int64_t now_ms, StatusHandler done) override;
  SpoolStats stats() const override;
  void shutdown() override;

 private:
  void enqueue(BasicOp<PgStore> op, bool bounded, PgLockKeys keys = {});
  // Runs `read` on read_db_ (opened on first need, dropped after a failure).
  template <typename Read>
  auto on_read_connection(Read read) const -> decltype(read(std::declval<PgConnection&>()));
  void run();  // the writer thread
  void commit_batch(std::vector<PgOp>& batch, bool seal);
  // One attempt at the batch's transaction; the failure, if any.
  std::optional<Error> try_batch(std::vector<PgOp>& batch, BatchDelta& delta, bool seal);
  bool connected();                 // reconnects when due; false: fail the batch fast
  void refresh_counts(bool force);  // writer thread; at most once a second unless forced
  void finish(std::vector<PgOp>& batch, std::optional<Error> failure);
  bool idle_checkpoint_due(std::int64_t now) const;  // writer thread only

  const PgSpoolOptions options_;
  const PgStoreOptions store_options_;
  const std::size_t max_batch_;
  env::Env& env_;  // clocks: the reconnect interval and the counts' refresh

  std::optional<PgStore> store_;           // writer thread only; empty: disconnected
  std::int64_t last_connect_attempt_ = 0;  // writer thread only (steady ms)
  std::string last_connect_error_;         // writer thread only
  std::int64_t last_refresh_ = 0;          // writer thread only (steady ms)
  std::int64_t opened_at_ms_ = 0;          // the checkpoint interval starts here at the latest

  mutable std::mutex read_mu_;                   // guards read_db_
  mutable std::optional<PgConnection> read_db_;  // subject_state()'s connection
  // queue_health()'s own: an operator's GROUP BY never holds up a submission's state read.
  mutable std::mutex health_mu_;
  mutable std::optional<PgConnection> health_db_;  // guarded by health_mu_

  WriterQueue<PgOp> queue_;  // last: its writer thread starts in the constructor's last line
};

}  // namespace accord::spool::detail
