// The whole submission pipeline in one process, without TLS or HTTP (issue 7): what the
// gateway does per message between "the request body is in memory" and "202 may be sent".
//
//   BM_PipelineNoStorage             Pipeline::submit on a spool that stores nothing: decode,
//                                    route/decide/transform (AgreementPolicy), the content
//                                    hash, one Ed25519 signature and delivered document per
//                                    recipient copy, the spool submission built.
//   BM_PipelineToSpool/<in_flight>   the same into a fresh real SqliteSpool (WAL,
//                                    synchronous=FULL, audit log on with signed checkpoints,
//                                    as the gateway opens it), <in_flight> submissions
//                                    outstanding; an iteration is one message submitted, and
//                                    every message is acknowledged durably before the run ends.
//   BM_PipelineToSpoolAuditOff/<n>   the same with the audit log off, to split its cost.
//
// Bodies are the 1 KB case updates `accord bench` sends (accord::bench::EnvelopeGenerator,
// its default event types in round robin) from police.met, under config/agreements, with no
// agency keys registered (as bench/e2e/run.sh runs the gateway). Counters:
//   copies/msg   recipient copies stored per message
//   cpu_us/msg   CPU of the whole process (every thread, user + system) per message, to set
//                beside the crypto floor (bench_floor) and the gateway's CPU per message
//   commits/s, msgs/commit   the spool's transactions (group commit), spool runs only
//
// Run: build/bench/pipeline/bench_pipeline (ACCORD_SOURCE_DIR overrides the repo root; the
// spool goes under /tmp, the disk bench_floor's fsync kernels measure).
//
// `bench_pipeline --submit-sample N` instead submits the sample referral
// (config/demo/01-police-referral-created.json) N times, each with its own id, through
// Pipeline::submit on a DiscardSpool and exits: the fixed workload for counting instructions
// under callgrind (docs/benchmarks.md, "Instructions per sample referral"), where a timed
// benchmark's variable iteration count would not do.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../common/source_files.hpp"
#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/bench/envelope_gen.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/key_registry.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/pipeline/agreement_policy.hpp"
#include "accord/pipeline/pipeline.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "discard_spool.hpp"

namespace {

using namespace accord;
namespace fs = std::filesystem;

constexpr const char* kSender = "police.met";

// Set by skip(): main() then exits non-zero, so the ctest smoke run fails when any
// benchmark could not run or a submission was refused (Google Benchmark itself exits 0).
std::atomic<bool> g_failed{false};

void skip(benchmark::State& state, const std::string& why) {
  g_failed = true;
  state.SkipWithError(why.c_str());
}

using bench::read_file;
using bench::source_dir;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CPU of every thread of the process: the pipeline runs on the caller's thread, the spool's
// transactions on its writer thread, and Google Benchmark's own CPU column sees only the first.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string make_temp_dir(const char* prefix) {
  std::string dir = std::string("/tmp/") + prefix + "-XXXXXX";
  return mkdtemp(dir.data()) != nullptr ? dir : std::string();
}

// What the gateway loads at start, built the way Gateway::create wires it: the vocabulary,
// an AgreementPolicy over the sample agreements (a fresh pseudonym secret, no agency keys),
// and a gateway signing key (created in a temporary directory that is removed at once: the
// signer keeps the key in memory).
struct World {
  envelope::Vocabulary vocabulary;
  std::shared_ptr<const pipeline::Policy> policy;
  std::optional<crypto::GatewaySigner> signer;
  std::string error;  // non-empty when the world could not be built
};

// An AgreementPolicy over the sample agreements with a fresh pseudonym secret and `keys`;
// nullptr when there are none.
std::shared_ptr<const pipeline::Policy> sample_policy(
    std::shared_ptr<const crypto::KeyRegistry> keys) {
  std::vector<agreements::SourceText> sources;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(source_dir() + "/config/agreements", ec)) {
    if (f.path().extension() == ".yaml") sources.push_back({f.path(), read_file(f.path())});
  }
  auto loaded = agreements::parse_all(sources);
  if (loaded.agreements.empty()) return nullptr;
  std::vector<unsigned char> pseudonym_master(32);
  randombytes_buf(pseudonym_master.data(), pseudonym_master.size());
  return std::make_shared<pipeline::AgreementPolicy>(
      std::make_shared<const agreements::AgreementSet>(std::move(loaded.agreements)),
      std::move(pseudonym_master), std::move(keys));
}

