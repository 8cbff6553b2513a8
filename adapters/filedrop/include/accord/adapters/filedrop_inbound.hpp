// The inbound file-drop adapter. A directory is polled (every poll_ms: portable, and an
// extract that arrives a second later costs nothing) for complete files: names ending in
// .csv (format csv) or .jsonl (format jsonl) that are not dotfiles; producers write
// `name.tmp` and rename. Each file is:
//   1. claimed by rename into <dir>/processing/ (a file gone by then was taken by someone
//      else and is skipped silently);
//   2. read and checked whole: an unreadable file, a malformed CSV header or a mapped column
//      the header lacks refuses the whole file (zero rows submitted);
//   3. submitted row by row as the configured agency, at most max_in_flight at once; a
//      retryable refusal (storage_unavailable, ...) is retried with backoff, never dropped,
//      and holds back the rows after it;
//   4. reported: <name>.report.jsonl is written to done/ (every row accepted or duplicate)
//      or failed/ (any row refused, or the whole file), then the file is moved next to it.
// A file found in processing/ (a crash or stop mid-file) is processed again from the start
// before new files: rows already accepted come back as duplicate (dedup by sender + id).
//
// Threading: polling, file I/O and waiting for replies run on one thread of the adapter's
// own, never on the io_context. poll_once() is public so tests can drive it without start().
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accord/adapters/filedrop.hpp"

namespace accord::adapters {

class FiledropInbound final : public InboundAdapter {
 public:
  // `submitter` and `env` (which writes the reports) must outlive the adapter.
  FiledropInbound(FiledropInboundSettings settings, std::string agency, Submitter& submitter,
                  env::Env& env = env::system_env());
  ~FiledropInbound() override;

  std::string_view kind() const override { return "filedrop"; }
  // Checks the directory, creates processing/, done/ and failed/, starts the poll thread.
  // Errors: io (directory missing or not writable).
  Status start() override;
  // The directory exists (start() refuses otherwise); creates nothing.
  Status check() const override;
  void stop() override;
  // Deletes every extract in done/ and failed/ whose processing ended keep_extracts or more
  // before now_ms (add_duration_ms(end, keep) <= now_ms), the extract before its report. The
  // end of processing is the report's modification time (it is written last but for the
  // rename, which keeps the extract's own time: the producer's); a file without a report is
  // judged by its own. Errors: io (a directory cannot be listed); a file that cannot be
  // removed is logged and left for the next purge.
  Result<std::int64_t> purge(std::int64_t now_ms) override;

  enum class Take {
    skipped,      // not there any more (claimed by someone else)
    done,         // moved to done/
    failed,       // moved to failed/
    interrupted,  // stop() came first; the file stays in processing/
  };
  // Claims <dir>/<name> and processes it.
  Take take(const std::string& name);
  // Processes leftovers in processing/, then every complete file in the directory, in name
  // order. Requires the subdirectories (start() or prepare()).
  void poll_once();
  Status prepare();

 private:
  struct Item;
  Take process(const std::string& name);
  Take finish(const std::string& name, const std::vector<std::string>& report, bool ok);
  bool run_items(std::vector<Item>& items, std::vector<std::string>& report);
  bool stopping() const;

  FiledropInboundSettings settings_;
  std::string agency_;
  Submitter& submitter_;
  env::Env& env_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::size_t outstanding_ = 0;
  std::thread thread_;
};

}  // namespace accord::adapters
