#include "accord/pipeline/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include "accord/pipeline/compliance_record.hpp"
#include "accord/pipeline/dedup_probe.hpp"

namespace accord::pipeline {

Pipeline::Pipeline(const envelope::Vocabulary& vocabulary, envelope::DecodeLimits limits,
                   spool::Spool& spool, const crypto::GatewaySigner& signer)
    : vocabulary_(vocabulary), limits_(limits), spool_(spool), signer_(signer) {}

void Pipeline::set_policy(std::shared_ptr<const Policy> policy) {
  std::atomic_store(&policy_, std::move(policy));
}

std::shared_ptr<const Policy> Pipeline::policy() const {
  return std::atomic_load(&policy_);
}

void Pipeline::submit(const std::string& sender, std::string_view body, std::int64_t now_ms,
                      SubmitHandler done) {
  // 1. Decode.
  auto decoded = envelope::decode(body, vocabulary_, limits_);
  if (!decoded.ok()) {
    done(Refused{decoded.error(), {}});
    return;
  }
  const envelope::Envelope& env = decoded.value();
  const std::string body_hash = content_hash(body);

  // 2. Dedup probe: a resend costs one read, no plan, no crypto, no write.
  if (auto answer = answer_from_spool(spool_, sender, env.id, body_hash)) {
    done(std::move(*answer));
    return;
  }

  // 2b. Compliance facts: a bad one refuses the submission before any planning, like a
  // decode error (nothing stored).
  auto compliance = compliance_facts(env, sender, now_ms, vocabulary_);
  if (!compliance.ok()) {
    done(Refused{compliance.error(), {}});
    return;
  }

  // 3. Plan: route → decide → transform, pure.
  const auto policy = this->policy();
  Plan plan = policy ? policy->plan(env, sender, now_ms) : Plan{};

  // 4. Seal: encrypt the fields the plan names, sign every copy.
  Sealed sealed = seal(std::move(plan.copies), {sender, env.id, now_ms}, signer_);
  withhold_unsealed(plan, std::move(sealed.refusals));
  std::vector<PlannedRefusal> withheld = std::move(plan.refusals);

  // 5. Compose the audit records (a refusal's too), 6. store them with the copies.
  const DecisionFacts facts = decision_facts(env, sender, body_hash, now_ms);
  // An event the gateway records itself (victim.informed, consent.*) is stored for its facts
  // even when no agreement routes it to anyone.
  if (sealed.copies.empty() && !stored_without_recipients(env, vocabulary_)) {
    std::string why = withheld.empty()
                          ? "no active agreement lets " + sender + " share '" + env.type + "'"
                          : "no agreement allows any recipient; see details";
    refuse(Refused{make_error("not_permitted", std::move(why), "type"), std::move(withheld)}, facts,
           plan.shadow, std::move(done));
    return;
  }
  spool::Submission submission;
  submission.sender = sender;
  submission.message_id = env.id;
  submission.content_hash = body_hash;
  submission.event_type = env.type;
  submission.case_urn = env.case_ref.urn;
  submission.subject_ref = env.subject.ref;
  submission.received_at_ms = now_ms;
  submission.records = accepted_records(facts, sealed.copies, withheld, plan.shadow);
  submission.records.push_back({compliance_facts_record(facts, *compliance)});
  submission.copies.reserve(sealed.copies.size());
  for (auto& copy : sealed.copies) {
    submission.copies.push_back({std::move(copy.recipient), std::move(copy.document)});
  }
  spool_.append(std::move(submission),
                [done = std::move(done), id = env.id,
                 withheld = std::move(withheld)](Result<spool::AppendResult> result) mutable {
                  if (!result.ok()) {
                    done(Refused{result.error(), {}});
                    return;
                  }
                  auto& appended = result.value();
                  // The writer's own dedup check: a first send racing this one won.
                  if (appended.outcome == spool::AppendOutcome::conflict) {
                    done(id_conflict(id));
                    return;
                  }
                  Accepted accepted;
                  accepted.message_id = std::move(id);
                  accepted.recipients = std::move(appended.recipients);
                  accepted.received_at_ms = appended.received_at_ms;
                  accepted.duplicate = appended.outcome == spool::AppendOutcome::duplicate;
                  if (!accepted.duplicate) accepted.withheld = std::move(withheld);
                  done(std::move(accepted));
                });
}

void Pipeline::refuse(Refused refused, const DecisionFacts& facts,
                      const std::vector<ShadowOutcome>& shadow, SubmitHandler done) {
  // Answered once its records are durable: "what was refused" is a question the log must
  // answer (docs/audit-format.md).
  // Composed before `refused` moves into the handler (argument order is unspecified).
  auto records = refused_records(facts, refused, shadow);
  spool_.record(
      std::move(records), [done = std::move(done), refused = std::move(refused)](Status s) mutable {
        if (!s.ok()) {
          // Still a refusal: the sender may not share this, whatever the disk says.
          spdlog::error("pipeline: audit record of a refusal not written: {}", s.error().message);
        }
        done(std::move(refused));
      });
}

}  // namespace accord::pipeline
