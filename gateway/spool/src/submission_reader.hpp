// The dedup probe's side of the spool: read-only connections that look up a stored
// submission (and the subject-state ledger) on the caller's thread, beside (never through) the
// single writer. WAL lets them read the last committed state while the writer commits.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/spool/spool.hpp"
#include "sqlite_handle.hpp"

namespace accord::spool::detail {

// Thread-safe. One connection per concurrent caller at most: opened on first need, kept
// idle for the next caller (so the pool is as large as the peak number of probing threads).
class SubmissionReader {
 public:
  explicit SubmissionReader(std::string path) : path_(std::move(path)) {}

  Result<std::optional<PriorSubmission>> find(const std::string& sender,
                                              const std::string& message_id) const;
  Result<std::vector<SubjectStateRow>> subject_state(const std::string& subject_ref) const;
  // Spool::queue_health (prepared per call: an operator's read, not a hot path).
  Result<std::map<std::string, QueueHealth>> queue_health(std::int64_t now_ms) const;
  // Spool::copy_facts, Spool::message_status, Spool::pending_status_notices (prepared per call).
  Result<std::optional<CopyFacts>> copy_facts(const std::string& recipient,
                                              std::int64_t delivery_id) const;
  Result<std::optional<MessageStatus>> message_status(const std::string& sender,
                                                      const std::string& message_id,
                                                      std::int64_t now_ms) const;
  Result<std::vector<StatusNotice>> pending_status_notices(std::size_t limit) const;

 private:
  struct Reader {
    Connection db;  // declared first: outlives the statement that uses it
    Statement find;
    Statement subject_state;
  };
  Result<std::unique_ptr<Reader>> take() const;
  void give_back(std::unique_ptr<Reader> reader) const;

  const std::string path_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Reader>> idle_;  // guarded by mu_
};

}  // namespace accord::spool::detail