const World& world() {
  static const World w = [] {
    World w;
    auto vocabulary =
        envelope::Vocabulary::parse(read_file(source_dir() + "/config/vocabulary.yaml"));
    if (!vocabulary.ok()) {
      w.error = "vocabulary: " + vocabulary.error().message;
      return w;
    }
    w.vocabulary = std::move(vocabulary.value());

    w.policy = sample_policy(std::make_shared<const crypto::KeyRegistry>());
    if (!w.policy) {
      w.error = "no agreements under " + source_dir() + "/config/agreements";
      return w;
    }

    const std::string dir = make_temp_dir("accord-bench-pipeline-key");
    if (dir.empty()) {
      w.error = "mkdtemp failed";
      return w;
    }
    auto signer = crypto::GatewaySigner::load_or_create(dir + "/signing.key", wall_ms());
    fs::remove_all(dir);
    if (!signer.ok()) {
      w.error = "signing key: " + signer.error().message;
      return w;
    }
    w.signer.emplace(std::move(signer.value()));
    return w;
  }();
  return w;
}

// `count` bodies with ids unique to this call: every spool run stores every message (no
// dedup hits), and consecutive runs never reuse an id.
std::vector<std::string> make_bodies(std::size_t count) {
  static int run = 0;
  auto gen = bench::EnvelopeGenerator::create(
      {"pipe" + std::to_string(::getpid()) + "r" + std::to_string(run++), kSender, {}, 1024});
  if (!gen.ok()) std::abort();
  std::vector<std::string> bodies;
  bodies.reserve(count);
  for (std::size_t i = 0; i < count; ++i) bodies.push_back(gen->make(i));
  return bodies;
}

void BM_PipelineNoStorage(benchmark::State& state) {
  const World& w = world();
  if (!w.error.empty()) {
    skip(state, w.error);
    return;
  }
  bench::DiscardSpool discard;
  pipeline::Pipeline pipe(w.vocabulary, envelope::DecodeLimits{}, discard, *w.signer);
  pipe.set_policy(w.policy);
  // The answer comes back on this thread before submit() returns (DiscardSpool::append).
  const std::vector<std::string> bodies = make_bodies(1024);
  std::int64_t copies = 0, failed = 0;
  std::size_t next = 0;
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    pipe.submit(kSender, bodies[next], wall_ms(), [&](pipeline::SubmitOutcome outcome) {
      if (const auto* accepted = std::get_if<pipeline::Accepted>(&outcome)) {
        copies += static_cast<std::int64_t>(accepted->recipients.size());
      } else {
        ++failed;
      }
    });
    next = next + 1 == bodies.size() ? 0 : next + 1;
  }
  const double cpu = process_cpu_seconds() - cpu_start;
  const auto n = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["copies/msg"] = static_cast<double>(copies) / n;
  state.counters["cpu_us/msg"] = cpu * 1e6 / n;
  if (failed > 0) skip(state, "a submission was refused");
}
BENCHMARK(BM_PipelineNoStorage)->MinTime(1.0);

