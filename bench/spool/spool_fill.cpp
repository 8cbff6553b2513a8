// Fills an embedded spool with N copies of 1 KiB for 5 recipients (N/5 submissions of 5
// copies), then reports peak and current RSS, the database size, and how long a reopen
// plus the first lease take: the figures behind "bounded memory with millions queued".
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>

#include "accord/spool/sqlite_spool.hpp"

namespace {

using namespace accord::spool;
using Clock = std::chrono::steady_clock;

std::int64_t status_kib(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string k;
  while (status >> k) {
    if (k == key) {
      std::int64_t v = 0;
      status >> v;
      return v;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::int64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fill an embedded spool and measure memory, size and reopen time"};
  std::int64_t count = 1'000'000;
  std::string dir;
  bool keep = false;
  app.add_option("-n,--count", count, "copies to fill (multiple of 5)")->check(CLI::PositiveNumber);
  app.add_option("-d,--dir", dir, "directory for the database (default: a new one under /tmp)");
  app.add_flag("--keep", keep, "keep the database afterwards");
  CLI11_PARSE(app, argc, argv);

  if (dir.empty()) {
    std::string tmpl = "/tmp/accord-spool-fill-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  SqliteSpoolOptions options;
  options.path = dir + "/spool.db";
  const std::string recipients[5] = {"cps", "wcu", "court", "probation", "victim-service"};
  const std::string payload(1024, 'p');
  const std::int64_t submissions = count / 5;

  auto opened = open_sqlite_spool(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto spool = std::move(opened).value();
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;          // guarded by mu
  std::int64_t failures = 0;  // guarded by mu
  const auto fill_start = Clock::now();
  for (std::int64_t i = 0; i < submissions; ++i) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < 4096; });
      ++in_flight;
    }
    Submission s;
    s.sender = "police";
    s.message_id = "fill-" + std::to_string(i);
    s.content_hash = "h";
    s.event_type = "hearing.scheduled";
    s.case_urn = "urn:accord:case:police:" + std::to_string(i % 1000);
    s.received_at_ms = i;
    for (const auto& r : recipients) {
      // The decision record the pipeline composes per copy.
      accord::audit::Event decided;
      decided.kind = accord::audit::kind::kDecisionAccepted;
      decided.sender = s.sender;
      decided.recipient = r;
      decided.message_id = s.message_id;
      decided.case_urn = s.case_urn;
      s.records.push_back({std::move(decided), s.copies.size()});
      s.copies.push_back({r, payload});
    }
    spool->append(std::move(s), [&](accord::Result<AppendResult> r) {
      std::lock_guard lock(mu);
      --in_flight;
      if (!r.ok()) ++failures;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  const double fill_s = seconds_since(fill_start);
  const auto stats = spool->stats();
  const std::int64_t rss_filled = status_kib("VmRSS:");
  spool.reset();

  const auto reopen_start = Clock::now();
  auto again = open_sqlite_spool(options);
  if (!again.ok()) {
    std::fprintf(stderr, "reopen: %s\n", again.error().message.c_str());
    return 1;
  }
  const double reopen_s = seconds_since(reopen_start);
  std::promise<std::size_t> leased;
  (*again)->lease(
      LeaseRequest{"cps", 100, 30'000, 1},
      [&](accord::Result<std::vector<Delivery>> r) { leased.set_value(r.ok() ? r->size() : 0); });
  const std::size_t first_lease = leased.get_future().get();
  const double reopen_lease_s = seconds_since(reopen_start);
  auto queued_after = (*again)->stats().queued_by_recipient;
  const std::int64_t rss_reopened = status_kib("VmRSS:");
  again->reset();

  std::printf("copies            %lld (%lld submissions x 5 recipients, 1 KiB each)\n",
              static_cast<long long>(submissions * 5), static_cast<long long>(submissions));
  std::printf("failures          %lld\n", static_cast<long long>(failures));
  std::printf("fill time         %.1f s (%.0f copies/s, %lld commits)\n", fill_s,
              static_cast<double>(submissions * 5) / fill_s, static_cast<long long>(stats.commits));
  std::printf("rss after fill    %.1f MiB (peak %.1f MiB)\n", rss_filled / 1024.0,
              status_kib("VmHWM:") / 1024.0);
  std::printf("db size           %.1f MiB (+ wal %.1f MiB)\n",
              static_cast<double>(file_size(options.path)) / (1 << 20),
              static_cast<double>(file_size(options.path + "-wal")) / (1 << 20));
  std::printf("reopen            %.3f s (integrity check + queued counts)\n", reopen_s);
  std::printf("reopen+1st lease  %.3f s (%zu copies leased)\n", reopen_lease_s, first_lease);
  std::printf("queued cps        %lld\n", static_cast<long long>(queued_after["cps"]));
  std::printf("rss after reopen  %.1f MiB\n", rss_reopened / 1024.0);
  if (!keep) std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
