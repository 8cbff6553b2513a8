// Fills an embedded spool with N copies the way the gateway stores them (submissions of one
// sender to several recipients, a delivered document of realistic size per copy, one
// decision.accepted audit record per copy, hash-chained by the spool), then leases and acks
// the oldest --acked-fraction of each recipient's copies through the spool (delivery.*
// records included), so the file holds acked and queued copies mixed and an audit log that
// matches them: the gateway opens it as its own (bench/e2e/p99.sh). Reports fill and ack
// rates, peak and current RSS, the database size, and how long a reopen plus the first lease
// take: the figures behind "bounded memory with millions queued".
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

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

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// splitmix64: spreads submissions over cases and subjects like the bench generator does.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string hex(std::uint64_t v, int digits) {
  static const char* k = "0123456789abcdef";
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = k[v & 15];
  return s;
}

// A stand-in for a signed delivered document: JSON-shaped, incompressible hex filler, so
// every copy costs the pages a real one does.
std::string document(std::uint64_t h, std::size_t bytes) {
  std::string d = "{\"accord\":\"delivery-1\",\"body\":\"";
  while (d.size() + 2 < bytes) d += hex(h = mix(h), 16);
  d.resize(bytes > 2 ? bytes - 2 : 0);
  return d + "\"}";
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// At most `limit` spool operations in flight; wait() until all have answered.
class InFlight {
 public:
  explicit InFlight(int limit) : limit_(limit) {}
  void enter() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < limit_; });
    ++in_flight_;
  }
  void leave(bool ok) {
    std::lock_guard lock(mu_);
    --in_flight_;
    if (!ok) ++failures_;
    cv_.notify_all();
  }
  std::int64_t wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    return failures_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int limit_;
  int in_flight_ = 0;          // guarded by mu_
  std::int64_t failures_ = 0;  // guarded by mu_
};