// One run: a fresh spool, state.max_iterations bodies made up front (outside the timing),
// submissions kept at `in_flight` outstanding, every answer waited for before the figures.
void pipeline_to_spool(benchmark::State& state, bool audit) {
  const World& w = world();
  if (!w.error.empty()) {
    skip(state, w.error);
    return;
  }
  const int window = static_cast<int>(state.range(0));
  const std::string dir = make_temp_dir("accord-bench-pipeline");
  if (dir.empty()) {
    skip(state, "mkdtemp failed");
    return;
  }
  spool::SqliteSpoolOptions options;
  options.path = dir + "/spool.db";
  options.audit.enabled = audit;
  if (audit) {
    // As Gateway::create: checkpoints signed with the key that signs every copy.
    const crypto::GatewaySigner* signer = &*w.signer;
    options.audit.sign = [signer](std::string_view bytes) { return signer->sign(bytes); };
    options.audit.now_ms = &wall_ms;
  }
  auto opened = spool::open_sqlite_spool(options);
  if (!opened.ok()) {
    skip(state, opened.error().message);
    fs::remove_all(dir);
    return;
  }
  std::unique_ptr<spool::Spool> store = std::move(opened.value());
  {
    pipeline::Pipeline pipe(w.vocabulary, envelope::DecodeLimits{}, *store, *w.signer);
    pipe.set_policy(w.policy);
    const std::vector<std::string> bodies =
        make_bodies(static_cast<std::size_t>(state.max_iterations));

    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;        // guarded by mu
    std::int64_t copies = 0;  // guarded by mu
    std::int64_t failed = 0;  // guarded by mu
    std::string first_error;  // guarded by mu
    // Runs on the spool's writer thread (or this one for a refusal): count and wake, no more.
    auto answered = [&](pipeline::SubmitOutcome outcome) {
      std::lock_guard lock(mu);
      --in_flight;
      const auto* accepted = std::get_if<pipeline::Accepted>(&outcome);
      if (accepted != nullptr && !accepted->duplicate) {
        copies += static_cast<std::int64_t>(accepted->recipients.size());
      } else {
        ++failed;
        if (first_error.empty()) {
          first_error = accepted != nullptr ? "duplicate"
                                            : std::get<pipeline::Refused>(outcome).error.message;
        }
      }
      cv.notify_one();
    };

    std::size_t next = 0;
    const auto commits_before = store->stats().commits;
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight < window; });
        ++in_flight;
      }
      pipe.submit(kSender, bodies[next++], wall_ms(), answered);
    }
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight == 0; });
    }
    const double cpu = process_cpu_seconds() - cpu_start;
    const auto commits = store->stats().commits - commits_before;
    const auto n = static_cast<double>(state.iterations());
    state.SetItemsProcessed(state.iterations());
    state.counters["copies/msg"] = static_cast<double>(copies) / n;
    state.counters["cpu_us/msg"] = cpu * 1e6 / n;
    state.counters["commits/s"] =
        benchmark::Counter(static_cast<double>(commits), benchmark::Counter::kIsRate);
    state.counters["msgs/commit"] = n / static_cast<double>(commits > 0 ? commits : 1);
    if (failed > 0) skip(state, "submission failed: " + first_error);
  }
  store->shutdown();
  store.reset();
  fs::remove_all(dir);
}

void BM_PipelineToSpool(benchmark::State& state) {
  pipeline_to_spool(state, true);
}
void BM_PipelineToSpoolAuditOff(benchmark::State& state) {
  pipeline_to_spool(state, false);
}
BENCHMARK(BM_PipelineToSpool)->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime()->MinTime(1.5);
BENCHMARK(BM_PipelineToSpoolAuditOff)
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->UseRealTime()
    ->MinTime(1.5);

// The sample referral, `count` times with distinct ids of the same length, submitted one by
// one, with a key registered for provider.lvws (its copy seals the safe-contact fields;
// provider.survivors-uk is refused by its offence condition), as the gateway decides it once
// keys are registered. Exit status 0 only when every one was accepted.
int submit_sample(int count) {
  const World& w = world();
  if (!w.error.empty()) {
    std::fprintf(stderr, "%s\n", w.error.c_str());
    return 1;
  }
  const std::string sample =
      read_file(source_dir() + "/config/demo/01-police-referral-created.json");
  constexpr std::string_view kId = "met-ref-2026-000417";
  const std::size_t at = sample.find(kId);
  if (at == std::string::npos) {
    std::fprintf(stderr, "no sample referral under %s\n", source_dir().c_str());
    return 1;
  }
  auto lvws = crypto::generate_agency_key("provider.lvws", wall_ms() - 86'400'000);
  if (!lvws.ok()) return 1;
  auto keys = crypto::KeyRegistry::parse(
      {{"lvws.pub.json", crypto::public_key_file_text(lvws.value().pub)}});
  if (!keys.ok()) return 1;
  bench::DiscardSpool discard;
  pipeline::Pipeline pipe(w.vocabulary, envelope::DecodeLimits{}, discard, *w.signer);
  pipe.set_policy(
      sample_policy(std::make_shared<const crypto::KeyRegistry>(std::move(keys.value()))));
  int accepted = 0;
  for (int i = 0; i < count; ++i) {
    std::string body = sample;
    char id[32];
    std::snprintf(id, sizeof id, "met-ref-cg-%08d", i);
    body.replace(at, kId.size(), id);
    pipe.submit(kSender, body, wall_ms(), [&](pipeline::SubmitOutcome outcome) {
      const auto* a = std::get_if<pipeline::Accepted>(&outcome);
      if (a != nullptr && !a->duplicate && !a->recipients.empty()) ++accepted;
    });
  }
  std::printf("%d of %d sample referrals accepted\n", accepted, count);
  return accepted == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  if (argc == 3 && std::string_view(argv[1]) == "--submit-sample") {
    return submit_sample(std::atoi(argv[2]));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return g_failed ? 1 : 0;
}
