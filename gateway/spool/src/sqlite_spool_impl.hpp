// The embedded spool: a queue of operations in front of ONE writer thread that owns the
// SQLite connection and group-commits (docs/storage.md, "Group commit").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "accord/spool/sqlite_spool.hpp"
#include "manifest.hpp"
#include "spool_op.hpp"
#include "store.hpp"
#include "submission_reader.hpp"
#include "writer_queue.hpp"

namespace accord::spool::detail {

using Op = BasicOp<Store>;

// What open_sqlite_spool() found besides the store, handed to the spool it builds.
struct Opened {
  FileLock lock;                 // held while the spool lives
  std::string manifest_path;     // empty: no manifest
  std::int64_t submissions = 0;  // rows in `submissions` at open
};

class SqliteSpool final : public Spool {
 public:
  SqliteSpool(Store store, std::map<std::string, std::int64_t> queued,
              std::map<std::string, std::int64_t> dead, Opened opened,
              const SqliteSpoolOptions& options);
  ~SqliteSpool() override;

  void append(Submission submission, AppendHandler done) override;
  Result<std::optional<PriorSubmission>> find_submission(
      const std::string& sender, const std::string& message_id) const override;
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
  void list_dead_letters(std::string recipient, std::size_t limit,
                         DeadLettersHandler done) override;
  void record(std::vector<audit::Event> events, StatusHandler done) override;
  void purge(PurgeRequest request, PurgeHandler done) override;
  void checkpoint(std::int64_t now_ms, StatusHandler done) override;
  SpoolStats stats() const override;
  void shutdown() override;

  void set_max_page_count(std::int64_t pages) { page_limit_.store(pages); }

 private:
  // Queues `op`; when the spool is stopping (or, with `bounded`, full) runs
  // op.finish(refusal) on the caller's thread instead.
  void enqueue(Op op, bool bounded);
  void run();  // the writer thread
  void commit_batch(std::vector<Op>& batch);
  // Hands the batch's handlers to the completion thread (failure set: the batch rolled back).
  void finish(std::vector<Op>& batch, std::optional<Error> failure);
  bool checkpoint_due(std::int64_t now) const;  // writer thread only
  void write_manifest(bool clean_shutdown);     // writer thread only; logs a failure

  const std::size_t max_batch_;
  const AuditOptions audit_;
  const std::function<void()> before_batch_;
  env::Env& env_;  // the manifest's file access

  FileLock lock_;  // declared before store_: released after the connection closes
  const std::string manifest_path_;
  std::int64_t submissions_ = 0;  // writer thread only: rows in `submissions`
  bool manifest_due_ = false;     // writer thread only: a checkpoint op ran in this batch
  Store store_;  // touched only by the writer thread (and the constructor before it starts)
  // The dedup probe; any thread. Declared after store_: its read-only connections close
  // first, so the writer's connection is the last and can checkpoint and remove the WAL.
  const SubmissionReader reader_;
  std::atomic<std::int64_t> page_limit_{0};  // knob requested by set_max_page_count()
  std::int64_t applied_page_limit_ = 0;      // writer thread only
  std::int64_t last_checkpoint_at_ms_ = 0;   // writer thread only
  bool seal_now_ = false;                    // writer thread only: the final batch

  WriterQueue<Op> queue_;  // last: its writer thread starts in the constructor's last line
};

}  // namespace accord::spool::detail