// Leases and acks the oldest `count` pending copies of `recipient`, 1,000 per lease.
std::int64_t ack_oldest(Spool& spool, const std::string& recipient, std::int64_t count,
                        InFlight& acks) {
  std::int64_t acked = 0;
  while (acked < count) {
    std::promise<std::vector<std::int64_t>> leased;
    const auto now = wall_ms();
    const auto batch = static_cast<std::size_t>(std::min<std::int64_t>(1000, count - acked));
    spool.lease(LeaseRequest{recipient, batch, 600'000, now},
                [&](accord::Result<std::vector<Delivery>> r) {
                  std::vector<std::int64_t> ids;
                  if (r.ok()) {
                    for (const auto& d : *r) ids.push_back(d.delivery_id);
                  }
                  leased.set_value(std::move(ids));
                });
    const auto ids = leased.get_future().get();
    if (ids.empty()) break;
    for (const auto id : ids) {
      acks.enter();
      AckRequest ack;
      ack.recipient = recipient;
      ack.delivery_id = id;
      ack.now_ms = now;
      spool.ack(std::move(ack), [&](accord::Result<AckOutcome> r) { acks.leave(r.ok()); });
    }
    acked += static_cast<std::int64_t>(ids.size());
  }
  return acked;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fill an embedded spool the way the gateway does and measure it"};
  std::int64_t count = 1'000'000;
  std::string dir;
  bool keep = false;
  std::string sender = "police.met";
  std::string recipient_list = "cps.london,wcu.met";
  std::size_t copy_bytes = 1536;
  double acked_fraction = 0.5;
  bool durable = false;
  bool measure_reopen = true;
  app.add_option("-n,--count", count, "copies to fill (a multiple of the recipients)")
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--dir", dir, "directory for the database (default: a new one under /tmp)");
  app.add_flag("--keep", keep, "keep the database afterwards");
  app.add_option("--sender", sender, "the submitting agency");
  app.add_option("--recipients", recipient_list, "comma-separated recipient agencies");
  app.add_option("--copy-bytes", copy_bytes, "bytes of each stored copy (a signed document)")
      ->check(CLI::Range(64, 1 << 20));
  app.add_option("--acked-fraction", acked_fraction,
                 "share of each recipient's copies (the oldest) leased and acked after the fill")
      ->check(CLI::Range(0.0, 1.0));
  // The fill is a fixture: without --durable its commits skip the fsync (synchronous=NORMAL);
  // the spool's content and format are the same, and the gateway reopens it with FULL.
  app.add_flag("--durable", durable, "fsync every commit as the gateway does (slower)");
  app.add_flag("!--no-reopen", measure_reopen, "skip the reopen and first-lease measurement");
  CLI11_PARSE(app, argc, argv);
  const auto recipients = split(recipient_list);
  if (recipients.empty()) {
    std::fprintf(stderr, "--recipients: name at least one agency\n");
    return 64;
  }

  if (dir.empty()) {
    std::string tmpl = "/tmp/accord-spool-fill-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  SqliteSpoolOptions options;
  options.path = dir + "/spool.db";
  options.synchronous_full = durable;
  const auto fanout = static_cast<std::int64_t>(recipients.size());
  const std::int64_t submissions = count / fanout;

  auto opened = open_sqlite_spool(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto spool = std::move(opened).value();
  // Received one per millisecond up to now, so every copy is in the gateway's past.
  const std::int64_t first_ms = wall_ms() - submissions;
  InFlight appends(4096);
  const auto fill_start = Clock::now();
  for (std::int64_t i = 0; i < submissions; ++i) {
    const std::uint64_t h = mix(static_cast<std::uint64_t>(i));
    Submission s;
    s.sender = sender;
    s.message_id = "fill-" + std::to_string(i);
    s.content_hash = hex(h, 16) + hex(mix(h), 16) + hex(mix(h + 1), 16) + hex(mix(h + 2), 16);
    s.event_type = "suspect.arrested";
    s.case_urn = "01MP" + std::to_string(1'000'000 + h % 9'000'000);
    s.subject_ref = "V-" + hex(h >> 16, 8);
    s.received_at_ms = first_ms + i;
    for (const auto& r : recipients) {
      // The decision record the pipeline composes per copy.
      accord::audit::Event decided;
      decided.kind = accord::audit::kind::kDecisionAccepted;
      decided.at_ms = s.received_at_ms;
      decided.sender = s.sender;
      decided.recipient = r;
      decided.message_id = s.message_id;
      decided.event_type = s.event_type;
      decided.case_urn = s.case_urn;
      decided.subject_ref = s.subject_ref;
      decided.content_hash = s.content_hash;
      s.records.push_back({std::move(decided), s.copies.size()});
      s.copies.push_back({r, document(h ^ std::hash<std::string>{}(r), copy_bytes)});
    }
    appends.enter();
    spool->append(std::move(s), [&](accord::Result<AppendResult> r) { appends.leave(r.ok()); });
  }
  std::int64_t failures = appends.wait();
  const double fill_s = seconds_since(fill_start);

  InFlight acks(4096);
  std::int64_t acked = 0;
  const auto ack_start = Clock::now();
  const auto per_recipient =
      static_cast<std::int64_t>(static_cast<double>(submissions) * acked_fraction);
  for (const auto& r : recipients) acked += ack_oldest(*spool, r, per_recipient, acks);
  failures += acks.wait();
  const double ack_s = seconds_since(ack_start);
  const auto stats = spool->stats();
  const std::int64_t rss_filled = status_kib("VmRSS:");
  spool.reset();

  std::printf("copies            %lld (%lld submissions x %lld recipients, %zu bytes each)\n",
              static_cast<long long>(submissions * fanout), static_cast<long long>(submissions),
              static_cast<long long>(fanout), copy_bytes);
  std::printf("failures          %lld\n", static_cast<long long>(failures));
  std::printf("fill time         %.1f s (%.0f copies/s, %s)\n", fill_s,
              static_cast<double>(submissions * fanout) / fill_s,
              durable ? "synchronous=FULL" : "synchronous=NORMAL");
  std::printf("ack time          %.1f s (%lld copies acked, %.0f/s; %lld commits in all)\n", ack_s,
              static_cast<long long>(acked), ack_s > 0 ? static_cast<double>(acked) / ack_s : 0.0,
              static_cast<long long>(stats.commits));
  std::printf("rss after fill    %.1f MiB (peak %.1f MiB)\n", rss_filled / 1024.0,
              status_kib("VmHWM:") / 1024.0);
  std::printf("db size           %.1f MiB (+ wal %.1f MiB)\n",
              static_cast<double>(file_size(options.path)) / (1 << 20),
              static_cast<double>(file_size(options.path + "-wal")) / (1 << 20));
  if (measure_reopen) {
    const auto reopen_start = Clock::now();
    auto again = open_sqlite_spool(options);
    if (!again.ok()) {
      std::fprintf(stderr, "reopen: %s\n", again.error().message.c_str());
      return 1;
    }
    const double reopen_s = seconds_since(reopen_start);
    std::promise<std::size_t> leased;
    (*again)->lease(
        LeaseRequest{recipients[0], 100, 30'000, 1},
        [&](accord::Result<std::vector<Delivery>> r) { leased.set_value(r.ok() ? r->size() : 0); });
    const std::size_t first_lease = leased.get_future().get();
    const double reopen_lease_s = seconds_since(reopen_start);
    auto queued_after = (*again)->stats().queued_by_recipient;
    const std::int64_t rss_reopened = status_kib("VmRSS:");
    // The lease ran at now_ms 1: it has long expired for any real clock, so the copies are
    // leasable again at once.
    again->reset();
    std::printf("reopen            %.3f s (integrity check + queued counts)\n", reopen_s);
    std::printf("reopen+1st lease  %.3f s (%zu copies leased)\n", reopen_lease_s, first_lease);
    std::printf("queued %-10s %lld\n", recipients[0].c_str(),
                static_cast<long long>(queued_after[recipients[0]]));
    std::printf("rss after reopen  %.1f MiB\n", rss_reopened / 1024.0);
  }
  if (!keep) std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
