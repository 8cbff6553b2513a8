// The embedded spool: a queue of operations in front of ONE writer thread that owns the
// SQLite connection and group-commits (docs/storage.md, "Group commit").
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "accord/spool/sqlite_spool.hpp"
#include "store.hpp"

namespace accord::spool::detail {

class SqliteSpool final : public Spool {
 public:
  SqliteSpool(Store store, std::map<std::string, std::int64_t> queued,
              const SqliteSpoolOptions& options);
  ~SqliteSpool() override;

  void append(Submission submission, AppendHandler done) override;
  void lease(LeaseRequest request, LeaseHandler done) override;
  void ack(AckRequest request, AckHandler done) override;
  SpoolStats stats() const override;
  void shutdown() override;

  void set_max_page_count(std::int64_t pages) { page_limit_.store(pages); }

 private:
  struct AppendOp {
    Submission submission;
    AppendHandler done;
  };
  struct LeaseOp {
    LeaseRequest request;
    LeaseHandler done;
  };
  struct AckOp {
    AckRequest request;
    AckHandler done;
  };
  using Op = std::variant<AppendOp, LeaseOp, AckOp>;

  void run();  // the writer thread
  void commit_batch(std::vector<Op>& batch);

  const std::size_t max_batch_;
  const std::size_t max_pending_;

  Store store_;  // touched only by the writer thread (and the constructor before it starts)
  std::atomic<std::int64_t> page_limit_{0};  // knob requested by set_max_page_count()
  std::int64_t applied_page_limit_ = 0;      // writer thread only

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Op> queue_;   // guarded by queue_mu_
  bool stopping_ = false;  // guarded by queue_mu_

  mutable std::mutex stats_mu_;
  std::map<std::string, std::int64_t> queued_;  // guarded by stats_mu_
  std::int64_t commits_ = 0;                    // guarded by stats_mu_
  std::int64_t appended_ = 0;                   // guarded by stats_mu_

  std::mutex join_mu_;  // serialises shutdown() callers around join()
  std::thread writer_;  // started last in the constructor
};

}  // namespace accord::spool::detail
