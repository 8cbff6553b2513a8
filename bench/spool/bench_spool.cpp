// Append throughput of the embedded spool against the number of appends in flight, with
// synchronous=FULL on the real disk (every commit fsyncs). items/s is durable submissions
// per second; commits/s shows how many fsyncs group commit needed for them.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

#include "accord/spool/sqlite_spool.hpp"

namespace {

using namespace accord::spool;

void BM_AppendInFlight(benchmark::State& state) {
  const int window = static_cast<int>(state.range(0));
  std::string dir = "/tmp/accord-bench-spool-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  SqliteSpoolOptions options;
  options.path = dir + "/spool.db";
  auto opened = open_sqlite_spool(options);
  if (!opened.ok()) {
    state.SkipWithError(opened.error().message.c_str());
    return;
  }
  auto spool = std::move(opened).value();
  const std::string payload(1024, 'p');

  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;  // guarded by mu
  int failed = 0;     // guarded by mu
  std::int64_t n = 0;
  const auto commits_before = spool->stats().commits;
  for (auto _ : state) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < window; });
      ++in_flight;
    }
    Submission s;
    s.sender = "police";
    s.message_id = "m" + std::to_string(n++);
    s.content_hash = "h";
    s.event_type = "hearing.scheduled";
    s.case_urn = "urn:accord:case:police:1";
    s.copies.push_back({"cps", payload});
    // The decision record the pipeline composes per copy, so the audit cost is measured too.
    accord::audit::Event decided;
    decided.kind = accord::audit::kind::kDecisionAccepted;
    decided.sender = s.sender;
    decided.recipient = "cps";
    decided.message_id = s.message_id;
    decided.case_urn = s.case_urn;
    s.records.push_back({std::move(decided), 0});
    spool->append(std::move(s), [&](accord::Result<AppendResult> r) {
      std::lock_guard lock(mu);
      --in_flight;
      if (!r.ok()) ++failed;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  const auto commits = spool->stats().commits - commits_before;
  state.SetItemsProcessed(state.iterations());
  state.counters["commits/s"] =
      benchmark::Counter(static_cast<double>(commits), benchmark::Counter::kIsRate);
  state.counters["items/commit"] =
      static_cast<double>(state.iterations()) / static_cast<double>(commits > 0 ? commits : 1);
  if (failed > 0) state.SkipWithError("appends failed");
  spool.reset();
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_AppendInFlight)->Arg(1)->Arg(8)->Arg(64)->Arg(256)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
