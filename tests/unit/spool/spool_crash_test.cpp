// kill -9 in the middle of appending: every submission the spool acknowledged survives with
// all its copies, and no submission is ever half there.
//
// A child process opens the spool and appends from several threads as fast as it can;
// each handler that reports success writes the message id to a pipe (after the commit,
// exactly when the gateway would answer 202). The parent SIGKILLs it at a random moment,
// then reopens the store and checks. The parent holds no spool while a child runs, and the
// child forks before it creates any thread. On each backend: a SQLite file, or a PostgreSQL
// database on a primary with a synchronous standby (a gateway process killed mid-commit).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <semaphore>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

const std::vector<std::string> kRecipients = {"cps", "wcu", "court"};

[[noreturn]] void child_main(SpoolBackend& backend, int fd, int iteration) {
  auto spool = backend.open();
  if (spool == nullptr) _exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&spool, fd, iteration, t] {
      std::counting_semaphore<64> window(64);  // appends in flight per thread
      for (long n = 0;; ++n) {
        window.acquire();
        std::string id =
            "i" + std::to_string(iteration) + "-t" + std::to_string(t) + "-" + std::to_string(n);
        Submission s = make_submission(id, kRecipients);
        for (auto& c : s.copies) c.payload.append(300, 'x');
        spool->append(std::move(s), [fd, id, &window](Result<AppendResult> r) {
          if (r.ok() && r->outcome == AppendOutcome::stored) {
            const std::string line = id + "\n";  // < PIPE_BUF: one atomic write
            if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
          }
          window.release();
        });
      }
    });
  }
  // Never reached in practice: the parent kills us. Bounded anyway.
  std::this_thread::sleep_for(std::chrono::seconds(60));
  _exit(0);
}

struct DbContents {
  std::map<std::string, std::int64_t> recipients_claimed;  // message id -> json length
  std::map<std::string, std::set<std::string>> copies;     // message id -> recipients
};

// Rows of SpoolBackend::inspect(), each split at '|'.
std::vector<std::vector<std::string>> rows_of(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> row;
    for (std::size_t from = start;;) {
      const auto bar = text.find('|', from);
      if (bar == std::string::npos || bar >= end) {
        row.push_back(text.substr(from, end - from));
        break;
      }
      row.push_back(text.substr(from, bar - from));
      from = bar + 1;
    }
    out.push_back(std::move(row));
    start = end + 1;
  }
  return out;
}

DbContents read_contents(SpoolBackend& backend) {
  DbContents out;
  for (const auto& row :
       rows_of(backend.inspect("SELECT message_id, recipients FROM submissions"))) {
    out.recipients_claimed[row.at(0)] =
        static_cast<std::int64_t>(nlohmann::json::parse(row.at(1)).size());
  }
  for (const auto& row : rows_of(backend.inspect("SELECT message_id, recipient FROM copies"))) {
    out.copies[row.at(0)].insert(row.at(1));
  }
  return out;
}

using SpoolCrash = BackendTest;

TEST_P(SpoolCrash, KillNineNeverLosesAnAcknowledgedAppend) {
  constexpr int kIterations = 24;
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(30, 400);

  std::set<std::string> acknowledged;
  for (int it = 0; it < kIterations; ++it) {
    SCOPED_TRACE("iteration " + std::to_string(it));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child_main(*backend, fds[1], it);
    }
    close(fds[1]);

    // Read ids while the child runs, then kill it at a random moment after its first
    // acknowledged append (however loaded the machine, every kill lands mid-stream).
    std::string buffer;
    char chunk[65536];
    const auto first_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (buffer.find('\n') == std::string::npos &&
           std::chrono::steady_clock::now() < first_deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        const ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n <= 0) break;  // the child died on its own: the exit status below says why
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
    }
    ASSERT_NE(buffer.find('\n'), std::string::npos) << "the child acknowledged nothing in 60 s";
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(rng));
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          kill_at - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) > 0) {
        const ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n <= 0) break;  // the child died on its own: the exit status below says why
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
    }
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited by itself, status " << status;
    for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;) {
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    for (std::size_t start = 0, end; (end = buffer.find('\n', start)) != std::string::npos;
         start = end + 1) {
      acknowledged.insert(buffer.substr(start, end - start));
    }

    // Recovery: the spool opens (integrity check included) and sees the same counts.
    {
      auto reopened = open();
      ASSERT_NE(reopened, nullptr);
    }
    const DbContents db = read_contents(*backend);
    for (const auto& id : acknowledged) {
      auto it_sub = db.recipients_claimed.find(id);
      ASSERT_NE(it_sub, db.recipients_claimed.end()) << "acknowledged " << id << " lost";
      auto it_copies = db.copies.find(id);
      ASSERT_NE(it_copies, db.copies.end()) << id << " has no copies";
      EXPECT_EQ(it_copies->second.size(), kRecipients.size()) << id;
    }
    for (const auto& [id, claimed] : db.recipients_claimed) {
      auto c = db.copies.find(id);
      const std::size_t have = c == db.copies.end() ? 0 : c->second.size();
      ASSERT_EQ(have, static_cast<std::size_t>(claimed)) << "half-submission " << id;
    }
    for (const auto& [id, recipients] : db.copies) {
      ASSERT_TRUE(db.recipients_claimed.count(id)) << "copies without submission " << id;
    }
    if (HasFatalFailure()) return;
  }
  // The test must have exercised something: every kill landed after appends were
  // acknowledged (waited for above), so at least one per round; no throughput is assumed.
  EXPECT_GE(acknowledged.size(), static_cast<std::size_t>(kIterations));
  std::printf("%zu acknowledged submissions survived %d kill -9s\n", acknowledged.size(),
              kIterations);
}

ACCORD_SPOOL_BACKENDS(SpoolCrash);

}  // namespace
}  // namespace accord::spool
