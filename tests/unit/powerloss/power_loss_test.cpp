// The power-loss test (docs/storage.md, "What a crash can and cannot lose"): the SQLite spool
// runs on the fault VFS (tests/support fault_vfs.hpp) and its manifest on a FaultInjectionEnv;
// threads append submissions with copies, lease, ack and record audit events; the power is
// cut at a seeded random write; everything not fsync'd is dropped; the spool is reopened
// with the default VFS and the real files. Checked: every copy whose append was answered
// `stored` is there (leasable, or acked when its ack was answered `acked`), the dedup row
// survives, the audit chain verifies, and the open is NOT refused as a gap (the database is
// ahead of its manifest after a cut, which docs/storage.md calls normal).
//
// ACCORD_POWER_LOSS_CUTS=<n> sets the number of cuts, ACCORD_POWER_LOSS_SEED=<s> the first
// seed (cut i uses s + i); the target power_loss_campaign runs many more cuts.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "accord/crypto/signature.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/env/fault_injection_env.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/fault_vfs.hpp"
#include "accord/testing/temp_dir.hpp"
#include "spool_calls.hpp"

#ifndef ACCORD_POWER_LOSS_DEFAULT_CUTS
#define ACCORD_POWER_LOSS_DEFAULT_CUTS 12
#endif

namespace accord::spool {
namespace {

using accord::testing::FaultVfs;

const std::vector<std::string> kRecipients = {"cps", "wcu.met", "provider.lvws"};
constexpr int kAppenders = 3;
constexpr int kAppendsPerThread = 40;
// Tracked-file writes a whole workload makes (measured: ~1,600-1,800). Cuts land uniformly in
// [1, kWritesSpan]; a cut past the workload's end cuts at quiescence, also a case worth having.
constexpr std::int64_t kWritesSpan = 1'800;

std::int64_t env_number(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : fallback;
}

// What the spool answered before the lights went out; all of it must survive.
struct Acknowledged {
  std::mutex mu;
  std::map<std::string, Submission> stored;  // message id → the submission answered `stored`
  std::map<std::pair<std::string, std::string>, std::int64_t> leased;  // (recipient, id) → copy
  std::set<std::int64_t> acked;  // delivery ids answered `acked`
  int unexpected = 0;            // errors before the cut (there must be none)
  std::string first_unexpected;
};

Submission submission(int thread, int i, std::mt19937_64& rng) {
  Submission s;
  s.sender = "police." + std::to_string(thread);
  s.message_id = "m-" + std::to_string(thread) + "-" + std::to_string(i);
  s.content_hash = "hash-" + s.message_id;
  s.event_type = "hearing.scheduled";
  s.case_urn = "urn:accord:case:" + s.message_id;
  s.subject_ref = "S-" + s.message_id;
  s.received_at_ms = 1'767'225'600'000 + i;
  const std::size_t copies = 1 + rng() % kRecipients.size();
  for (std::size_t c = 0; c < copies; ++c) {
    Copy copy;
    copy.recipient = kRecipients[c];
    // Sizes that spill across pages, so a commit is many WAL writes.
    copy.payload = s.message_id + "/" + copy.recipient + ":" + std::string(200 + rng() % 3000, 'x');
    // A decision record per copy carrying its delivery id, as the pipeline composes them.
    audit::Event decided;
    decided.kind = audit::kind::kDecisionAccepted;
    decided.at_ms = s.received_at_ms;
    decided.message_id = s.message_id;
    decided.sender = s.sender;
    decided.recipient = copy.recipient;
    decided.agreement = "isa-" + copy.recipient + "@1";
    decided.event_type = s.event_type;
    decided.case_urn = s.case_urn;
    s.records.push_back({std::move(decided), s.copies.size()});
    s.copies.push_back(std::move(copy));
  }
  return s;
}

struct Cut {
  std::uint64_t seed;
  env::FakeEnv clock;
  env::FaultInjectionEnv files{clock};
  accord::testing::TempDir dir{"accord-powerloss-"};
  std::optional<crypto::GatewaySigner> signer;

  explicit Cut(std::uint64_t s) : seed(s) {
    auto loaded = crypto::GatewaySigner::load_or_create(dir.file("signing.key"), 1);
    if (!loaded.ok()) std::abort();
    signer.emplace(std::move(loaded).value());
  }

