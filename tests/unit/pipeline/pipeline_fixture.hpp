// What the pipeline tests run on, built the way the gateway wires it: the shipped vocabulary
// and London agreements, a real key for provider.lvws (so the referral's safe-contact fields
// are sealed to it), a real gateway signing key, and a real embedded spool in a temp dir.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "accord/crypto/key_files.hpp"
#include "accord/crypto/key_registry.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/pipeline/agreement_policy.hpp"
#include "accord/pipeline/pipeline.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/golden.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::pipeline::testing {

inline constexpr std::int64_t kNow = 1'795'338'000'000;  // 2026-11-22T09:00:00Z
inline constexpr const char* kSender = "police.met";
inline constexpr const char* kLvws = "provider.lvws";

using accord::testing::read_file;
using accord::testing::source_dir;
// tests/data/envelope/referral_created.json: for provider.lvws (safe-contact fields
// encrypted) and refused for provider.survivors-uk (its offence condition).
std::string referral_body();
// The same body with another id, or the same id and other content.
std::string with_id(std::string body, const std::string& id);

// A Policy that counts plan() calls, around the real AgreementPolicy: what shows that a step
// after the probe never ran.
class CountingPolicy : public Policy {
 public:
  explicit CountingPolicy(std::shared_ptr<const Policy> inner) : inner_(std::move(inner)) {}
  using Policy::plan;
  Plan plan(const envelope::Envelope& envelope, const std::string& sender, std::int64_t now_ms,
            const agreements::SubjectState& state) const override {
    ++calls_;
    return inner_->plan(envelope, sender, now_ms, state);
  }
  bool reads_subject_state(const envelope::Envelope& envelope,
                           const std::string& sender) const override {
    return inner_->reads_subject_state(envelope, sender);
  }
  const agreements::ConditionLiterals& condition_literals() const override {
    return inner_->condition_literals();
  }
  int calls() const { return calls_.load(); }

 private:
  std::shared_ptr<const Policy> inner_;
  mutable std::atomic<int> calls_{0};
};

struct World {
  World();
  // Opens the spool (once); `before_batch` runs on the writer before each transaction.
  void open(std::function<void()> before_batch = {});
  SubmitOutcome submit(const std::string& body, std::int64_t now_ms = kNow,
                       const std::string& sender = kSender);

  accord::testing::TempDir dir{"accord-pipeline-"};
  envelope::Vocabulary vocabulary;
  crypto::AgencySecretKey lvws_key;
  std::shared_ptr<const AgreementPolicy> agreements;
  std::shared_ptr<CountingPolicy> policy;
  std::optional<crypto::GatewaySigner> signer;
  std::unique_ptr<spool::Spool> spool;
  std::unique_ptr<Pipeline> pipeline;
};

}  // namespace accord::pipeline::testing