  SqliteSpoolOptions options(bool on_fault_vfs) {
    SqliteSpoolOptions o;
    o.path = dir.file("spool.db");
    o.audit.sign = [this](std::string_view bytes) { return signer->sign(bytes); };
    o.audit.now_ms = [this] { return clock.now_ms(); };
    o.audit.checkpoint_every_records = 40;  // checkpoints, so manifest writes, all the way
    o.audit.checkpoint_every_ms = 3'600'000;
    if (on_fault_vfs) {
      o.vfs = FaultVfs::kName;
      o.env = &files;
    }
    return o;
  }
};

void run_workload(Spool& spool, Cut& cut, Acknowledged& ack) {
  FaultVfs& vfs = FaultVfs::get();
  auto unexpected = [&](const std::string& what) {
    if (vfs.power_is_cut()) return;  // after the cut, failing is the point
    std::lock_guard lock(ack.mu);
    if (ack.unexpected++ == 0) ack.first_unexpected = what;
  };
  std::atomic<int> appenders_left{kAppenders};
  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(cut.seed * 31 + static_cast<std::uint64_t>(t));
      for (int i = 0; i < kAppendsPerThread && !vfs.power_is_cut(); ++i) {
        Submission s = submission(t, i, rng);
        auto r = calls::append(spool, s);
        if (!r.ok()) {
          unexpected("append: " + r.error().code + " " + r.error().message);
          break;
        }
        if (r->outcome != AppendOutcome::stored) {
          unexpected("append answered other than stored");
          continue;
        }
        std::lock_guard lock(ack.mu);
        ack.stored.emplace(s.message_id, std::move(s));
      }
      --appenders_left;
    });
  }
  threads.emplace_back([&] {
    std::mt19937_64 rng(cut.seed * 31 + 97);
    for (int round = 0; appenders_left > 0 && !vfs.power_is_cut(); ++round) {
      const std::string& recipient = kRecipients[round % kRecipients.size()];
      auto leased = calls::lease(spool, LeaseRequest{recipient, 4, 600'000, cut.clock.now_ms()});
      if (!leased.ok()) {
        unexpected("lease: " + leased.error().message);
        break;
      }
      for (const Delivery& d : *leased) {
        {
          std::lock_guard lock(ack.mu);
          ack.leased[{recipient, d.message_id}] = d.delivery_id;
        }
        if (rng() % 2 == 0) continue;  // this one stays leased
        auto acked = calls::ack(spool, AckRequest{recipient, d.delivery_id, cut.clock.now_ms()});
        if (!acked.ok()) {
          unexpected("ack: " + acked.error().message);
          break;
        }
        if (*acked != AckOutcome::acked) unexpected("ack answered other than acked");
        std::lock_guard lock(ack.mu);
        ack.acked.insert(d.delivery_id);
      }
      if (round % 5 == 0) {
        audit::Event e;
        e.kind = audit::kind::kAdminAction;
        e.at_ms = cut.clock.now_ms();
        e.reason = "power-loss workload round " + std::to_string(round);
        if (auto s = calls::record(spool, {e}); !s.ok()) unexpected("record: " + s.error().message);
      }
      cut.clock.advance_ms(1);
    }
  });
  for (auto& thread : threads) thread.join();
}

// One cut: run, cut, drop, reopen, check. Returns a one-line summary for the log.
std::string one_cut(std::uint64_t seed) {
  SCOPED_TRACE("power-loss seed " + std::to_string(seed) + " (rerun: ACCORD_POWER_LOSS_SEED=" +
               std::to_string(seed) + " ACCORD_POWER_LOSS_CUTS=1)");
  Cut cut(seed);
  FaultVfs& vfs = FaultVfs::get();
  vfs.reset();
  // The manifest loses power at the same instant as the database.
  vfs.on_power_cut([&cut] { cut.files.cut_power(); });
  std::mt19937_64 rng(seed);
  const std::int64_t cut_at = 1 + static_cast<std::int64_t>(rng() % kWritesSpan);

  Acknowledged ack;
  {
    auto opened = open_sqlite_spool(cut.options(/*on_fault_vfs=*/true));
    if (!opened.ok()) {
      ADD_FAILURE() << "open on the fault VFS: " << opened.error().message;
      return {};
    }
    vfs.cut_power_at_write(cut_at);
    run_workload(**opened, cut, ack);
    vfs.cut_power();  // the workload ended first: cut at quiescence
    // Abandoned: its shutdown's seal and manifest write fail like everything after the cut.
  }
  vfs.on_power_cut(nullptr);  // `cut` dies with this function
  const std::int64_t writes = vfs.writes();
  auto reverted = vfs.revert_unsynced();
  EXPECT_TRUE(reverted.ok()) << (reverted.ok() ? "" : reverted.error().message);
  auto dropped = cut.files.drop_unsynced();
  EXPECT_TRUE(dropped.ok()) << (dropped.ok() ? "" : dropped.error().message);
  EXPECT_EQ(ack.unexpected, 0) << "errors before the cut, first: " << ack.first_unexpected;

  // Back on the real files and the default VFS. A cut loses only what was never answered,
  // so the manifest (written after the commits it describes) is level or behind: no gap.
  const SqliteSpoolOptions after = cut.options(/*on_fault_vfs=*/false);
  const Status checked = check_sqlite_spool(after);
  EXPECT_TRUE(checked.ok()) << "check after the cut: " << checked.error().code << " "
                            << checked.error().message;
  auto reopened = open_sqlite_spool(after);
  if (!reopened.ok()) {
    ADD_FAILURE() << "reopen after the cut refused: " << reopened.error().code << " "
                  << reopened.error().message;
    return {};
  }
  Spool& spool = **reopened;

  // Everything leasable now, far past every lease.
  const std::int64_t later = cut.clock.now_ms() + 3'600'000;
  std::map<std::pair<std::string, std::string>, std::int64_t> leasable;
  for (const auto& recipient : kRecipients) {
    auto all = calls::lease(spool, LeaseRequest{recipient, 1'000'000, 1, later});
    EXPECT_TRUE(all.ok());
    if (!all.ok()) continue;
    for (const auto& d : *all) leasable[{recipient, d.message_id}] = d.delivery_id;
  }
  int lost = 0;
  for (const auto& [id, s] : ack.stored) {
    for (const auto& copy : s.copies) {
      const std::pair<std::string, std::string> key{copy.recipient, id};
      const auto was_leased = ack.leased.find(key);
      const bool ack_answered =
          was_leased != ack.leased.end() && ack.acked.contains(was_leased->second);
      if (leasable.contains(key)) {
        EXPECT_FALSE(ack_answered)
            << id << " to " << copy.recipient << ": acked before the cut, leasable after it";
        continue;
      }
      // Not leasable: only an ack that reached the disk explains that.
      bool durable_ack = false;
      if (was_leased != ack.leased.end()) {
        auto again = calls::ack(spool, AckRequest{copy.recipient, was_leased->second, later});
        durable_ack = again.ok() && *again == AckOutcome::already_acked;
      }
      if (!durable_ack) {
        ++lost;
        ADD_FAILURE() << "copy of " << id << " to " << copy.recipient
                      << " was answered `stored` before the cut and is gone";
      }
    }
    auto dedup = calls::append(spool, s);
    EXPECT_TRUE(dedup.ok() && dedup->outcome == AppendOutcome::duplicate)
        << id << ": the dedup row of an acknowledged append is gone";
  }
  for (const auto& [key, delivery_id] : ack.leased) {
    if (!ack.acked.contains(delivery_id)) continue;
    auto again = calls::ack(spool, AckRequest{key.first, delivery_id, later});
    EXPECT_TRUE(again.ok() && *again == AckOutcome::already_acked)
        << "ack of " << delivery_id << " answered before the cut is gone";
  }
  reopened->reset();  // a clean shutdown seals the log

  auto reader = AuditReader::open(after.path);
  EXPECT_TRUE(reader.ok());
  if (reader.ok()) {
    auto report = (*reader)->verify(cut.signer->public_key(), audit::VerifyOptions{});
    EXPECT_TRUE(report.ok());
    if (report.ok()) {
      EXPECT_TRUE(report->ok()) << "audit chain after the cut: " << report->failure->code << " "
                                << report->failure->message;
    }
  }
  return "seed " + std::to_string(seed) + ": cut at write " + std::to_string(cut_at) + " of " +
         std::to_string(writes) + ", " + std::to_string(ack.stored.size()) + " appends and " +
         std::to_string(ack.acked.size()) + " acks answered, " +
         (reverted.ok() ? std::to_string(reverted->undone) : std::string("?")) +
         " writes undone, " + std::to_string(lost) + " lost";
}

TEST(PowerLoss, NothingAnsweredBeforeTheCutIsLostAndTheManifestAcceptsTheRest) {
  const std::int64_t cuts = env_number("ACCORD_POWER_LOSS_CUTS", ACCORD_POWER_LOSS_DEFAULT_CUTS);
  const auto first_seed = static_cast<std::uint64_t>(
      env_number("ACCORD_POWER_LOSS_SEED", static_cast<std::int64_t>(std::random_device{}())));
  std::printf("power-loss: %lld cuts from seed %llu\n", static_cast<long long>(cuts),
              static_cast<unsigned long long>(first_seed));
  for (std::int64_t i = 0; i < cuts && !::testing::Test::HasFailure(); ++i) {
    const std::string summary = one_cut(first_seed + static_cast<std::uint64_t>(i));
    std::printf("power-loss: %s\n", summary.c_str());
  }
}

}  // namespace
}  // namespace accord::spool
